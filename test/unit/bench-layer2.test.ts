import { describe, expect, it } from 'vitest';
import {
  arpReplyFor,
  cpuPercent,
  cpuTicks,
  framesDue,
  medianOf,
  packetSocketDrops,
  summariseFailover,
} from '../../bench/layer2-core.js';
import { ARP_REPLY, buildArpFrame, buildArpRequest } from '../../src/layer2/arp.js';
import { arpingReplyMacs, arpingRttsMs } from '../lab/scenarios/layer2.js';

const NODE_MAC = '02:00:00:01:00:0b';
const CLIENT_MAC = '02:00:00:01:00:64';

function reply(senderIp: string, targetIp: string): Buffer {
  const f = buildArpFrame(CLIENT_MAC, NODE_MAC, {
    operation: ARP_REPLY,
    senderMac: NODE_MAC,
    senderIp,
    targetMac: CLIENT_MAC,
    targetIp,
  });
  if (!f.ok) throw new Error(f.error);
  return f.value;
}

describe('layer2 bench: flood pacing', () => {
  it('sends rate x elapsed frames, capped at the total, none before the start', () => {
    expect(framesDue(0, 10_000, 100_000)).toBe(0);
    expect(framesDue(-5, 10_000, 100_000)).toBe(0);
    expect(framesDue(1, 10_000, 100_000)).toBe(10);
    expect(framesDue(2500.05, 10_000, 100_000)).toBe(25_000);
    expect(framesDue(20_000, 10_000, 100_000)).toBe(100_000);
    expect(framesDue(1000, Number.NaN, 100)).toBe(0);
  });
});

describe('layer2 bench: matching flood replies', () => {
  it('counts only replies for the target IP addressed to the asker', () => {
    expect(arpReplyFor(reply('192.0.2.200', '192.0.2.100'), '192.0.2.200', '192.0.2.100')).toBe(NODE_MAC);
    expect(arpReplyFor(reply('192.0.2.201', '192.0.2.100'), '192.0.2.200', '192.0.2.100')).toBeUndefined();
    expect(arpReplyFor(reply('192.0.2.200', '192.0.2.1'), '192.0.2.200', '192.0.2.100')).toBeUndefined();
  });

  it('ignores requests (our own flood echoed by others) and garbage', () => {
    const req = buildArpRequest(CLIENT_MAC, '192.0.2.100', '192.0.2.200');
    if (!req.ok) throw new Error(req.error);
    expect(arpReplyFor(req.value, '192.0.2.200', '192.0.2.100')).toBeUndefined();
    expect(arpReplyFor(Buffer.alloc(10), '192.0.2.200', '192.0.2.100')).toBeUndefined();
    expect(
      arpReplyFor(reply('192.0.2.200', '192.0.2.100').subarray(0, 30), '192.0.2.200', '192.0.2.100'),
    ).toBe(undefined);
  });
});

describe('layer2 bench: CPU from /proc/<pid>/stat', () => {
  const stat = (comm: string, utime: number, stime: number): string =>
    `4242 (${comm}) S 1 4242 4242 0 -1 4194560 1200 0 0 0 ${String(utime)} ${String(stime)} 0 0 20 0 11 0 12345 1000 200`;

  it('reads utime + stime, also when the command name has spaces and parentheses', () => {
    expect(cpuTicks(stat('node', 150, 50))).toEqual({ ok: true, ticks: 200 });
    expect(cpuTicks(stat('a) b (c', 7, 3))).toEqual({ ok: true, ticks: 10 });
  });

  it('returns an error for text that is not a stat line', () => {
    expect(cpuTicks('garbage').ok).toBe(false);
    expect(cpuTicks('1 (x) S 1').ok).toBe(false);
  });

  it('turns ticks over wall time into % of one core', () => {
    expect(cpuPercent(100, 350, 100, 10_000)).toBe(25); // 2.5 s of CPU in 10 s
    expect(cpuPercent(0, 1, 100, 1000)).toBe(1);
    expect(cpuPercent(0, 1, 100, 0)).toBeNaN();
  });
});

describe('layer2 bench: packet socket drops from ss', () => {
  it('sums the drop counters of the sockets of one pid only', () => {
    const ss = [
      'Netid State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess',
      'p_raw UNCONN 0 0 arp:eth0 * users:(("node",pid=42,fd=21)) skmem:(r0,rb212992,t0,tb212992,f0,w0,o0,bl0,d17)',
      'p_dgr UNCONN 0 0 [34525]:eth0 * users:(("node",pid=42,fd=22)) skmem:(r0,rb212992,t0,tb212992,f0,w0,o0,bl0,d3)',
      'p_raw UNCONN 0 0 arp:eth0 * users:(("node",pid=420,fd=21)) skmem:(r0,rb212992,t0,tb212992,f0,w0,o0,bl0,d99)',
    ].join('\n');
    expect(packetSocketDrops(ss, 42)).toBe(20);
    expect(packetSocketDrops(ss, 7)).toBe(0);
    expect(packetSocketDrops('', 42)).toBe(0);
  });
});

describe('layer2 bench: arping output and summaries', () => {
  const out = [
    'ARPING 192.0.2.200 from 192.0.2.100 eth1',
    'Unicast reply from 192.0.2.200 [02:00:00:01:00:0B]  0.831ms',
    'Unicast reply from 192.0.2.200 [02:00:00:01:00:0C]  1.204ms',
    'Sent 1 probes (1 broadcast(s))',
    'Received 2 response(s)',
  ].join('\n');

  it('reads one RTT and one MAC per reply', () => {
    expect(arpingRttsMs(out)).toEqual([0.831, 1.204]);
    expect(arpingReplyMacs(out)).toEqual(['02:00:00:01:00:0b', '02:00:00:01:00:0c']);
    expect(arpingRttsMs('Sent 1 probes\nReceived 0 response(s)')).toEqual([]);
  });

  it('summarises failover runs: median, worst, runs, wrong node count', () => {
    const s = summariseFailover([
      { ms: 1900, expectedNode: true },
      { ms: 2100, expectedNode: true },
      { ms: 1800, expectedNode: false },
    ]);
    expect(s).toEqual({ medianMs: 1900, maxMs: 2100, runs: '1900,2100,1800', wrongNode: 1 });
    expect(summariseFailover([]).medianMs).toBeNaN();
    expect(medianOf([4, 1, 3, 2])).toBe(2.5);
  });
});
