// Layer2Speakers with real LivenessLeases against the in-process Kubernetes API (fake sockets, fake NICs and
// link states): each publishes on its Lease the layer2 Eips it can serve; a NIC losing its link makes the owner
// stop answering and republish, and the next candidate takes over; Lease writes happen only on change. Also:
// the strictARP warning (from one node) and a bad node annotation reported on the Node, without a crash.
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoordinationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rendezvousOrder } from '../../src/layer2/announce-election.js';
import type { NicLookup } from '../../src/layer2/announce-nic.js';
import { ANNOTATION_LAYER2_EIPS } from '../../src/layer2/availability.js';
import { systemClock } from '../../src/kube/clock.js';
import { kubeLeaseApi, type LeaseApi } from '../../src/kube/leader-election-lock.js';
import { eth0Nics, fakeSocket } from '../support/layer2-fakes.js';
import { waitFor } from '../support/wait.js';
import { silentLogger } from '../../src/observability/logger.js';
import { Layer2Speaker } from '../../src/speaker/layer2-speaker.js';
import { LivenessLease } from '../../src/speaker/liveness-lease.js';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';
import { applyOpenElb, serviceWithIp, setEndpoints } from '../lab/scenarios/objects.js';
import { registerNodes } from '../lab/topology/nodes.js';
import { planLab } from '../lab/topology/plan.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const plan = planLab({ nodes: 2, router: 'frr', ipv6: false, gobgpd: 'speaker', managers: false });
const NS = 'openelb-system';
const IP = '192.0.2.200';
const [first = '', second = ''] = rendezvousOrder(
  plan.nodes.map((n) => n.name),
  IP,
);

const linkDown = new Set<string>();
const nicsOf = (node: string): NicLookup => eth0Nics(() => linkDown.has(node));

let api: LocalApi;
let kc: KubeConfig;
const stop = new AbortController();
setMaxListeners(64, stop.signal);
const speakers = new Map<string, Layer2Speaker>();
const writes = new Map<string, number>();
const runs: Promise<void>[] = [];

const answers = (node: string): string[] => [...(speakers.get(node)?.answering().values() ?? [])].flat();

async function published(node: string): Promise<string | undefined> {
  const lease = await kc
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ name: `openelb-speaker-${node}`, namespace: NS });
  return lease.metadata?.annotations?.[ANNOTATION_LAYER2_EIPS];
}

async function warnings(kind: string, reason: string): Promise<{ name: string; message: string }[]> {
  const events = await kc.makeApiClient(CoreV1Api).listEventForAllNamespaces();
  return events.items
    .filter((e) => e.type === 'Warning' && e.involvedObject.kind === kind && e.reason === reason)
    .map((e) => ({ name: e.involvedObject.name ?? '', message: e.message ?? '' }));
}

/** Counts the Lease writes of `node`. */
function counted(node: string, inner: LeaseApi): LeaseApi {
  writes.set(node, 0);
  const bump = (): void => {
    writes.set(node, (writes.get(node) ?? 0) + 1);
  };
  return {
    description: inner.description,
    get: (s) => inner.get(s),
    create: (spec, s) => {
      bump();
      return inner.create(spec, s);
    },
    replace: (lease, s) => {
      bump();
      return inner.replace(lease, s);
    },
  };
}

