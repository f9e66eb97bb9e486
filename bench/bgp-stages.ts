// Stage timestamps for the `bgp` benchmark: when each Service got its IP (a watch), when each node's
// gobgpd had the path (`gobgp monitor global rib`), and what the local API served meanwhile.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Watch, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import { labNamespaces, nsPids } from '../test/lab/topology/netns.js';
import { runIn } from '../test/lab/topology/sh.js';

interface MonitoredPath {
  readonly nlri?: { readonly prefix?: string };
  readonly attrs?: readonly { readonly nexthop?: string }[];
  readonly withdrawal?: boolean;
}

/** Records when each prefix first appeared in one node's gobgpd RIB (local and learned paths). */
export class RibMonitor {
  readonly firstSeen = new Map<string, number>();
  private readonly child: ChildProcess;

  /** `nextHop`: count only paths with this next hop (the node's own paths, not learned ones). */
  constructor(namespace: string, nextHop?: string) {
    this.child = spawn('ip', ['netns', 'exec', namespace, 'gobgp', '-j', 'monitor', 'global', 'rib'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    if (this.child.stdout === null) throw new Error('gobgp monitor has no stdout');
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const now = performance.now();
      let paths: unknown;
      try {
        paths = JSON.parse(line);
      } catch {
        return;
      }
      if (!Array.isArray(paths)) return;
      for (const path of paths as MonitoredPath[]) {
        if (path.withdrawal === true) continue;
        if (nextHop !== undefined && !(path.attrs ?? []).some((a) => a.nexthop === nextHop)) continue;
        const prefix = path.nlri?.prefix?.replace(/\/\d+$/, '');
        if (prefix !== undefined && !this.firstSeen.has(prefix)) this.firstSeen.set(prefix, now);
      }
    });
  }

  /** Forgets when `prefixes` were first seen, so their next arrival is recorded. */
  forget(prefixes: readonly string[]): void {
    for (const p of prefixes) this.firstSeen.delete(p);
  }

  stop(): void {
    this.child.kill();
  }
}

