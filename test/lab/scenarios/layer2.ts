// Layer2 steps in the lab, shared by the lab tests, the demo and benchmarks: who answers ARP (arping) and NDP
// (ndisc6) for an IP, what a packet capture on the LAN saw, the router's neighbour entry, and failover timing
// (time until the LAN side sees a new MAC for an IP).
import { spawn, type ChildProcess } from 'node:child_process';
import { electAnnouncer } from '../../../src/layer2/announce-election.js';
import type { LabPlan } from '../topology/plan.js';
import { run, runIn } from '../topology/sh.js';

const ARPING_REPLY = /reply from \S+ \[([0-9a-fA-F:]{17})\]/gi;
const NDISC_TARGET = /Target link-layer address:\s*([0-9a-fA-F:]{17})/gi;

/** MACs (lowercase) in iputils arping output, one per reply. */
export function arpingReplyMacs(text: string): string[] {
  return [...text.matchAll(ARPING_REPLY)].map((m) => (m[1] ?? '').toLowerCase());
}

/** MACs (lowercase) in ndisc6 output, one per advertisement. */
export function ndiscReplyMacs(text: string): string[] {
  return [...text.matchAll(NDISC_TARGET)].map((m) => (m[1] ?? '').toLowerCase());
}

/** Node name by LAN MAC (lowercase), for turning replies into nodes. */
export function nodeByMac(plan: LabPlan): Map<string, string> {
  return new Map(plan.nodes.map((n) => [n.lan.mac.toLowerCase(), n.name]));
}

/** The LAN MAC (lowercase) of `node`. */
export function macOfNode(plan: LabPlan, node: string): string {
  const found = plan.nodes.find((n) => n.name === node);
  if (found === undefined) throw new Error(`no node ${node} in the lab plan`);
  return found.lan.mac.toLowerCase();
}

/** MACs that answered `count` broadcast ARP requests for `ip`, sent 1 s apart from the router's LAN side. */
export async function arpingFromRouter(plan: LabPlan, ip: string, count: number): Promise<string[]> {
  const args = ['-b', '-c', String(count), '-w', String(count + 1), '-I', plan.router.lan.name, ip];
  return arpingReplyMacs((await runIn(plan.ns.router, 'arping', args, 10_000)).stdout);
}

/**
 * MACs in the Neighbor Advertisements answering one ndisc6 solicitation for `ip` from the router's LAN side
 * (ndisc6 stops at the first answer unless -m; -m lists every answer within the wait).
 */
export async function ndiscFromRouter(plan: LabPlan, ip: string): Promise<string[]> {
  const args = ['-m', '-n', '-r', '1', '-w', '1000', ip, plan.router.lan.name];
  return ndiscReplyMacs((await runIn(plan.ns.router, 'ndisc6', args, 10_000)).stdout);
}

/** One ARP reply or Neighbor Advertisement seen on the LAN: its Ethernet source MAC and tcpdump's line. */
export interface CapturedReply {
  readonly kind: 'arp' | 'na';
  readonly srcMac: string;
  readonly line: string;
}

/** A running tcpdump in the router namespace; stop() returns every ARP reply and NA it saw. */
export interface LanCapture {
  stop(): Promise<CapturedReply[]>;
}

/**
 * Captures ARP replies and Neighbor Advertisements on the router's LAN interface (every frame the LAN bridge
 * delivers to it: unicast replies to the router, and broadcasts), with link-level headers. `at` captures on
 * another LAN interface instead (e.g. the client's LAN leg).
 */
