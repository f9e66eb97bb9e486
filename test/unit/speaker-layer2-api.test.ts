// The Layer2Speaker against the in-process Kubernetes API with fake packet sockets and fake host NICs: two
// speakers elect the same announcer, a released Lease moves the IP at once, an expired Lease moves it when it
// expires (nobody writes anything), and an Eip without a usable NIC gets a Warning Event.
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  type KubeConfig,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rendezvousOrder } from '../../src/layer2/announce-election.js';
import type { NicLookup } from '../../src/layer2/announce-nic.js';
import { buildArpRequest, buildGratuitousRequest } from '../../src/layer2/arp.js';
import { eth0Nics, frameInjector } from '../support/layer2-fakes.js';
import { waitFor } from '../support/wait.js';
import { silentLogger } from '../../src/observability/logger.js';
import { Layer2Speaker } from '../../src/speaker/layer2-speaker.js';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';
import { applyOpenElb, serviceWithIp, setEndpoints } from '../lab/scenarios/objects.js';
import { registerNodes } from '../lab/topology/nodes.js';
import { planLab } from '../lab/topology/plan.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const plan = planLab({ nodes: 2, router: 'frr', ipv6: false, gobgpd: 'speaker', managers: false });
const NS = 'openelb-system';
const IP = '192.0.2.200';
const order = rendezvousOrder(
  plan.nodes.map((n) => n.name),
  IP,
);
const [first = '', second = ''] = order;

const nics: NicLookup = eth0Nics();

let api: LocalApi;
let kc: KubeConfig;
const stop = new AbortController();
setMaxListeners(64, stop.signal); // two speakers' informers share it
const speakers = new Map<string, Layer2Speaker>();
const injectors = new Map(plan.nodes.map((n) => [n.name, frameInjector()]));
const runs: Promise<void>[] = [];
/** Nodes whose speaker is told its own Lease renewals do not get through (LivenessLease.inDoubt). */
const inDoubt = new Set<string>();

async function writeLease(node: string, holder: string, seconds: number, renewedAgoMs = 0): Promise<void> {
  const leases = kc.makeApiClient(CoordinationV1Api);
  const name = `openelb-speaker-${node}`;
  const spec = {
    holderIdentity: holder,
    leaseDurationSeconds: seconds,
    renewTime: new V1MicroTime(Date.now() - renewedAgoMs),
  };
  try {
    const old = await leases.readNamespacedLease({ name, namespace: NS });
    await leases.replaceNamespacedLease({ name, namespace: NS, body: { metadata: old.metadata, spec } });
  } catch {
    await leases.createNamespacedLease({ namespace: NS, body: { metadata: { name, namespace: NS }, spec } });
  }
}

const answers = (node: string): string[] => [...(speakers.get(node)?.answering().values() ?? [])].flat();

beforeAll(async () => {
  api = await startLocalApi({ crdDir: join(repo, 'deploy', 'crds') });
  kc = api.kubeConfig();
  await registerNodes(kc, plan.nodes, new Date());
  await kc
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: NS } } })
    .catch(() => undefined);
  for (const n of plan.nodes) await writeLease(n.name, n.name, 60);
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
    const speaker = new Layer2Speaker({
      kubeConfig: kc,
      nodeName: n.name,
      namespace: NS,
      log: silentLogger(),
      lease: () => undefined,
      apiInDoubt: () => inDoubt.has(n.name),
      nic: nics,
      open: injectors.get(n.name)?.open ?? (() => ({ ok: false, error: new Error('no injector') })),
    });
    speakers.set(n.name, speaker);
    runs.push(speaker.run(stop.signal));
  }
}, 20_000);

afterAll(async () => {
  stop.abort();
  await Promise.all(runs);
  await api.stop();
});

