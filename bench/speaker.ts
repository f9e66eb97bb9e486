// `npm run bench -- speaker`: one speaker in a large cluster. On the local API: N LoadBalancer Services
// (default 10,000, BENCH_SERVICES to scale) with their IPs and Eip label as the controller leaves them,
// one EndpointSlice each (two ready endpoints), 10 Nodes and BgpConf `default`. Then the shipped
// `cli.js speaker` (BGP only) starts against its own gobgpd on loopback (no BGP listener), and the
// benchmark reports the time from its spawn until it announces every Service IP
// (`openelb_bgp_announced_prefixes`), its peak RSS (VmHWM) against the DaemonSet's memory limit, and its
// CPU. Side by side, in the same run: the same N paths sent straight to a fresh gobgpd with one
// AddPathStream from this process (the floor for getting N paths into gobgpd).
// No root needed; gobgpd 3.10 must be installed.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, DiscoveryV1Api, type KubeConfig } from '@kubernetes/client-node';
import { GobgpClient } from '../src/bgp/client.js';
import { startLocalApi } from '../test/lab/apiserver/index.js';
import { Gobgpd, freePort, requireGobgpd } from '../test/integration/bgp-gobgpd.js';
import { parse } from 'yaml';
import { inParallel, round, spawnServing } from './util.js';

const SERVICES = Number(process.env['BENCH_SERVICES'] ?? 10_000);
const NODES = 10;
const NAMESPACES = 100;
const repo = fileURLToPath(new URL('../../', import.meta.url));
const GLOBAL = { asn: 64512, routerId: '192.0.2.10', listenPort: -1, listenAddresses: [] };
/** The speaker container's memory limit, as deploy/speaker/daemonset.yaml sets it (in MiB). */
function speakerMemoryLimitMiB(): number {
  const ds = parse(readFileSync(join(repo, 'deploy', 'speaker', 'daemonset.yaml'), 'utf8')) as {
    spec: {
      template: { spec: { containers: { name: string; resources?: { limits?: { memory?: string } } }[] } };
    };
  };
  const limit = ds.spec.template.spec.containers.find((c) => c.name === 'speaker')?.resources?.limits?.memory;
  const mib = /^(\d+)Mi$/.exec(limit ?? '')?.[1];
  if (mib === undefined) throw new Error(`the speaker's memory limit is ${String(limit)}, not <n>Mi`);
  return Number(mib);
}

const serviceIp = (i: number): string =>
  `10.${String(100 + (i >> 16))}.${String((i >> 8) & 255)}.${String(i & 255)}`;
const nodeIp = (n: number): string => `192.0.2.${String(10 + n)}`;

export async function speakerBench(): Promise<Record<string, number>> {
  requireGobgpd();
  const direct = await directAddPaths();
  const api = await startLocalApi({ crdDir: join(repo, 'deploy', 'crds'), historyLimit: SERVICES * 4 });
  const gobgpd = new Gobgpd(await freePort());
  let speaker: ChildProcess | undefined;
  try {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'speaker-bench-')), 'kubeconfig');
    api.writeKubeconfig(kubeconfig);
    const seedStart = performance.now();
    await seed(api.kubeConfig());
    const seedMs = performance.now() - seedStart;
    await gobgpd.start();
    const start = performance.now();
    const running = await startSpeaker(kubeconfig, gobgpd.address);
    speaker = running.child;
    await waitAnnounced(running.port, SERVICES);
    const allMs = performance.now() - start;
    const peakRssMiB = peakRss(running.child);
    const cpuS = cpuSeconds(running.child);
    const limitMiB = speakerMemoryLimitMiB();
    return {
      services: SERVICES,
      nodes: NODES,
      seed_ms: round(seedMs),
      speaker_start_to_all_announced_ms: round(allMs),
      direct_add_path_stream_ms: round(direct),
      speaker_peak_rss_mib: round(peakRssMiB, 1),
      speaker_memory_limit_mib: limitMiB,
      speaker_rss_of_limit: round(peakRssMiB / limitMiB, 2),
      speaker_cpu_s: round(cpuS, 2),
    };
  } finally {
    speaker?.kill('SIGKILL');
    await gobgpd.kill();
    await api.stop();
  }
}

