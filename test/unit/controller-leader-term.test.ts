import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { LeaderTerm } from '../../src/controller/leader-term.js';
import { noControllerMetrics } from '../../src/controller/metrics.js';
import type { EipObject, NamespaceObject, Reader, ServiceObject } from '../../src/controller/objects.js';
import { systemClock } from '../../src/kube/clock.js';
import type { ObjectPatcher } from '../../src/kube/status.js';
import { silentLogger } from '../../src/observability/logger.js';

function reader<T>(objects: readonly T[]): Reader<T> {
  return {
    get: () => undefined,
    getByName: () => undefined,
    list: () => [...objects],
    hasSynced: () => true,
  };
}

const patcher: ObjectPatcher = {
  patchStatus: () => Promise.resolve({ kind: 'notFound', message: 'gone' }),
  patchObject: () => Promise.resolve({ kind: 'notFound', message: 'gone' }),
};

function term(): LeaderTerm {
  return new LeaderTerm({
    services: reader<ServiceObject>([]),
    eips: reader<EipObject>([]),
    namespaces: reader<NamespaceObject>([]),
    patcher,
    eventWriter: {
      create: () => Promise.resolve({ kind: 'notFound', message: 'gone' }),
      patch: () => Promise.resolve({ kind: 'notFound', message: 'gone' }),
    },
    log: silentLogger(),
    metrics: noControllerMetrics,
    registry: undefined,
    clock: systemClock,
    statusIntervalMs: 500,
    serviceConcurrency: 4,
    instance: undefined,
  });
}

const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

describe('LeaderTerm and the signal it runs under', () => {
  // Without leader election the term runs under the process's own signal, which the informers, the
  // servers and the shutdown wait listen on too. One listener per part of the term took it to 11 and
  // Node printed "Possible EventTarget memory leak detected" at every start of the controller.
  it('adds one abort listener to it, whatever the number of its parts, and removes it when done', async () => {
    const leader = new AbortController();
    const t = term();
    const running = t.run(leader.signal);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.initialPassDone).toBe(true);
    expect(abortListeners(leader.signal)).toBe(1);
    leader.abort();
    await running;
    expect(abortListeners(leader.signal)).toBe(0);
  });

  it('stops at once under a signal that was already aborted, adding no listener', async () => {
    const leader = new AbortController();
    leader.abort();
    await term().run(leader.signal);
    expect(abortListeners(leader.signal)).toBe(0);
  });
});
