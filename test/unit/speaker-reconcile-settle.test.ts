import { afterEach, describe, expect, it } from 'vitest';
import { QueueResult, WorkQueue } from '../../src/kube/queue.js';
import { BURST_KICKS, BurstDetector, withBurstSettle } from '../../src/speaker/reconcile-settle.js';
import { FakeClock } from '../support/fake-clock.js';

const SETTLE = 100;
/** Each fake reconcile takes this long on the fake clock. */
const RUN_MS = 10;

describe('BurstDetector', () => {
  it('is in a burst only while BURST_KICKS kicks fall within the window', async () => {
    const clock = new FakeClock();
    const burst = new BurstDetector(clock, SETTLE);
    expect(burst.inBurst()).toBe(false);
    for (let i = 1; i < BURST_KICKS; i++) burst.kicked();
    expect(burst.inBurst()).toBe(false);
    burst.kicked();
    expect(burst.inBurst()).toBe(true);
    await clock.advance(SETTLE);
    expect(burst.inBurst()).toBe(true);
    await clock.advance(1);
    expect(burst.inBurst()).toBe(false);
  });

  it('never calls a steady trickle of changes a burst', async () => {
    const clock = new FakeClock();
    const burst = new BurstDetector(clock, SETTLE);
    for (let i = 0; i < 20; i++) {
      burst.kicked();
      expect(burst.inBurst()).toBe(false);
      await clock.advance(SETTLE / 2 + 1);
    }
  });
});

describe('withBurstSettle on the reconcile queue', () => {
  let abort = new AbortController();
  afterEach(() => {
    abort.abort();
  });

  /** A queue whose handler records the fake time each run starts and takes RUN_MS; `kick` adds the key. */
  function setup(): { clock: FakeClock; kick: () => void; starts: number[]; t0: number } {
    abort = new AbortController();
    const clock = new FakeClock();
    const queue = new WorkQueue({ name: 'bgp', clock });
    const burst = new BurstDetector(clock, SETTLE);
    const starts: number[] = [];
    const handler = async (): Promise<QueueResult> => {
      starts.push(clock.now());
      await new Promise<void>((resolve) => clock.setTimeout(resolve, RUN_MS));
      return QueueResult.done();
    };
    void queue.start(
      withBurstSettle(handler, clock, SETTLE, () => burst.inBurst()),
      abort.signal,
    );
    const kick = (): void => {
      burst.kicked();
      queue.add('bgp');
    };
    return { clock, kick, starts, t0: clock.now() };
  }

  it('runs a change at once, also while or just after an unrelated run', async () => {
    const { clock, kick, starts, t0 } = setup();
    kick(); // an unrelated change (an EndpointSlice write)
    await clock.advance(RUN_MS / 2);
    kick(); // the change that matters, while that run runs: it runs right after
    await clock.advance(RUN_MS / 2);
    expect(starts).toEqual([t0, t0 + RUN_MS]);
    await clock.advance(RUN_MS + 20);
    kick(); // and 20 ms after that run ended
    await clock.settle();
    expect(starts.at(-1)).toBe(t0 + 2 * RUN_MS + 20);
  });

  it('does not hold a steady trickle of changes (one every 110 ms), however long it goes on', async () => {
    const { clock, kick, starts, t0 } = setup();
    for (let i = 0; i < 20; i++) {
      kick();
      await clock.advance(SETTLE + RUN_MS);
    }
    expect(starts).toEqual(Array.from({ length: 20 }, (_, i) => t0 + i * (SETTLE + RUN_MS)));
  });

  it('coalesces a burst into about one run per settle period, and picks up the last change', async () => {
    const { clock, kick, starts, t0 } = setup();
    // 1,000 changes, one every millisecond, for one second.
    for (let ms = 0; ms < 1000; ms++) {
      kick();
      await clock.advance(1);
    }
    await clock.advance(2 * (SETTLE + RUN_MS));
    // Without the hold a run would start every RUN_MS (~100 runs); with it about one per settle period.
    expect(starts.length).toBeGreaterThanOrEqual(8);
    expect(starts.length).toBeLessThanOrEqual(12);
    expect(starts[0]).toBe(t0);
    expect(starts.at(-1)).toBeGreaterThanOrEqual(t0 + 999 - SETTLE - RUN_MS);
  });
});
