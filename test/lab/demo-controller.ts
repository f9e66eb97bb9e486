// The controller part of `npm run demo` (runs everywhere, no root). It starts the local Kubernetes API and the
// real controller as a child process (`node dist/bundle/cli.js controller --kubeconfig ...`, with leader
// election on), applies the OpenELB samples unchanged with the real kubectl, waits until every
// LoadBalancer Service has its IP, shows them with `kubectl get svc,eip`, checks /readyz and
// /metrics, shows validation errors as a user sees them, stops the controller with SIGTERM and
// prints a summary line.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startLocalApi } from './apiserver/index.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const samples = (name: string): string => join(repo, 'deploy', 'samples', name);

/** The LoadBalancer Services of the samples and the Eip each must get its IP from. */
const EXPECTED: readonly { ns: string; name: string; eip: string }[] = [
  { ns: 'default', name: 'web', eip: 'bgp-pool' },
  { ns: 'default', name: 'echo', eip: 'layer2-pool' },
  { ns: 'team-a', name: 'shop', eip: 'workspace-a-pool' },
  { ns: 'team-a', name: 'catalog', eip: 'workspace-a-pool' },
  { ns: 'default', name: 'billing', eip: 'cluster-default' },
];

interface Step {
  readonly title: string;
  readonly args: readonly string[];
  /** The step demonstrates a rejection: it passes when kubectl fails. */
  readonly expectFailure?: boolean;
}

const applySteps: readonly Step[] = [
  { title: 'The OpenELB kinds are served', args: ['api-resources', '--api-group=network.kubesphere.io'] },
  { title: 'Apply the BGP sample unchanged', args: ['apply', '-f', samples('bgp.yaml')] },
  { title: 'Apply the Layer2 sample unchanged', args: ['apply', '-f', samples('layer2.yaml')] },
  {
    title: 'Apply the KubeSphere projects sample unchanged',
    args: ['apply', '-f', samples('kubesphere.yaml')],
  },
];

const showSteps: readonly Step[] = [
  {
    title: 'Services with their assigned IPs, and the Eips with their usage',
    args: ['get', 'svc,eip', '-A'],
  },
  {
    title: 'The Eip status the controller keeps',
    args: ['get', 'eip', 'workspace-a-pool', '-o', 'jsonpath={.status}'],
  },
  { title: 'Events on a project Service', args: ['get', 'events', '-n', 'team-a'] },
  {
    title: 'KubeSphere console detection: GET apis/network.kubesphere.io/v1alpha1/bgpconfs',
    args: ['get', '--raw', '/apis/network.kubesphere.io/v1alpha1/bgpconfs'],
  },
  {
    title: 'An invalid protocol is rejected with the field and the allowed values',
    args: ['patch', 'eip', 'bgp-pool', '--type=merge', '-p', '{"spec":{"protocol":"ospf"}}'],
    expectFailure: true,
  },
  {
    title: 'spec.address is immutable',
    args: ['patch', 'eip', 'bgp-pool', '--type=merge', '-p', '{"spec":{"address":"198.51.100.64/28"}}'],
    expectFailure: true,
  },
];

let passed = 0;
let failed = 0;

function check(ok: boolean, what: string): void {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : '!! FAILED'}: ${what}\n`);
}

async function kubectl(
  kubeconfig: string,
  args: readonly string[],
): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args]);
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: (e.stdout ?? '') + (e.stderr ?? e.message) };
  }
}

async function runSteps(kubeconfig: string, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    console.log(`$ kubectl ${step.args.join(' ')}    # ${step.title}`);
    const outcome = await kubectl(kubeconfig, step.args);
    console.log(outcome.output.trimEnd());
    check(outcome.ok !== Boolean(step.expectFailure), step.title);
  }
}