describe('Layer2Speaker with the local API', () => {
  it('answers on the elected node only, and emits the announcing Event on the Service', async () => {
    await waitFor(`${first} answers`, () => answers(first).includes(IP));
    expect(answers(second)).toEqual([]);
    await waitFor('Event', async () => {
      const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default' });
      return events.items.some(
        (e) => e.involvedObject.name === 'web' && e.message === `announcing ${IP} from ${first} on eth0`,
      );
    });
  });

  it('moves the IP at once when the announcer releases its Lease', async () => {
    await writeLease(first, '', 60);
    await waitFor(`${second} answers`, () => answers(second).includes(IP));
    await waitFor(`${first} stops`, () => answers(first).length === 0);
    await writeLease(first, first, 60);
    await waitFor(`${first} answers again`, () => answers(first).includes(IP));
    // Each speaker reacts to the Lease on its own watch: the loser stops once it has seen it too.
    await waitFor(`${second} stops`, () => answers(second).length === 0);
  });

  it('moves the IP when the announcer Lease expires, without any further write', async () => {
    await waitFor(`only ${first} answers`, () => answers(first).includes(IP) && answers(second).length === 0);
    // Renewed 500 ms ago for 1 s: expires in about 500 ms; only the expiry timer can notice.
    await writeLease(first, first, 1, 500);
    const written = Date.now();
    await waitFor(`${second} answers`, () => answers(second).includes(IP), 3000);
    expect(Date.now() - written).toBeGreaterThanOrEqual(300);
    await writeLease(first, first, 60);
    await waitFor(`${first} answers again`, () => answers(first).includes(IP));
  });

  it('renewals of fresh Leases do not re-run the elections; a Lease that goes stale or comes back does', async () => {
    await waitFor(`only ${first} answers`, () => answers(first).includes(IP) && answers(second).length === 0);
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));
    await settle();
    const before = speakers.get(first)?.last;
    expect(before).toBeDefined();
    // What every speaker does twice a second: only renewTime moves.
    for (let i = 0; i < 4; i++) {
      await writeLease(second, second, 60);
      await writeLease(first, first, 60);
    }
    await settle();
    expect(speakers.get(first)?.last).toBe(before);
    // A 1 s Lease that is not renewed: the expiry timer runs the elections once it has expired.
    await writeLease(second, second, 1);
    await settle();
    const renewed = speakers.get(first)?.last;
    await waitFor('elections after the expiry', () => speakers.get(first)?.last !== renewed, 3000);
    const expired = speakers.get(first)?.last;
    expect(expired?.elections.get(IP)?.rejected.find((r) => r.node === second)?.reason).toMatch(/expired/);
    // Renewed again (same holder and duration, only renewTime): news, because it turns fresh again.
    await writeLease(second, second, 1);
    await settle();
    const revived = speakers.get(first)?.last;
    expect(revived).not.toBe(expired);
    expect(revived?.elections.get(IP)?.candidates).toContain(second);
    await writeLease(second, second, 60);
  });

  it('a node whose clock is 3 s behind keeps its IPs: Leases are judged by when they were seen renewed', async () => {
    await waitFor(`only ${first} answers`, () => answers(first).includes(IP) && answers(second).length === 0);
    // `first` renews every 300 ms, but its clock writes renewTime 3 s in the past (a 2 s Lease).
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      await writeLease(first, first, 2, 3000);
      expect(answers(second)).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(answers(first)).toContain(IP);
    expect(answers(second)).toEqual([]);
    await writeLease(first, first, 60);
  });

  it('API in doubt: nothing moves; a speaker back first takes over after the rest of the Lease, and the one cut off yields on its gratuitous ARP', async () => {
    await waitFor(`only ${first} answers`, () => answers(first).includes(IP) && answers(second).length === 0);
    // The API server goes away for both: neither can renew, and neither sees the other renew. Here the
    // API still works for the test, which lets `first`'s Lease run out (1 s) as the outage would.
    const blindFrom = Date.now();
    inDoubt.add(first);
    inDoubt.add(second);
    await writeLease(first, first, 1);
    const until = Date.now() + 1800;
    while (Date.now() < until) {
      expect(answers(first)).toContain(IP);
      expect(answers(second)).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // `second` gets through again (the outage was `first`'s alone, a partition): the blind span does
    // not count against `first`'s Lease, which still had most of its second left when it began.
    inDoubt.delete(second);
    const regained = Date.now();
    speakers.get(second)?.apiRegained(blindFrom, regained);
    await waitFor(`${second} takes over`, () => answers(second).includes(IP), 4000);
    expect(Date.now() - regained).toBeGreaterThanOrEqual(600);
    // `first` still cannot tell, and holds, until it hears `second`'s gratuitous ARP for the IP: then it
    // knows another node was elected for it, and stops answering.
    expect(answers(first)).toContain(IP);
    const garp = buildGratuitousRequest('02:00:00:01:00:0c', IP);
    if (!garp.ok) throw new Error(garp.error);
    expect(injectors.get(first)?.deliver('eth0', 'arp', garp.value)).toBe(true);
    expect(answers(first)).toEqual([]);
    expect(answers(second)).toContain(IP);
    inDoubt.delete(first);
    speakers.get(first)?.apiRegained(blindFrom, Date.now());
    await writeLease(first, first, 60);
    await waitFor(`${first} answers again`, () => answers(first).includes(IP));
    await waitFor(`${second} stops`, () => answers(second).length === 0);
  });

  it('writes that the elections do not read start no run: Eip status, Node heartbeats, endpoints of a Service without an IP', async () => {
    await waitFor(`only ${first} answers`, () => answers(first).includes(IP) && answers(second).length === 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = speakers.get(first)?.last;
    const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await kc.makeApiClient(CustomObjectsApi).patchClusterCustomObjectStatus(
      {
        group: 'network.kubesphere.io',
        version: 'v1alpha2',
        plural: 'eips',
        name: 'lan',
        body: { status: { usage: 7 } },
      },
      mergePatch,
    );
    const heartbeat = { type: 'Ready', status: 'True', lastHeartbeatTime: new Date().toISOString() };
    await kc
      .makeApiClient(CoreV1Api)
      .patchNodeStatus({ name: second, body: { status: { conditions: [heartbeat] } } }, mergePatch);
    await setEndpoints(kc, 'default', 'no-ip-yet', [second]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(speakers.get(first)?.last).toBe(before);
  });

  it('another host using the announced IP: one Warning on the Service per (IP, MAC), answering goes on', async () => {
    await waitFor(`only ${first} answers`, () => answers(first).includes(IP) && answers(second).length === 0);
    const intruder = '02:00:5e:00:53:01';
    // A host configured with the Service's IP resolving the router: who-has 192.0.2.1 tell 192.0.2.200.
    const request = buildArpRequest(intruder, IP, '192.0.2.1');
    if (!request.ok) throw new Error(request.error);
    const conflicts = async (): Promise<{ count: number; message: string }[]> => {
      const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default' });
      return events.items
        .filter((e) => e.involvedObject.name === 'web' && e.reason === 'Layer2AddressConflict')
        .map((e) => ({ count: e.count ?? 1, message: e.message ?? '' }));
    };
    expect(injectors.get(first)?.deliver('eth0', 'arp', request.value)).toBe(true);
    expect(injectors.get(first)?.deliver('eth0', 'arp', request.value)).toBe(true);
    await waitFor('conflict Event', async () => (await conflicts()).length > 0);
    const [event] = await conflicts();
    expect(event?.message).toContain(
      `another host, ${intruder} on eth0, also uses ${IP}: it sent an ARP request`,
    );
    // The second frame within the repeat window adds nothing (the Event is not bumped either).
    await new Promise((r) => setTimeout(r, 300));
    expect(await conflicts()).toEqual([{ count: 1, message: event?.message }]);
    expect(answers(first)).toEqual([IP]);
  });

  it('reports an Eip whose NIC this node lacks as a Warning Event in default', async () => {
    await applyOpenElb(kc, 'eips', 'Eip', 'other', {
      address: '192.0.2.220-192.0.2.221',
      protocol: 'layer2',
      interface: 'eth7',
    });
    await serviceWithIp(kc, 'default', 'web2', 'other', ['192.0.2.220']);
    await setEndpoints(kc, 'default', 'web2', [first]);
    await waitFor('Warning', async () => {
      const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default' });
      return events.items.some(
        (e) =>
          e.type === 'Warning' &&
          e.involvedObject.kind === 'Eip' &&
          e.involvedObject.name === 'other' &&
          (e.message ?? '').includes('no NIC named eth7'),
      );
    });
    expect(answers(first)).toEqual([IP]);
  });
});
