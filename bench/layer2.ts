// `npm run bench -- layer2` (root): the speaker's ARP answers and failover in the lab, seen from a client on the
// nodes' LAN segment (3 nodes, strictARP, the Service IP on every node's lo).
// - Reply latency: arping RTT to the Service IP (our responder) interleaved with arping to the announcing node's
//   own LAN address (its kernel), same client, same NIC, same run.
// - Throughput: 10,000 ARP requests/s for 10 s from the client (bench/runners/arp-flood.ts on our AF_PACKET
//   addon); replies counted, and the announcing speaker's CPU (utime+stime from /proc) over the flood.
// - Failover: kill -9 / LAN link down / SIGTERM of the announcer, timed until the client's kernel neighbour entry
//   shows the next node's MAC; each restored (restart, link up) before the next run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLabLock } from '../test/integration/lab-harness.js';
import { CLIENT_LAN } from '../test/lab/topology/client-lan.js';
import { labDown } from '../test/lab/topology/lab.js';
import { run, runIn, sleep } from '../test/lab/topology/sh.js';
import { setVip } from '../test/lab/topology/vip.js';
import {
  arpingOnce,
  expectedAnnouncer,
  macOfNode,
  nodeByMac,
  setNodeLink,
  setStrictArp,
  waitNeighbourChange,
} from '../test/lab/scenarios/layer2.js';
import {
  layer2Service,
  restartSpeaker,
  speakerPid,
  upLayer2Lab,
  waitClientNeighbour,
  type Layer2Lab,
} from '../test/lab/scenarios/layer2-lab.js';
import {
  cpuPercent,
  cpuTicks,
  medianOf,
  packetSocketDrops,
  round,
  summariseFailover,
} from './layer2-core.js';

const SAMPLES = Number(process.env['BENCH_L2_SAMPLES'] ?? 200);
const FLOOD_RATE = Number(process.env['BENCH_L2_RATE'] ?? 10_000);
const FLOOD_SECONDS = Number(process.env['BENCH_L2_SECONDS'] ?? 10);
const FAILOVER_RUNS = Number(process.env['BENCH_L2_RUNS'] ?? 5);

type Figures = Record<string, number | string>;
type Failover = 'kill9' | 'linkdown' | 'sigterm';