/** Starts the controller; resolves with the child and the port of its metrics endpoint. */
function startController(kubeconfig: string, logs: string[]): Promise<{ child: ChildProcess; port: number }> {
  const cli = join(repo, 'dist', 'bundle', 'cli.js');
  const args = [
    cli,
    'controller',
    '--kubeconfig',
    kubeconfig,
    '--metrics-addr',
    '127.0.0.1:0',
    '--identity',
    'demo',
  ];
  console.log(`$ node ${args.map((a) => a.replace(repo, '')).join(' ')} &`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      reject(new Error('the controller did not report its metrics port within 10 s'));
    }, 10_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        logs.push(line);
        const port = /"metricsPort":(\d+)/.exec(line)?.[1];
        if (port !== undefined) {
          clearTimeout(timer);
          resolve({ child, port: Number(port) });
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the controller exited early with code ${code}`));
    });
  });
}

async function serviceIps(apiUrl: string): Promise<Map<string, { ips: string[]; eip: string | undefined }>> {
  const res = await fetch(`${apiUrl}/api/v1/services`, { headers: { authorization: 'Bearer admin' } });
  const list = (await res.json()) as {
    items: {
      metadata: { namespace: string; name: string; labels?: Record<string, string> };
      status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
    }[];
  };
  const out = new Map<string, { ips: string[]; eip: string | undefined }>();
  for (const s of list.items) {
    out.set(`${s.metadata.namespace}/${s.metadata.name}`, {
      ips: (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? ''),
      eip: s.metadata.labels?.['eip.openelb.kubesphere.io/v1alpha2'],
    });
  }
  return out;
}

async function waitForIps(apiUrl: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const ips = await serviceIps(apiUrl);
    const missing = EXPECTED.filter((e) => (ips.get(`${e.ns}/${e.name}`)?.ips.length ?? 0) === 0);
    if (missing.length === 0) {
      for (const e of EXPECTED) {
        const got = ips.get(`${e.ns}/${e.name}`);
        check(
          got?.eip === e.eip,
          `${e.ns}/${e.name} got ${got?.ips.join(',')} from Eip ${got?.eip} (want ${e.eip})`,
        );
      }
      return Date.now() - start;
    }
    if (Date.now() - start > timeoutMs) {
      check(false, `Services still pending after ${timeoutMs} ms: ${missing.map((m) => m.name).join(', ')}`);
      return -1;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The Eip status is written coalesced (every 500 ms at most), so it trails the Service status. */
async function waitForEipUsage(apiUrl: string, timeoutMs: number): Promise<void> {
  const want = new Map<string, number>();
  for (const e of EXPECTED) want.set(e.eip, (want.get(e.eip) ?? 0) + 1);
  const start = Date.now();
  for (;;) {
    const res = await fetch(`${apiUrl}/apis/network.kubesphere.io/v1alpha2/eips`, {
      headers: { authorization: 'Bearer admin' },
    });
    const list = (await res.json()) as {
      items: { metadata: { name: string }; status?: { usage?: number } }[];
    };
    const wrong = list.items.filter((e) => (e.status?.usage ?? 0) !== (want.get(e.metadata.name) ?? 0));
    if (wrong.length === 0) {
      check(true, `every Eip status counts its Services after ${Date.now() - start} ms`);
      return;
    }
    if (Date.now() - start > timeoutMs) {
      check(
        false,
        `Eip status usage still wrong after ${timeoutMs} ms: ${wrong.map((e) => e.metadata.name).join(', ')}`,
      );
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopController(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) {
      resolve(child.exitCode);
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

/** Runs the controller demo; returns how many checks passed and failed. */
export async function runControllerDemo(): Promise<{ passed: number; failed: number }> {
  const api = await startLocalApi({ crdDir: join(repo, 'deploy', 'crds') });
  const stateDir = join(repo, '.lab');
  mkdirSync(stateDir, { recursive: true });
  const kubeconfig = join(stateDir, 'demo-kubeconfig');
  api.writeKubeconfig(kubeconfig);
  console.log(`local Kubernetes API at ${api.url}, kubeconfig ${kubeconfig}\n`);
  const logs: string[] = [];
  let child: ChildProcess | undefined;
  let assignMs = -1;
  try {
    const started = await startController(kubeconfig, logs);
    child = started.child;
    console.log(
      `controller running (pid ${child.pid}), /metrics, /healthz and /readyz on 127.0.0.1:${started.port}\n`,
    );
    await runSteps(kubeconfig, applySteps);
    console.log('waiting for every LoadBalancer Service to get its IP...');
    assignMs = await waitForIps(api.url, 20_000);
    await waitForEipUsage(api.url, 10_000);
    await runSteps(kubeconfig, showSteps);
    const base = `http://127.0.0.1:${started.port}`;
    const ready = await fetch(`${base}/readyz`);
    check(ready.status === 200, `GET /readyz -> ${ready.status}`);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const inUse = metrics.split('\n').filter((l) => l.startsWith('openelb_allocator_addresses_in_use_total'));
    console.log(inUse.join('\n'));
    check(inUse.length >= 4, 'GET /metrics shows the addresses in use per Eip');
    const code = await stopController(child);
    check(code === 0, `the controller stopped cleanly on SIGTERM (exit code ${code})`);
  } catch (err) {
    check(false, err instanceof Error ? err.message : String(err));
    if (logs.length > 0) console.log(`controller log (last lines):\n${logs.slice(-20).join('\n')}`);
  } finally {
    if (child !== undefined && child.exitCode === null) await stopController(child);
    await api.stop();
  }
  const warnings = logs.filter((l) => /"level":(40|50|60)/.test(l));
  if (warnings.length > 0) console.log(`controller warnings/errors:\n${warnings.join('\n')}\n`);
  console.log(
    `controller demo: ${passed}/${passed + failed} checks behaved as expected; ` +
      `${EXPECTED.length} Services got IPs in ${assignMs} ms after the samples were applied`,
  );
  return { passed, failed };
}