/** Records when each Service (by name) first had an ingress IP in its status, from a watch. */
export class ServiceIpWatch {
  readonly assigned = new Map<string, number>();
  /** Names whose deletion the watch has seen (and not seen created again since). */
  private readonly gone = new Set<string>();
  private abort: AbortController | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
  ) {}

  async start(): Promise<void> {
    const watch = new Watch(this.kc);
    this.abort = await watch.watch(
      `/api/v1/namespaces/${this.namespace}/services`,
      {},
      (type: string, obj: V1Service) => {
        const name = obj.metadata?.name;
        if (name === undefined) return;
        // A deleted Service's last state still shows its IP.
        if (type === 'DELETED') {
          this.gone.add(name);
          return;
        }
        this.gone.delete(name);
        if (this.assigned.has(name)) return;
        if ((obj.status?.loadBalancer?.ingress?.length ?? 0) > 0) this.assigned.set(name, performance.now());
      },
      () => undefined,
    );
  }

  /** Forgets when `names` got their IPs (deleted Services to be created again under the same names). */
  forget(names: readonly string[]): void {
    for (const n of names) this.assigned.delete(n);
  }

  /** Resolves once the watch has seen every one of `names` deleted. */
  async waitForGone(names: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!names.every((n) => this.gone.has(n))) {
      if (performance.now() > deadline)
        throw new Error(`${String(names.filter((n) => !this.gone.has(n)).length)} Services were not deleted`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Resolves with the time the last of `names` got its IP. */
  async waitForAll(names: readonly string[], timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const times = names.map((n) => this.assigned.get(n));
      if (times.every((t) => t !== undefined)) return Math.max(...times);
      if (performance.now() > deadline)
        throw new Error(`${String(times.filter((t) => t === undefined).length)} Services got no IP`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): void {
    this.abort?.abort();
  }
}

interface RequestRow {
  readonly client: string;
  readonly method: string;
  readonly resource: string;
  readonly count: number;
  readonly totalMs: number;
  readonly maxMs: number;
}

/** GET (or POST: read and reset) the local API's request tally, /__lab/requests. */
export async function apiRequests(
  kc: KubeConfig,
  reset = false,
): Promise<{ sinceMs: number; rows: RequestRow[] }> {
  const server = kc.getCurrentCluster()?.server ?? '';
  const res = await fetch(`${server}/__lab/requests`, {
    method: reset ? 'POST' : 'GET',
    headers: { authorization: 'Bearer admin' },
  });
  return (await res.json()) as { sinceMs: number; rows: RequestRow[] };
}

/**
 * Resolves once the API has served no write for `quietMs` (Lease renewals aside: the speakers renew
 * theirs every 500 ms), so a measured round does not start while the last one's tail (Events, Eip
 * status, finalizer removals) is still being written.
 */
export async function waitForQuietApi(kc: KubeConfig, quietMs: number, timeoutMs: number): Promise<void> {
  const writes = async (): Promise<number> =>
    (await apiRequests(kc)).rows
      .filter(
        (r) => r.method !== 'GET' && !r.resource.startsWith('watch ') && !r.resource.startsWith('leases'),
      )
      .reduce((sum, r) => sum + r.count, 0);
  const deadline = performance.now() + timeoutMs;
  let last = await writes();
  let since = performance.now();
  while (performance.now() - since < quietMs) {
    if (performance.now() > deadline)
      throw new Error(`the API did not go quiet within ${String(timeoutMs)} ms`);
    await new Promise((r) => setTimeout(r, 100));
    const now = await writes();
    if (now !== last) {
      last = now;
      since = performance.now();
    }
  }
}

/** Figures from the API's tally: writes per verb and resource, requests per second, API time. */
export function summarizeRequests(
  report: { sinceMs: number; rows: readonly RequestRow[] },
  perService: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  let writes = 0;
  for (const r of report.rows) {
    if (r.resource.startsWith('watch ')) continue;
    total += r.count;
    const key = `${r.method} ${r.resource}`;
    out[key] = (out[key] ?? 0) + r.count;
    if (r.method !== 'GET') writes += r.count;
  }
  const figures: Record<string, number> = {
    api_requests: total,
    api_writes: writes,
    api_requests_per_s: Math.round((total * 1000) / Math.max(1, report.sinceMs)),
    api_writes_per_service: Math.round((writes / perService) * 100) / 100,
  };
  for (const [k, v] of Object.entries(out)) figures[`api ${k}`] = Math.round((v / perService) * 100) / 100;
  const busy = report.rows.filter((r) => !r.resource.startsWith('watch ')).reduce((s, r) => s + r.totalMs, 0);
  figures['api_mean_request_ms'] = Math.round((busy / Math.max(1, total)) * 10) / 10;
  return figures;
}

/** Selected lines of a process's /metrics, scraped from inside its namespace. */
export async function scrapeMetrics(
  ns: string,
  port: number,
  match: RegExp,
): Promise<Record<string, number>> {
  const r = await runIn(ns, 'curl', ['-s', '--max-time', '3', `http://127.0.0.1:${String(port)}/metrics`]);
  const out: Record<string, number> = {};
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('#') || !match.test(line)) continue;
    const at = line.lastIndexOf(' ');
    out[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return out;
}

/** Median of the defined differences `later[i] - earlier[i]`. */
export function medianLag(
  earlier: readonly (number | undefined)[],
  later: readonly (number | undefined)[],
): number {
  const lags: number[] = [];
  earlier.forEach((e, i) => {
    const l = later[i];
    if (e !== undefined && l !== undefined) lags.push(l - e);
  });
  lags.sort((a, b) => a - b);
  return Math.round(lags[Math.floor(lags.length / 2)] ?? NaN);
}

/** CPU seconds (user + system) so far of every process in the lab's namespaces, by role. */
export async function labCpu(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const ns of await labNamespaces()) {
    for (const pid of await nsPids(ns)) {
      let stat: string;
      let cmd: string;
      try {
        stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
        cmd = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {
        continue; // exited meanwhile
      }
      // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      const role = `${ns.replace(/^oelb-/, '')}:${roleOf(cmd)}`;
      out.set(role, (out.get(role) ?? 0) + ticks / 100);
    }
  }
  out.set('bench', process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6);
  return out;
}

function roleOf(cmd: string): string {
  for (const r of [
    'mgmt-api',
    'controller',
    'speaker',
    'responder',
    'gobgpd',
    'zebra',
    'bgpd',
    'staticd',
    'bird',
  ])
    if (cmd.includes(r)) return r;
  return cmd.split(' ')[0]?.split('/').pop() ?? 'unknown';
}

/** CPU seconds spent by each role between two {@link labCpu} snapshots (roles above 0.05 s). */
export function cpuDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [role, t] of after) {
    const d = t - (before.get(role) ?? 0);
    if (d >= 0.05) out[`cpu_s ${role}`] = Math.round(d * 100) / 100;
  }
  return out;
}
