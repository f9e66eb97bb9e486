import { describe, expect, it } from 'vitest';
import { FINALIZER_LB, LABEL_EIP } from '../../src/api/keys.js';
import { noControllerMetrics } from '../../src/controller/metrics.js';
import type { NamespaceObject, Reader, ServiceObject } from '../../src/controller/objects.js';
import { ServiceReconciler } from '../../src/controller/service-reconciler.js';
import { WrittenOverlay } from '../../src/controller/service-writes.js';
import { Allocator } from '../../src/ipam/index.js';
import type { ObjectPatcher, WriteResult } from '../../src/kube/status.js';
import { silentLogger } from '../../src/observability/logger.js';

const KEY = 'default/web';

function svc(rv: string, extra: Partial<ServiceObject['metadata']> = {}): ServiceObject {
  return { metadata: { name: 'web', namespace: 'default', resourceVersion: rv, ...extra }, spec: {} };
}

function reader<T>(objects: Map<string, T>): Reader<T> {
  return {
    get: (k) => objects.get(k),
    getByName: (name, ns) => objects.get(ns === undefined ? name : `${ns}/${name}`),
    list: () => [...objects.values()],
    hasSynced: () => true,
  };
}

/**
 * A patcher that answers every write with a new resourceVersion (the patch itself is not applied);
 * `beforeAnswer` runs while the write is in flight (the watch may deliver its echo first).
 */
function countingPatcher(beforeAnswer: (rv: string) => void = () => undefined): ObjectPatcher & {
  writes: string[];
} {
  let rv = 100;
  const writes: string[] = [];
  const answer = <T>(what: string): Promise<WriteResult<T>> => {
    writes.push(what);
    rv += 1;
    beforeAnswer(String(rv));
    return Promise.resolve({ kind: 'ok', object: svc(String(rv)) as T });
  };
  return {
    writes,
    patchStatus: () => answer('status'),
    patchObject: () => answer('metadata'),
  };
}

/** A reconciler over one Service that carries our marks but no opt-in: its plan releases (two writes). */
function releasing(patcher: ObjectPatcher, requeued: string[]): ServiceReconciler {
  const marked = svc('10', { labels: { [LABEL_EIP]: 'pool' }, finalizers: [FINALIZER_LB] });
  const services = new Map<string, ServiceObject>([
    [
      KEY,
      {
        ...marked,
        spec: { type: 'LoadBalancer' },
        status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } },
      },
    ],
  ]);
  return new ServiceReconciler({
    services: reader(services),
    namespaces: reader(new Map<string, NamespaceObject>()),
    allocator: new Allocator(),
    patcher,
    record: () => undefined,
    touched: () => undefined,
    wake: () => undefined,
    requeue: (key) => requeued.push(key),
    deletingEips: () => new Set(),
    metrics: noControllerMetrics,
    log: silentLogger(),
  });
}

describe('WrittenOverlay: our own writes and their echoes', () => {
  it('serves our newest write while the cache shows the base or an intermediate version of ours', () => {
    const o = new WrittenOverlay();
    const base = svc('1');
    o.remember(KEY, base, svc('2'));
    o.remember(KEY, base, svc('3'));
    expect(o.current(KEY, base)?.metadata?.resourceVersion).toBe('3');
    expect(o.current(KEY, svc('2'))?.metadata?.resourceVersion).toBe('3');
    // A retry over our own last write continues the chain.
    o.remember(KEY, svc('3'), svc('4'));
    expect(o.current(KEY, svc('3'))?.metadata?.resourceVersion).toBe('4');
    expect(o.current(KEY, base)?.metadata?.resourceVersion).toBe('4');
  });

  it('takes only resourceVersions our writes returned for echoes, and forgets once the last one is seen', () => {
    const o = new WrittenOverlay();
    o.remember(KEY, svc('1'), svc('2'));
    o.remember(KEY, svc('1'), svc('3'));
    expect(o.isOwnEcho(KEY, '1')).toBe(false); // the version we started from is not ours
    expect(o.isOwnEcho('default/other', '2')).toBe(false);
    expect(o.isOwnEcho(KEY, undefined)).toBe(false);
    expect(o.isOwnEcho(KEY, '2')).toBe(true);
    expect(o.isOwnEcho(KEY, '3')).toBe(true);
    // The cache has caught up: the entry is gone, so a later redelivery is an ordinary update.
    expect(o.isOwnEcho(KEY, '3')).toBe(false);
    const foreign = svc('9', { labels: { team: 'x' } });
    expect(o.current(KEY, foreign)).toBe(foreign);
  });

  it('drops the written object when someone else changed the Service (level-triggered)', () => {
    const o = new WrittenOverlay();
    o.remember(KEY, svc('1'), svc('2'));
    expect(o.isOwnEcho(KEY, '5')).toBe(false);
    const theirs = svc('5');
    expect(o.current(KEY, theirs)).toBe(theirs);
    expect(o.isOwnEcho(KEY, '2')).toBe(false);
  });
});

describe('ServiceReconciler: echoes of its writes', () => {
  it('takes the echoes of both writes of a release for no change, and a foreign change for one', async () => {
    const patcher = countingPatcher();
    const requeued: string[] = [];
    const r = releasing(patcher, requeued);
    expect((await r.reconcile(KEY, new AbortController().signal)).kind).toBe('done');
    expect(patcher.writes).toEqual(['status', 'metadata']);
    expect(r.updated(KEY, '101')).toBe(false);
    expect(r.current(KEY)?.metadata?.resourceVersion).toBe('102');
    expect(r.updated(KEY, '102')).toBe(false);
    expect(r.updated(KEY, '103')).toBe(true);
    expect(requeued).toEqual([]);
  });

  it('holds updates that arrive while the key is reconciled: its own echoes are dropped', async () => {
    const requeued: string[] = [];
    const patcher = countingPatcher((rv) => {
      // The watch delivers the echo before the write's answer.
      expect(r.updated(KEY, rv)).toBe(false);
    });
    const r = releasing(patcher, requeued);
    await r.reconcile(KEY, new AbortController().signal);
    expect(patcher.writes).toHaveLength(2);
    expect(requeued).toEqual([]);
    // Nothing is left over: a later update with a new version is reconciled at once.
    expect(r.updated(KEY, '102')).toBe(true);
  });

  it('queues the key again when an update by someone else arrived during the reconcile', async () => {
    const requeued: string[] = [];
    const patcher = countingPatcher((rv) => {
      if (rv === '101') expect(r.updated(KEY, '555')).toBe(false);
    });
    const r = releasing(patcher, requeued);
    await r.reconcile(KEY, new AbortController().signal);
    expect(requeued).toEqual([KEY]);
  });
});