export async function layer2Bench(): Promise<Figures> {
  const release = await acquireLabLock(15 * 60_000);
  const stateDir = mkdtempSync(join(tmpdir(), 'oelb-bench-l2-'));
  try {
    const lab = await upLayer2Lab(stateDir);
    const ip = await layer2Service(lab, 'bench-l2');
    await setStrictArp(lab.plan, true);
    const vipErrors = await setVip(
      'add',
      ip,
      lab.plan.nodes.map((n) => n.ns),
    );
    if (vipErrors.length > 0) throw new Error(vipErrors.join('; '));
    const owner = announcer(lab, ip);
    if (!(await waitClientNeighbour(lab.plan, ip, macOfNode(lab.plan, owner), 10_000)))
      throw new Error(`${ip} is not answered by ${owner} from the client`);
    const figures: Figures = { service_ip: ip, announcer: owner, ...(await latency(lab, ip)) };
    Object.assign(figures, await throughput(lab, ip));
    for (const kind of ['kill9', 'linkdown', 'sigterm'] as const) {
      const s = summariseFailover(await failovers(lab, ip, kind));
      Object.assign(figures, {
        [`failover_${kind}_median_ms`]: s.medianMs,
        [`failover_${kind}_max_ms`]: s.maxMs,
        [`failover_${kind}_runs_ms`]: s.runs,
        [`failover_${kind}_wrong_node`]: s.wrongNode,
      });
    }
    figures['targets'] = 'latency ratio<=1.5, loss 0, kill9<=3000 ms, linkdown<=3000 ms, sigterm<=500 ms';
    figures['metallb_failover_ms'] = 10_000;
    figures['metallb_note'] =
      "MetalLB's layer2 failover is about 10 s (memberlist detection), per our references";
    return figures;
  } finally {
    await labDown(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
    release();
  }
}

/** The node the election picks for `ip` among all nodes (every speaker running, every link up). */
function announcer(lab: Layer2Lab, ip: string, without?: string): string {
  const nodes = lab.plan.nodes.map((n) => n.name).filter((n) => n !== without);
  const node = expectedAnnouncer(ip, nodes);
  if (node === undefined) throw new Error(`no announcer for ${ip}`);
  return node;
}

async function latency(lab: Layer2Lab, ip: string): Promise<Figures> {
  const owner = lab.plan.nodes.find((n) => n.name === announcer(lab, ip));
  if (owner === undefined) throw new Error('no announcer node');
  const responder: number[] = [];
  const kernel: number[] = [];
  let lost = 0;
  for (let i = 0; i < SAMPLES; i++) {
    // Alternate which goes first so neither target always follows a warm-up of the other.
    const order = i % 2 === 0 ? [ip, owner.lan.v4] : [owner.lan.v4, ip];
    for (const target of order) {
      const r = await arpingOnce(lab.plan.ns.client, CLIENT_LAN.name, target);
      const rtt = r.rttsMs[0];
      if (rtt === undefined) lost++;
      else (target === ip ? responder : kernel).push(rtt);
    }
  }
  const r = medianOf(responder);
  const k = medianOf(kernel);
  return {
    latency_samples: SAMPLES,
    latency_responder_median_ms: round(r, 3),
    latency_kernel_median_ms: round(k, 3),
    latency_ratio: round(r / k, 2),
    latency_unanswered: lost,
  };
}

async function throughput(lab: Layer2Lab, ip: string): Promise<Figures> {
  const owner = announcer(lab, ip);
  const pid = speakerPid(lab, owner);
  const clk = Number((await run('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
  const runner = fileURLToPath(new URL('./runners/arp-flood.js', import.meta.url));
  const ticks = (): number => {
    const t = cpuTicks(readFileSync(`/proc/${String(pid)}/stat`, 'utf8'));
    if (!t.ok) throw new Error(t.error);
    return t.ticks;
  };
  // The generator must not be the bottleneck: a 4 MiB receive buffer for its socket (the client namespace's
  // default; the speakers' sockets keep the nodes' defaults, as in production).
  const rmem = await runIn(lab.plan.ns.client, 'sysctl', ['-q', '-w', 'net.core.rmem_default=4194304']);
  if (!rmem.ok) throw new Error(`${rmem.cmd}: ${rmem.stderr}`);
  const nodeNs = lab.plan.nodes.find((n) => n.name === owner)?.ns ?? '';
  const drops = async (): Promise<number> =>
    packetSocketDrops((await runIn(nodeNs, 'ss', ['-0', '-a', '-m', '-p', '-O'])).stdout, pid);
  const dropsBefore = await drops();
  const before = ticks();
  const t0 = performance.now();
  const args = [runner, CLIENT_LAN.name, ip, CLIENT_LAN.v4, String(FLOOD_RATE), String(FLOOD_SECONDS)];
  const r = await runIn(lab.plan.ns.client, process.execPath, args, (FLOOD_SECONDS + 30) * 1000);
  const wallMs = performance.now() - t0;
  const after = ticks();
  const speakerDrops = (await drops()) - dropsBefore;
  if (!r.ok) throw new Error(`arp-flood: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
    sent: number;
    replies: number;
    sendMs: number;
    macs: Record<string, number>;
  };
  const byMac = nodeByMac(lab.plan);
  return {
    flood_rate_per_s: FLOOD_RATE,
    flood_seconds: FLOOD_SECONDS,
    flood_sent: out.sent,
    flood_send_ms: out.sendMs,
    flood_replies: out.replies,
    flood_loss: out.sent - out.replies,
    flood_speaker_socket_drops: speakerDrops,
    flood_repliers: Object.entries(out.macs)
      .map(([m, n]) => `${byMac.get(m) ?? m}:${String(n)}`)
      .join(','),
    flood_speaker_cpu_pct_of_core: cpuPercent(before, after, clk, wallMs),
  };
}

async function failovers(
  lab: Layer2Lab,
  ip: string,
  kind: Failover,
): Promise<{ ms: number; expectedNode: boolean }[]> {
  const { plan } = lab;
  const byMac = nodeByMac(plan);
  const runs: { ms: number; expectedNode: boolean }[] = [];
  for (let i = 0; i < FAILOVER_RUNS; i++) {
    const owner = announcer(lab, ip);
    const next = announcer(lab, ip, owner);
    const ownerMac = macOfNode(plan, owner);
    if (!(await waitClientNeighbour(plan, ip, ownerMac, 15_000)))
      throw new Error(`${kind} run ${String(i)}: the client never saw ${owner} (${ownerMac}) for ${ip}`);
    // Linux ignores a neighbour update within `locktime` (1 s) of the last one.
    await sleep(1100);
    const t0 = Date.now();
    if (kind === 'linkdown') await setNodeLink(plan, owner, 'lan', false);
    else process.kill(speakerPid(lab, owner), kind === 'kill9' ? 'SIGKILL' : 'SIGTERM');
    try {
      const { ms, mac } = await waitNeighbourChange(plan, ip, ownerMac, t0, 10_000, plan.ns.client);
      runs.push({ ms, expectedNode: byMac.get(mac) === next });
    } finally {
      if (kind === 'linkdown') await setNodeLink(plan, owner, 'lan', true);
      else {
        if (kind === 'sigterm') await sleep(300); // let it release its Lease and exit
        await restartSpeaker(lab, owner);
      }
    }
  }
  return runs;
}