/** The floor: N paths into a fresh gobgpd in one AddPathStream, timed from the call to its answer. */
async function directAddPaths(): Promise<number> {
  const daemon = new Gobgpd(await freePort());
  await daemon.start();
  const client = new GobgpClient({ address: daemon.address, deadlineMs: 120_000 });
  try {
    await client.startIfStopped(GLOBAL);
    const paths = Array.from({ length: SERVICES }, (_, i) => ({ prefix: serviceIp(i), nextHop: nodeIp(0) }));
    const start = performance.now();
    await client.addPaths(paths);
    return performance.now() - start;
  } finally {
    client.close();
    await daemon.kill();
  }
}

/** Nodes, BgpConf, a bgp Eip, and the Services with IP, label and EndpointSlice. */
async function seed(kc: KubeConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const openelb = (plural: string, kind: string, name: string, spec: object): Promise<unknown> =>
    custom.createClusterCustomObject({
      group: 'network.kubesphere.io',
      version: 'v1alpha2',
      plural,
      body: { apiVersion: 'network.kubesphere.io/v1alpha2', kind, metadata: { name }, spec },
    });
  await openelb('eips', 'Eip', 'bench', { address: '10.100.0.0/14', protocol: 'bgp' });
  await openelb('bgpconfs', 'BgpConf', 'default', { as: GLOBAL.asn, listenPort: -1 });
  for (let n = 0; n < NODES; n++) {
    const name = `node-${String(n)}`;
    await core.createNode({ body: { metadata: { name } } });
    const current = await core.readNode({ name });
    current.status = {
      addresses: [{ type: 'InternalIP', address: nodeIp(n) }],
      conditions: [{ type: 'Ready', status: 'True' }],
    };
    await core.replaceNodeStatus({ name, body: current });
  }
  await inParallel(NAMESPACES, 16, (i) =>
    core.createNamespace({ body: { metadata: { name: `ns-${String(i)}` } } }),
  );
  await inParallel(SERVICES, 32, async (i) => {
    const namespace = `ns-${String(i % NAMESPACES)}`;
    const name = `svc-${String(i)}`;
    const created = await core.createNamespacedService({
      namespace,
      body: {
        metadata: {
          name,
          annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb' },
          labels: { 'eip.openelb.kubesphere.io/v1alpha2': 'bench' },
          finalizers: ['finalizer.lb.kubesphere.io/v1alpha1'],
        },
        spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80 }] },
      },
    });
    created.status = { loadBalancer: { ingress: [{ ip: serviceIp(i) }] } };
    await core.replaceNamespacedServiceStatus({ namespace, name, body: created });
    await discovery.createNamespacedEndpointSlice({
      namespace,
      body: {
        metadata: { name: `${name}-abcde`, labels: { 'kubernetes.io/service-name': name } },
        addressType: 'IPv4',
        endpoints: [0, 1].map((k) => ({
          addresses: [`10.244.${String(i % 250)}.${String(k + 1)}`],
          nodeName: `node-${String((i + k) % NODES)}`,
          conditions: { ready: true },
        })),
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    });
  });
}

function startSpeaker(
  kubeconfig: string,
  gobgpAddress: string,
): Promise<{ child: ChildProcess; port: number }> {
  const cli = join(repo, 'dist', 'bundle', 'cli.js');
  return spawnServing('speaker', [
    cli,
    'speaker',
    '--kubeconfig',
    kubeconfig,
    '--node-name',
    'node-0',
    '--namespace',
    'openelb-system',
    '--gobgp-address',
    gobgpAddress,
    '--metrics-addr',
    '127.0.0.1:0',
    '--no-enable-layer2',
  ]);
}

async function waitAnnounced(port: number, count: number): Promise<void> {
  const deadline = performance.now() + 300_000;
  for (;;) {
    try {
      const text = await (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text();
      const announced = Number(/^openelb_bgp_announced_prefixes\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);
      if (announced >= count) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline)
      throw new Error(`the speaker did not announce ${String(count)} prefixes`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function peakRss(child: ChildProcess): number {
  const status = readFileSync(`/proc/${String(child.pid)}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

function cpuSeconds(child: ChildProcess): number {
  const stat = readFileSync(`/proc/${String(child.pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
