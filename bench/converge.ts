// `npm run bench -- converge`: N LoadBalancer Services (default 10,000, BENCH_SERVICES to scale) in
// 100 namespaces on the local API.
// 1. Baseline: a child process with the same client (client-node + our patcher) writes exactly the
//    Service writes the controller makes (label+finalizer patch, then status patch, both with a
//    resourceVersion precondition) at the same concurrency; time from spawn until every Service
//    shows an IP.
// 2. Controller: `node dist/bundle/cli.js controller` (the shipped program) as a child on a fresh API with the same Services;
//    same measure; its peak RSS (VmHWM); Eip status writes (coalescing) and their lag: for each
//    Service, the time from its IP showing in its status to it showing in the Eip's `status.used`.
// 3. SIGKILL the controller, start a new one: time until /readyz (rebuilt + first pass done) and
//    the number of Services whose IP changed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { startLocalApi, type LocalApi } from '../test/lab/apiserver/index.js';
import { createPatcher } from '../src/kube/status.js';
import { inParallel, round, spawnServing } from './util.js';

const SERVICES = Number(process.env['BENCH_SERVICES'] ?? 10_000);
const NAMESPACES = 100;
const CONCURRENCY = 16; // the controller's default --service-concurrency
const repo = fileURLToPath(new URL('../../', import.meta.url));
const CHILD_FLAG = '--converge-baseline-child';

export async function convergeBench(): Promise<Record<string, number>> {
  const baseline = await phase(async (api, kubeconfig) => {
    const start = performance.now();
    const done = watchAssigned(api.kubeConfig(), SERVICES);
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), CHILD_FLAG, kubeconfig], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await done;
    const ms = performance.now() - start;
    await exited(child);
    return { ms };
  });
  const controller = await phase(async (api, kubeconfig) => {
    const eipWrites = countEipUpdates(api.kubeConfig());
    const start = performance.now();
    const assignedAt = new Map<string, number>();
    const done = watchAssigned(api.kubeConfig(), SERVICES, assignedAt);
    const first = await startController(kubeconfig);
    await done;
    const ms = performance.now() - start;
    await sleep(1500); // let the last coalesced Eip status write land
    const peakRssMiB = peakRss(first.child);
    const before = await ipsByService(api);
    first.child.kill('SIGKILL');
    await exited(first.child);
    const restartStart = performance.now();
    const second = await startController(kubeconfig);
    await waitReady(second.port);
    const steadyMs = performance.now() - restartStart;
    const after = await ipsByService(api);
    let changed = 0;
    for (const [key, ip] of before) if (after.get(key) !== ip) changed++;
    const secondPeak = peakRss(second.child);
    second.child.kill('SIGTERM');
    await exited(second.child);
    eipWrites.stop();
    const lag = statusLag(assignedAt, eipWrites.shownAt);
    return { ms, peakRssMiB, steadyMs, changed, secondPeak, eipStatusWrites: eipWrites.count(), lag };
  });
  return {
    services: SERVICES,
    namespaces: NAMESPACES,
    concurrency: CONCURRENCY,
    baseline_ms: round(baseline.ms),
    controller_ms: round(controller.ms),
    controller_over_baseline_ratio: round(controller.ms / baseline.ms, 2),
    controller_peak_rss_mib: round(controller.peakRssMiB, 1),
    restarted_peak_rss_mib: round(controller.secondPeak, 1),
    eip_status_writes: controller.eipStatusWrites,
    eip_status_lag_p50_ms: round(controller.lag.p50),
    eip_status_lag_max_ms: round(controller.lag.max),
    eip_status_lag_missing: controller.lag.missing,
    restart_to_steady_ms: round(controller.steadyMs),
    restart_ips_changed: controller.changed,
  };
}

/** A fresh local API holding the Eip, the namespaces and the Services, for one phase. */
async function phase<T>(body: (api: LocalApi, kubeconfig: string) => Promise<T>): Promise<T> {
  const api = await startLocalApi({ crdDir: join(repo, 'deploy', 'crds'), historyLimit: SERVICES * 8 });
  try {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'converge-')), 'kubeconfig');
    api.writeKubeconfig(kubeconfig);
    const kc = api.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({
      group: 'network.kubesphere.io',
      version: 'v1alpha2',
      plural: 'eips',
      body: {
        apiVersion: 'network.kubesphere.io/v1alpha2',
        kind: 'Eip',
        metadata: { name: 'bench', annotations: { 'eip.openelb.kubesphere.io/is-default-eip': 'true' } },
        spec: { address: '10.0.0.0/16' },
      },
    });
    await inParallel(NAMESPACES, 16, (i) =>
      core.createNamespace({ body: { metadata: { name: `ns-${i}` } } }),
    );
    await inParallel(SERVICES, 32, (i) =>
      core.createNamespacedService({
        namespace: `ns-${i % NAMESPACES}`,
        body: {
          metadata: { name: `svc-${i}`, annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb' } },
          // 10,000 Services exceed the 2,768 node ports; MetalLB-style clusters turn them off too.
          spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 80 }] },
        },
      }),
    );
    return await body(api, kubeconfig);
  } finally {
    await api.stop();
  }
}

