// Pure pieces of the `layer2` benchmark: pacing of the ARP flood, matching its replies, CPU time from
// /proc/<pid>/stat, and summaries. No I/O, so they are unit-tested (test/unit/bench-layer2.test.ts).
import { parseArp, ARP_REPLY } from '../src/layer2/arp.js';
import { ETHERTYPE_ARP, parseEthernet } from '../src/layer2/ethernet.js';

/** How many frames should have been sent `elapsedMs` into a flood at `ratePerSecond`, never more than `total`. */
export function framesDue(elapsedMs: number, ratePerSecond: number, total: number): number {
  if (!(elapsedMs > 0) || !(ratePerSecond > 0)) return 0;
  return Math.min(total, Math.floor((elapsedMs * ratePerSecond) / 1000));
}

/**
 * The MAC that answered, when `frame` is an ARP reply saying `ip` is at that MAC and addressed to `askerIp`;
 * otherwise undefined (other ARP traffic on the segment, bad frames).
 */
export function arpReplyFor(frame: Buffer, ip: string, askerIp: string): string | undefined {
  const eth = parseEthernet(frame);
  if (!eth.ok || eth.value.etherType !== ETHERTYPE_ARP) return undefined;
  const arp = parseArp(eth.value.payload);
  if (!arp.ok) return undefined;
  const p = arp.value;
  return p.operation === ARP_REPLY && p.senderIp === ip && p.targetIp === askerIp ? p.senderMac : undefined;
}

/**
 * utime + stime (fields 14 and 15, in clock ticks) from the text of /proc/<pid>/stat, or an error. The command
 * name (field 2) may hold spaces and parentheses, so fields are counted after its last ')'.
 */
export function cpuTicks(statText: string): { ok: true; ticks: number } | { ok: false; error: string } {
  const close = statText.lastIndexOf(')');
  if (close < 0) return { ok: false, error: 'no ")" after the command name in /proc/<pid>/stat' };
  // After ')' come field 3 (state) onwards; utime is field 14, so index 11 here.
  const rest = statText
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime))
    return { ok: false, error: `utime/stime are not integers: ${String(rest[11])}/${String(rest[12])}` };
  return { ok: true, ticks: utime + stime };
}

/**
 * Frames the kernel dropped on the packet sockets of process `pid` (receive buffer full), summed, from
 * `ss -0 -a -m -p -O` output ("... users:((\"node\",pid=42,fd=21)) skmem:(r0,rb212992,...,d17)").
 */
export function packetSocketDrops(ssText: string, pid: number): number {
  let drops = 0;
  for (const line of ssText.split('\n')) {
    if (!line.includes(`pid=${String(pid)},`)) continue;
    const d = /skmem:\([^)]*\bd(\d+)\)/.exec(line)?.[1];
    if (d !== undefined) drops += Number(d);
  }
  return drops;
}

/** CPU used between two tick readings over `wallMs`, as % of one core (1 decimal). */
export function cpuPercent(
  ticksBefore: number,
  ticksAfter: number,
  clockTicksPerSecond: number,
  wallMs: number,
): number {
  if (!(wallMs > 0) || !(clockTicksPerSecond > 0)) return NaN;
  const cpuMs = ((ticksAfter - ticksBefore) * 1000) / clockTicksPerSecond;
  return Math.round((cpuMs / wallMs) * 1000) / 10;
}

/** Median of a list (NaN for none). */
export function medianOf(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Figures of one failover kind: median, worst, the runs, and how many took over on the wrong node. */
export interface FailoverSummary {
  readonly medianMs: number;
  readonly maxMs: number;
  readonly runs: string;
  readonly wrongNode: number;
}

/** Summarise failover runs (each: ms until the client's entry changed, and whether the expected node won). */
export function summariseFailover(runs: readonly { ms: number; expectedNode: boolean }[]): FailoverSummary {
  const times = runs.map((r) => r.ms);
  return {
    medianMs: medianOf(times),
    maxMs: times.length === 0 ? NaN : Math.max(...times),
    runs: times.join(','),
    wrongNode: runs.filter((r) => !r.expectedNode).length,
  };
}
