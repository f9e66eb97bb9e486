import { afterEach, describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Informer } from '../../src/kube/informer.js';
import type { InformerHealthEvent } from '../../src/kube/informer-health.js';
import { LAST_APPLIED_ANNOTATION, withoutBookkeeping } from '../../src/kube/informer-transform.js';
import { FakeClock } from '../support/fake-clock.js';
import { FakeListWatch } from '../support/fake-list-watch.js';

type Obj = KubernetesObject & { spec?: { big?: string; kept?: string } };

const obj = (name: string, kept: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { big: 'x'.repeat(1000), kept },
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function start(transform: (o: Obj) => Obj) {
  const clock = new FakeClock();
  const api = new FakeListWatch<Obj>();
  api.put(obj('listed', 'a'));
  const health: InformerHealthEvent[] = [];
  const seen: Obj[] = [];
  const informer = new Informer<Obj>({
    resource: 'services',
    path: '/api/v1/services',
    list: api.list,
    watch: api.watch,
    watchTimeoutSeconds: 300,
    clock,
    random: () => 0.5,
    health: (e) => health.push(e),
    transform,
  });
  informer.addHandlers({ onAdd: (o) => seen.push(o), onUpdate: (_old, o) => seen.push(o) });
  const ac = new AbortController();
  const running = informer.start(ac.signal);
  cleanups.push(async () => {
    ac.abort();
    await running;
  });
  return { clock, api, informer, health, seen };
}

const dropBig = (o: Obj): Obj => ({ ...o, spec: { kept: o.spec?.kept ?? '' } });

describe('Informer transform', () => {
  it('caches and delivers transformed objects, from the list and from the watch', async () => {
    const h = start(dropBig);
    await h.clock.settle();
    h.api.put(obj('watched', 'b'));
    await h.clock.settle();
    expect(h.informer.list().map((o) => [o.metadata?.name, o.spec])).toEqual([
      ['listed', { kept: 'a' }],
      ['watched', { kept: 'b' }],
    ]);
    expect(h.seen.every((o) => o.spec?.big === undefined)).toBe(true);
    // resourceVersions survive the transform, so updates are still told apart.
    h.api.put(obj('watched', 'c'));
    await h.clock.settle();
    expect(h.informer.getByName('watched', 'default')?.spec).toEqual({ kept: 'c' });
  });

  it('keeps an object whole and reports it when the transform throws', async () => {
    const h = start((o) => {
      if (o.metadata?.name === 'listed') throw new Error('bad object');
      return dropBig(o);
    });
    await h.clock.settle();
    expect(h.informer.getByName('listed', 'default')?.spec?.big).toHaveLength(1000);
    expect(h.health).toContainEqual(
      expect.objectContaining({ type: 'HandlerError', handler: 'transform', err: 'bad object' }),
    );
  });
});

describe('withoutBookkeeping', () => {
  it('drops managedFields and the last-applied annotation, and leaves the input alone', () => {
    const input: KubernetesObject = {
      metadata: {
        name: 'a',
        resourceVersion: '7',
        managedFields: [{ manager: 'kubectl' }],
        annotations: { [LAST_APPLIED_ANNOTATION]: '{"big":true}', keep: 'me' },
      },
    };
    const out = withoutBookkeeping(input);
    expect(out.metadata).toEqual({ name: 'a', resourceVersion: '7', annotations: { keep: 'me' } });
    expect(input.metadata?.managedFields).toHaveLength(1);
    const plain: KubernetesObject = { metadata: { name: 'b' } };
    expect(withoutBookkeeping(plain)).toBe(plain);
  });
});