/** The baseline writer (runs in a child process): the controller's two writes per Service, nothing else. */
async function baselineChild(kubeconfig: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const patcher = createPatcher(kc);
  const list = await kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces();
  await inParallel(list.items.length, CONCURRENCY, async (i) => {
    const svc = list.items[i]!;
    const ref = {
      group: '',
      version: 'v1',
      plural: 'services',
      namespace: svc.metadata!.namespace!,
      name: svc.metadata!.name!,
    };
    const meta = await patcher.patchObject(
      ref,
      {
        metadata: {
          labels: { 'eip.openelb.kubesphere.io/v1alpha2': 'bench' },
          finalizers: ['finalizer.lb.kubesphere.io/v1alpha1'],
        },
      },
      { resourceVersion: svc.metadata!.resourceVersion! },
    );
    if (meta.kind !== 'ok') throw new Error(`baseline metadata patch: ${meta.kind}`);
    const rv = (meta.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const ip = `10.0.${Math.floor((i + 1) / 256)}.${(i + 1) % 256}`;
    const status = await patcher.patchStatus(
      ref,
      { status: { loadBalancer: { ingress: [{ ip }] } } },
      { resourceVersion: rv },
    );
    if (status.kind !== 'ok') throw new Error(`baseline status patch: ${status.kind}`);
  });
}

/**
 * Resolves when `expected` Services show an ingress IP (one watch, no polling); `seenAt` (when given)
 * gets the time each one was first seen with an IP.
 */
function watchAssigned(kc: KubeConfig, expected: number, seenAt?: Map<string, number>): Promise<void> {
  const assigned = new Set<string>();
  return new Promise((resolve, reject) => {
    let abort: AbortController | undefined;
    let finished = false;
    void new Watch(kc)
      .watch(
        '/api/v1/services',
        {},
        (
          _phase,
          obj: {
            metadata: { namespace: string; name: string };
            status?: { loadBalancer?: { ingress?: unknown[] } };
          },
        ) => {
          if ((obj.status?.loadBalancer?.ingress?.length ?? 0) > 0) {
            const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
            assigned.add(key);
            if (seenAt !== undefined && !seenAt.has(key)) seenAt.set(key, performance.now());
          }
          if (!finished && assigned.size >= expected) {
            finished = true;
            abort?.abort();
            resolve();
          }
        },
        (err: unknown) => {
          if (!finished)
            reject(new Error(`watch ended with ${assigned.size}/${expected} assigned: ${String(err)}`));
        },
      )
      .then((c) => {
        abort = c;
        if (finished) c.abort();
      }, reject);
  });
}

/**
 * Counts Eip MODIFIED events (each one a write: the controller's finalizer and coalesced status
 * writes) and records when each Service first shows in an Eip's `status.used`.
 */
function countEipUpdates(kc: KubeConfig): {
  count: () => number;
  stop: () => void;
  shownAt: Map<string, number>;
} {
  let n = 0;
  let abort: AbortController | undefined;
  const shownAt = new Map<string, number>();
  void new Watch(kc)
    .watch(
      '/apis/network.kubesphere.io/v1alpha2/eips',
      {},
      (phase, obj: { status?: { used?: Record<string, string> } }) => {
        if (phase === 'MODIFIED') n++;
        const now = performance.now();
        for (const holders of Object.values(obj.status?.used ?? {}))
          for (const key of holders.split(';')) if (!shownAt.has(key)) shownAt.set(key, now);
      },
      () => undefined,
    )
    .then((c) => {
      abort = c;
    });
  return { count: () => n, stop: () => abort?.abort(), shownAt };
}

/** Per Service: from its IP showing in its status to it showing in the Eip status (p50, max, never shown). */
function statusLag(
  assignedAt: ReadonlyMap<string, number>,
  shownAt: ReadonlyMap<string, number>,
): { p50: number; max: number; missing: number } {
  const lags: number[] = [];
  let missing = 0;
  for (const [key, at] of assignedAt) {
    const shown = shownAt.get(key);
    if (shown === undefined) missing++;
    else lags.push(Math.max(0, shown - at));
  }
  lags.sort((a, b) => a - b);
  return { p50: lags[lags.length >> 1] ?? 0, max: lags.at(-1) ?? 0, missing };
}

function startController(kubeconfig: string): Promise<{ child: ChildProcess; port: number }> {
  const cli = join(repo, 'dist', 'bundle', 'cli.js');
  return spawnServing('controller', [
    cli,
    'controller',
    '--kubeconfig',
    kubeconfig,
    '--leader-elect=false',
    '--metrics-addr',
    '127.0.0.1:0',
  ]);
}

async function waitReady(port: number): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
}

function peakRss(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function ipsByService(api: LocalApi): Promise<Map<string, string>> {
  const res = await fetch(`${api.url}/api/v1/services`, { headers: { authorization: 'Bearer admin' } });
  const body = (await res.json()) as {
    items: {
      metadata: { namespace: string; name: string };
      status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
    }[];
  };
  const out = new Map<string, string>();
  for (const s of body.items)
    out.set(`${s.metadata.namespace}/${s.metadata.name}`, s.status?.loadBalancer?.ingress?.[0]?.ip ?? '');
  return out;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

if (process.argv[2] === CHILD_FLAG && process.argv[3] !== undefined) await baselineChild(process.argv[3]);
