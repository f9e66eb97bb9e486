import { describe, expect, it } from 'vitest';
import { GarpSchedule } from '../../src/layer2/garp-schedule.js';
import { FakeClock } from '../support/fake-clock.js';

function schedule(): { clock: FakeClock; bursts: [number, string][]; garp: GarpSchedule } {
  const clock = new FakeClock(0);
  const bursts: [number, string][] = [];
  const garp = new GarpSchedule(clock, (ip) => bursts.push([clock.now(), ip]));
  return { clock, bursts, garp };
}

describe('GarpSchedule', () => {
  it('bursts at once, then every 1.1 s for 5 s (5 bursts)', async () => {
    const { clock, bursts, garp } = schedule();
    garp.gained('192.0.2.10');
    expect(bursts).toEqual([[0, '192.0.2.10']]);
    await clock.advance(20_000);
    expect(bursts.map(([t]) => t)).toEqual([0, 1100, 2200, 3300, 4400]);
    expect(garp.pending()).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('losing the IP cancels the remaining bursts', async () => {
    const { clock, bursts, garp } = schedule();
    garp.gained('192.0.2.10');
    await clock.advance(2500);
    garp.lost('192.0.2.10');
    await clock.advance(10_000);
    expect(bursts.map(([t]) => t)).toEqual([0, 1100, 2200]);
  });

  it('gaining again restarts the window; other IPs run independently', async () => {
    const { clock, bursts, garp } = schedule();
    garp.gained('a');
    await clock.advance(3000);
    garp.gained('a');
    garp.gained('b');
    expect(garp.pending()).toEqual(['a', 'b']);
    await clock.advance(10_000);
    const times = (ip: string): number[] => bursts.filter(([, i]) => i === ip).map(([t]) => t);
    expect(times('a')).toEqual([0, 1100, 2200, 3000, 4100, 5200, 6300, 7400]);
    expect(times('b')).toEqual([3000, 4100, 5200, 6300, 7400]);
  });

  it('stop cancels everything and ignores later gains', async () => {
    const { clock, bursts, garp } = schedule();
    garp.gained('a');
    garp.stop();
    garp.gained('b');
    await clock.advance(10_000);
    expect(bursts).toEqual([[0, 'a']]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('custom timing: every 500 ms for 1 s', async () => {
    const clock = new FakeClock(0);
    const times: number[] = [];
    const garp = new GarpSchedule(clock, () => times.push(clock.now()), { intervalMs: 500, windowMs: 1000 });
    garp.gained('a');
    await clock.advance(5000);
    expect(times).toEqual([0, 500, 1000]);
  });
});
