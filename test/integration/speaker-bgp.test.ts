// The BGP speaker against a real gobgpd 3.10 on loopback and the local Kubernetes API (no root):
// global config and peer from the CRs, Service routes added and withdrawn as endpoints change,
// status in OpenELB's shape, metrics, and re-convergence after gobgpd restarts empty.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GobgpClient } from '../../src/bgp/client.js';
import { silentLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { startSpeaker, type RunningSpeaker } from '../../src/speaker/speaker.js';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';
import { registerNodes } from '../lab/topology/nodes.js';
import { planLab } from '../lab/topology/plan.js';
import { Gobgpd, freePort, requireGobgpd } from './bgp-gobgpd.js';
import {
  applyOpenElb,
  bgpConf,
  bgpEip,
  bgpPeer,
  deleteOpenElb,
  readOpenElb,
  serviceWithIp,
  setEndpoints,
} from '../lab/scenarios/objects.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const plan = planLab({ nodes: 1, router: 'frr', ipv6: true, gobgpd: 'speaker', managers: false });
const node = plan.nodes[0];
if (node === undefined) throw new Error('no node planned');

let api: LocalApi;
let gobgpd: Gobgpd;
let client: GobgpClient;
let speaker: RunningSpeaker;
const metrics = new Metrics();
const stop = new AbortController();

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function localRoutes(): Promise<string[]> {
  const routes = [...(await client.listPaths('ipv4-unicast')), ...(await client.listPaths('ipv6-unicast'))];
  return routes.filter((r) => r.local).map((r) => `${r.prefix}/${String(r.prefixLen)} via ${r.nextHop}`);
}

const routesAre = (want: string[]) => async (): Promise<true | undefined> =>
  JSON.stringify(await localRoutes()) === JSON.stringify(want) ? true : undefined;

beforeAll(async () => {
  requireGobgpd();
  gobgpd = new Gobgpd(await freePort());
  await gobgpd.start();
  client = new GobgpClient({ address: gobgpd.address, deadlineMs: 2000 });
  api = await startLocalApi({ crdDir: join(repo, 'deploy', 'crds') });
  const kc = api.kubeConfig();
  await registerNodes(kc, [node], new Date());
  // listenPort -1: no BGP listener needed here (and none that could clash with other tests).
  await bgpConf(kc, 64512, -1);
  await bgpPeer(kc, 'router', plan.router.lan.v4, 64500);
  await bgpEip(kc, 'pool', '198.51.100.0/24');
  await bgpEip(kc, 'pool6', '2001:db8:100::/120');
  await serviceWithIp(kc, 'default', 'web', 'pool', ['198.51.100.10']);
  await serviceWithIp(kc, 'default', 'web6', 'pool6', ['2001:db8:100::10']);
  await setEndpoints(kc, 'default', 'web', [node.name]);
  await setEndpoints(kc, 'default', 'web6', [node.name]);
  speaker = startSpeaker(
    {
      kubeConfig: kc,
      nodeName: node.name,
      namespace: 'openelb-system',
      gobgpAddress: gobgpd.address,
      leaseDurationMs: 2000,
      leaseRenewMs: 500,
      log: silentLogger(),
      metrics,
    },
    stop.signal,
  );
}, 20_000);

afterAll(async () => {
  stop.abort();
  await speaker.done;
  client.close();
  await gobgpd.kill();
  await api.stop();
});

describe('BGP speaker with a real gobgpd', () => {
  it('starts BGP from BgpConf default with the node IP as router id, and adds the BgpPeer', async () => {
    const global = await until('BGP started', async () => {
      const g = await client.getGlobal();
      return g.asn === 0 ? undefined : g;
    });
    expect(global).toMatchObject({ asn: 64512, routerId: node.lan.v4 });
    const peers = await until('peer added', async () => {
      const p = await client.listPeers();
      return p.length === 1 ? p : undefined;
    });
    expect(peers[0]?.config).toMatchObject({ neighborAddress: plan.router.lan.v4, peerAsn: 64500 });
    expect(peers[0]?.config.transport?.passiveMode).toBe(true);
  });

  it('announces each Service IP as a host route with the node address of its family as next hop', async () => {
    await until(
      'routes',
      routesAre([`198.51.100.10/32 via ${node.lan.v4}`, `2001:db8:100::10/128 via ${node.lan.v6 ?? ''}`]),
    );
    await until('ready', () => Promise.resolve(speaker.ready() ? true : undefined));
  });

  it('writes nodesConfStatus, nodesPeerStatus and metrics', async () => {
    const kc = api.kubeConfig();
    const conf = await until('conf status', async () => {
      const c = await readOpenElb(kc, 'bgpconfs', 'default');
      return (c.status as { nodesConfStatus?: unknown } | undefined)?.nodesConfStatus;
    });
    expect(conf).toEqual({ [node.name]: { routerId: node.lan.v4, as: 64512 } });
    const peer = await until('peer status', async () => {
      const p = await readOpenElb(kc, 'bgppeers', 'router');
      return (
        p.status as { nodesPeerStatus?: Record<string, { peerState: Record<string, unknown> }> } | undefined
      )?.nodesPeerStatus?.[node.name];
    });
    expect(peer.peerState).toMatchObject({
      neighborAddress: plan.router.lan.v4,
      peerAs: 64500,
      localAs: 64512,
    });
    expect(['ACTIVE', 'IDLE', 'CONNECT']).toContain(peer.peerState.sessionState);
    const text = await metrics.text();
    expect(text).toContain(`openelb_bgp_announced_prefixes{node="${node.name}"} 2`);
    expect(text).toContain(`openelb_bgp_session_up{peer="${plan.router.lan.v4}",node="${node.name}"} 0`);
    // Every informer of the speaker reports its health, as the controller's do: an operator whose
    // speaker cannot list a kind (RBAC, API down) sees it in /metrics and in the log.
    for (const resource of [
      'nodes',
      'services',
      'eips',
      'endpointslices',
      'bgpconfs',
      'bgppeers',
      'configmaps',
    ])
      expect(text).toContain(`openelb_informer_synced{resource="${resource}"} 1`);
    const lease = await kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: `openelb-speaker-${node.name}`, namespace: 'openelb-system' });
    expect(lease.spec?.holderIdentity).toBe(node.name);
    expect(lease.spec?.leaseDurationSeconds).toBe(2);
  });

  it("other speakers' status writes on the BgpPeer start no reconcile here", async () => {
    const adds = async (): Promise<number> => {
      const line = (await metrics.text())
        .split('\n')
        .find((l) => l.startsWith('openelb_workqueue_adds_total{name="bgp"}'));
      return Number(line?.split(' ')[1] ?? NaN);
    };
    const custom = api.kubeConfig().makeApiClient(CustomObjectsApi);
    const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const before = await adds();
    for (let i = 0; i < 5; i++) {
      const entry = { peerState: { sessionState: 'ACTIVE', flops: i } };
      await custom.patchClusterCustomObjectStatus(
        {
          group: 'network.kubesphere.io',
          version: 'v1alpha2',
          plural: 'bgppeers',
          name: 'router',
          body: { status: { nodesPeerStatus: { 'other-node': entry } } },
        },
        mergePatch,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    // At most one: the periodic resync (every 10 s) may fall in the window; each write used to add one.
    expect((await adds()) - before).toBeLessThanOrEqual(1);
  });

  it('withdraws a route when the Service loses its last ready endpoint, and announces it again', async () => {
    const kc = api.kubeConfig();
    await setEndpoints(kc, 'default', 'web', [node.name], false);
    await until('withdrawn', routesAre([`2001:db8:100::10/128 via ${node.lan.v6 ?? ''}`]));
    await setEndpoints(kc, 'default', 'web', [node.name], true);
    await until(
      'back',
      routesAre([`198.51.100.10/32 via ${node.lan.v4}`, `2001:db8:100::10/128 via ${node.lan.v6 ?? ''}`]),
    );
  });

  it('reports a BgpPeer whose Secret is missing with an Event, and peers once the Secret exists', async () => {
    const kc = api.kubeConfig();
    await bgpPeer(kc, 'secured', '192.0.2.250', 64500, {});
    await applyOpenElb(kc, 'bgppeers', 'BgpPeer', 'secured', {
      conf: {
        neighborAddress: '192.0.2.250',
        peerAs: 64500,
        authPasswordSecretRef: { name: 'bgp-auth', key: 'password' },
      },
    });
    const event = await until('event', async () => {
      const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default' });
      return list.items.find((e) => e.involvedObject.name === 'secured' && e.reason === 'InvalidSpec');
    });
    expect(event.message).toMatch(/Secret openelb-system\/bgp-auth does not exist/);
    // The reconcile writes the Event before it applies the peers: wait for the withdrawal itself.
    const peers = await until('peer without its Secret withdrawn', async () => {
      const listed = (await client.listPeers()).map((p) => p.config.neighborAddress);
      return listed.includes('192.0.2.250') ? undefined : listed;
    });
    expect(peers).toEqual([plan.router.lan.v4]);
    await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: 'openelb-system',
      body: { metadata: { name: 'bgp-auth' }, data: { password: Buffer.from('s3cret').toString('base64') } },
    });
    speaker.bgp.kick();
    const added = await until('secured peer', async () => {
      const p = await client.listPeers();
      return p.find((x) => x.config.neighborAddress === '192.0.2.250');
    });
    expect(added.config.authPassword).toBe('s3cret');
  });

  it('re-converges within 2 s after gobgpd restarts empty', async () => {
    await gobgpd.kill();
    await gobgpd.start();
    const started = Date.now();
    await until(
      'reconverged',
      routesAre([`198.51.100.10/32 via ${node.lan.v4}`, `2001:db8:100::10/128 via ${node.lan.v6 ?? ''}`]),
      5000,
    );
    const ms = Date.now() - started;
    expect((await client.listPeers()).length).toBe(2);
    expect(ms).toBeLessThan(2000);
  }, 10_000);

  it('stops BGP when BgpConf default is deleted (it ran gobgpd from it)', async () => {
    await deleteOpenElb(api.kubeConfig(), 'bgpconfs', 'default');
    await until('stopped', async () => ((await client.getGlobal()).asn === 0 ? true : undefined));
  });
});