export async function captureLan(
  plan: LabPlan,
  at: { readonly ns: string; readonly iface: string } = { ns: plan.ns.router, iface: plan.router.lan.name },
): Promise<LanCapture> {
  const filter = 'arp[6:2] = 2 or (icmp6 and ip6[40] = 136)';
  const child = spawn('ip', ['netns', 'exec', at.ns, 'tcpdump', '-l', '-n', '-e', '-i', at.iface, filter], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  // tcpdump prints "listening on ..." to stderr once the capture is armed.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('tcpdump did not start within 3 s'));
    }, 3000);
    child.stderr.on('data', (c: Buffer) => {
      if (c.toString().includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return {
    stop: async () => {
      await new Promise((r) => setTimeout(r, 200)); // let the last frames reach the output
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
      // "12:00:00.000000 02:00:00:01:00:0b > 02:...: ethertype ARP (0x0806), length 42: Reply 192.0.2.200 is-at ..."
      return out.split('\n').flatMap((line): CapturedReply[] => {
        const srcMac = (line.trim().split(/\s+/)[1] ?? '').toLowerCase();
        if (/ARP.*Reply/i.test(line)) return [{ kind: 'arp', srcMac, line }];
        if (/neighbor advertisement/i.test(line)) return [{ kind: 'na', srcMac, line }];
        return [];
      });
    },
  };
}

/** The router's kernel neighbour entry for `ip`: its MAC (lowercase), or undefined. */
export async function routerNeighbourMac(plan: LabPlan, ip: string): Promise<string | undefined> {
  return neighbourMac(plan.ns.router, ip);
}

/** The kernel neighbour entry for `ip` in namespace `ns`: its MAC (lowercase), or undefined. */
export async function neighbourMac(ns: string, ip: string): Promise<string | undefined> {
  const family = ip.includes(':') ? '-6' : '-4';
  const r = await run('ip', ['-n', ns, family, '-j', 'neigh', 'show', ip]);
  if (!r.ok || r.stdout.trim() === '') return undefined;
  const entries = JSON.parse(r.stdout) as { lladdr?: string }[];
  return entries[0]?.lladdr?.toLowerCase();
}

/** Make the router's kernel resolve `ip` (one ping; the echo itself need not be answered). */
export async function primeRouterNeighbour(plan: LabPlan, ip: string): Promise<string | undefined> {
  const v6 = ip.includes(':');
  await runIn(plan.ns.router, 'ping', [...(v6 ? ['-6'] : []), '-c', '1', '-W', '1', ip], 5000);
  return routerNeighbourMac(plan, ip);
}

/**
 * Polls the neighbour entry for `ip` in `ns` (default: the router) every 20 ms until it is not `oldMac`; ms
 * since `t0` and the new MAC.
 */
export async function waitNeighbourChange(
  plan: LabPlan,
  ip: string,
  oldMac: string,
  t0: number,
  timeoutMs: number,
  ns: string = plan.ns.router,
): Promise<{ ms: number; mac: string }> {
  const deadline = t0 + timeoutMs;
  for (;;) {
    const mac = await neighbourMac(ns, ip);
    if (mac !== undefined && mac !== oldMac) return { ms: Date.now() - t0, mac };
    if (Date.now() > deadline)
      throw new Error(
        `neighbour entry for ${ip} in ${ns} still ${mac ?? 'absent'} after ${String(timeoutMs)} ms`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * arping answers from a MAC other than `oldMac`: a new one-shot arping every 50 ms (iputils takes whole-second
 * intervals only). Resolves with the ms from `t0` until the first such reply.
 */
export function waitArpAnswerChange(
  plan: LabPlan,
  ip: string,
  oldMac: string,
  t0: number,
  timeoutMs: number,
): Promise<{ ms: number; mac: string }> {
  return new Promise((resolve, reject) => {
    const children = new Set<ChildProcess>();
    const stopAll = (): void => {
      clearInterval(timer);
      clearTimeout(deadline);
      for (const c of children) c.kill('SIGTERM');
    };
    const probe = (): void => {
      const args = ['netns', 'exec', plan.ns.router, 'arping', '-b', '-c', '1', '-w', '1'];
      const child = spawn('ip', [...args, '-I', plan.router.lan.name, ip], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      children.add(child);
      child.on('exit', () => children.delete(child));
      child.stdout.on('data', (chunk: Buffer) => {
        const mac = arpingReplyMacs(chunk.toString()).find((m) => m !== oldMac);
        if (mac === undefined) return;
        stopAll();
        resolve({ ms: Date.now() - t0, mac });
      });
    };
    const timer = setInterval(probe, 50);
    const deadline = setTimeout(() => {
      stopAll();
      reject(
        new Error(`no ARP answer from a MAC other than ${oldMac} for ${ip} within ${String(timeoutMs)} ms`),
      );
    }, timeoutMs);
    probe();
  });
}

/** Probes until every ARP answer for `ip` comes from `mac` (speakers converge after a change). */
export async function waitOnlyArpAnswer(
  plan: LabPlan,
  ip: string,
  mac: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let macs: string[] = [];
  while (Date.now() < deadline) {
    macs = await arpingFromRouter(plan, ip, 1);
    if (macs.length > 0 && macs.every((m) => m === mac)) return;
  }
  throw new Error(
    `ARP for ${ip}: wanted only ${mac}, got [${macs.join(', ')}] after ${String(timeoutMs)} ms`,
  );
}

/** Sets a node's link (`eth0` LAN or `mgmt0`) up or down inside its namespace. */
export async function setNodeLink(
  plan: LabPlan,
  node: string,
  which: 'lan' | 'mgmt',
  up: boolean,
): Promise<void> {
  const n = plan.nodes.find((x) => x.name === node);
  if (n === undefined) throw new Error(`no node ${node} in the lab plan`);
  const iface = which === 'lan' ? n.lan.name : n.mgmt.name;
  const r = await run('ip', ['-n', n.ns, 'link', 'set', iface, up ? 'up' : 'down']);
  if (!r.ok) throw new Error(`${r.cmd}: ${r.stderr}`);
}

/** Round-trip times (ms) in iputils arping output, one per reply ("... [02:00:00:01:00:0b]  0.831ms"). */
export function arpingRttsMs(text: string): number[] {
  return [...text.matchAll(/reply from \S+ \[[0-9a-fA-F:]{17}\]\s+([0-9.]+)ms/gi)].map((m) => Number(m[1]));
}

/** One broadcast ARP request for `ip` from `iface` in `ns`: the replies' MACs (lowercase) and RTTs (ms). */
export async function arpingOnce(
  ns: string,
  iface: string,
  ip: string,
): Promise<{ macs: string[]; rttsMs: number[] }> {
  const out = (await runIn(ns, 'arping', ['-b', '-c', '1', '-w', '1', '-I', iface, ip], 5000)).stdout;
  return { macs: arpingReplyMacs(out), rttsMs: arpingRttsMs(out) };
}

/**
 * kube-proxy's strictARP inside every node namespace: the kernel answers ARP only for addresses on the receiving
 * NIC (arp_ignore=1) and picks ARP source addresses from it (arp_announce=2), so a Service IP on `lo` is
 * answered by the speaker alone. `off` restores the kernel defaults (every node answers for it).
 */
export async function setStrictArp(plan: LabPlan, on: boolean): Promise<void> {
  const [ignore, announce] = on ? ['1', '2'] : ['0', '0'];
  for (const n of plan.nodes) {
    const settings = ['all', 'default', n.lan.name].flatMap((dev) => [
      `net.ipv4.conf.${dev}.arp_ignore=${ignore}`,
      `net.ipv4.conf.${dev}.arp_announce=${announce}`,
    ]);
    const r = await runIn(n.ns, 'sysctl', ['-q', '-w', ...settings]);
    if (!r.ok) throw new Error(`${r.cmd}: ${r.stderr}`);
  }
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/**
 * The announcer electAnnouncer picks for `ip` when `nodes` are the live candidates (Ready, Lease fresh, NIC up,
 * an endpoint each): what the speakers must converge to.
 */
export function expectedAnnouncer(ip: string, nodes: readonly string[]): string | undefined {
  const ok = { ok: true } as const;
  return electAnnouncer(
    ip,
    nodes.map((name) => ({ name, eligible: ok, alive: ok })),
    [{ service: 'x/y', eip: 'e', localOnly: false, anyReady: true, servingNodes: new Set(nodes) }],
    () => ok,
  ).announcer;
}