beforeAll(async () => {
  api = await startLocalApi({ crdDir: join(repo, 'deploy', 'crds') });
  kc = api.kubeConfig();
  await registerNodes(kc, plan.nodes, new Date());
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } }).catch(() => undefined);
  await core.createNamespace({ body: { metadata: { name: 'kube-system' } } }).catch(() => undefined);
  await applyOpenElb(kc, 'eips', 'Eip', 'lan', {
    address: '192.0.2.200-192.0.2.210',
    protocol: 'layer2',
    interface: 'eth0',
  });
  await serviceWithIp(kc, 'default', 'web', 'lan', [IP]);
  await setEndpoints(
    kc,
    'default',
    'web',
    plan.nodes.map((n) => n.name),
  );
  for (const n of plan.nodes) {
    // Renewals every 60 s: within the test every Lease write is an availability change.
    const lease = new LivenessLease({
      api: counted(n.name, kubeLeaseApi(kc, NS, `openelb-speaker-${n.name}`)),
      identity: n.name,
      durationMs: 120_000,
      renewMs: 60_000,
      clock: systemClock,
      log: silentLogger(),
    });
    const speaker = new Layer2Speaker({
      kubeConfig: kc,
      nodeName: n.name,
      namespace: NS,
      log: silentLogger(),
      lease: () => lease.current(),
      nic: nicsOf(n.name),
      open: fakeSocket,
      resyncMs: 100,
      linkPollMs: 20,
      linkReader: () =>
        linkDown.has(n.name) ? { operstate: 'down', carrier: undefined } : { operstate: 'up', carrier: true },
      kubeProxy: () =>
        Promise.resolve({
          kind: 'found',
          data: { 'config.conf': 'mode: ipvs\nipvs:\n  strictARP: false\n' },
        }),
      publish: (annotations) => {
        for (const [key, value] of Object.entries(annotations)) lease.setAnnotation(key, value);
      },
    });
    speakers.set(n.name, speaker);
    runs.push(lease.run(stop.signal), speaker.run(stop.signal));
  }
}, 20_000);

afterAll(async () => {
  stop.abort();
  await Promise.all(runs);
  await api.stop();
});

describe('published NIC availability with the local API', () => {
  it('each speaker publishes what it can serve; the elected node answers', async () => {
    await waitFor(`${first} answers`, () => answers(first).includes(IP));
    await waitFor(
      'both published',
      async () => (await published(first)) === 'lan' && (await published(second)) === 'lan',
    );
    expect(answers(second)).toEqual([]);
  });

  it('writes the Lease only when the published value changes', async () => {
    const before = new Map(writes);
    await new Promise((r) => setTimeout(r, 500)); // about 5 resyncs on each node
    expect(writes).toEqual(before);
  });

  it('link down on the owner: it stops answering, republishes, and the next node takes over fast', async () => {
    const t0 = Date.now();
    linkDown.add(first);
    await waitFor(`${second} answers`, () => answers(second).includes(IP), 3000);
    const ms = Date.now() - t0;
    expect(answers(first)).toEqual([]);
    expect(await published(first)).toBe('');
    expect(ms).toBeLessThan(1500);

    linkDown.delete(first);
    await waitFor(`${first} answers again`, () => answers(first).includes(IP), 3000);
    await waitFor(`${second} stops`, () => answers(second).length === 0, 3000);
    expect(await published(first)).toBe('lan');
  });

  it('kube-proxy in IPVS mode without strictARP: a Warning on the Eip, from one node only', async () => {
    await waitFor('StrictARPDisabled', async () => (await warnings('Eip', 'StrictARPDisabled')).length > 0);
    const found = await warnings('Eip', 'StrictARPDisabled');
    expect(found.map((w) => w.name)).toEqual(['lan']);
    expect(found[0]?.message).toContain('kubectl edit configmap -n kube-system kube-proxy');
  });

  it('a bad node annotation: a Warning on the Node, the node leaves the election, nothing crashes', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const node = await core.readNode({ name: first });
    node.metadata ??= {};
    node.metadata.annotations = {
      ...node.metadata.annotations,
      'layer2.openelb.kubesphere.io/v1alpha1': 'not-an-ip',
    };
    await core.replaceNode({ name: first, body: node });
    await waitFor(`${second} answers`, () => answers(second).includes(IP), 3000);
    // Both see the Node change on their own watches: the first stops once it has seen it.
    await waitFor(`${first} stops`, () => answers(first).length === 0, 3000);
    await waitFor('Layer2BadAnnotation', async () =>
      (await warnings('Node', 'Layer2BadAnnotation')).some((w) => w.name === first),
    );
    expect(await published(first)).toBe('');
    const fixed = await core.readNode({ name: first });
    delete fixed.metadata?.annotations?.['layer2.openelb.kubesphere.io/v1alpha1'];
    await core.replaceNode({ name: first, body: fixed });
    await waitFor(`${first} answers again`, () => answers(first).includes(IP), 3000);
  });
});
