import { describe, it, expect, afterEach } from 'vitest';
import fc from 'fast-check';
import {
  WorkQueue,
  QueueResult,
  type KeyHandler,
  type QueueMetrics,
  type RunOutcome,
} from '../../src/kube/queue.js';
import { FakeClock } from '../support/fake-clock.js';

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const ok: KeyHandler = () => Promise.resolve(QueueResult.done());
const running: { queue: WorkQueue; done: Promise<void> }[] = [];

/** Starts `queue`; afterEach stops it. Returns a promise of its end (settled by stop). */
function startQueue(queue: WorkQueue, handler: KeyHandler): { done: Promise<void> } {
  const done = queue.start(handler);
  running.push({ queue, done });
  return { done };
}

afterEach(async () => {
  for (const { queue, done } of running.splice(0)) {
    void queue.stop();
    await done;
  }
});

describe('WorkQueue', () => {
  it('deduplicates a key that is already waiting', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    expect(q.depth).toBe(2);
    const seen: string[] = [];
    startQueue(q, (key) => {
      seen.push(key);
      return ok(key, new AbortController().signal);
    });
    await clock.settle();
    expect(seen).toEqual(['ns/a', 'ns/b']);
  });

  it('runs a key added while it is processing exactly once more, after the current run', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, concurrency: 2 });
    const gate = deferred();
    const runs: string[] = [];
    startQueue(q, async (key) => {
      runs.push(`start ${key}`);
      if (runs.length === 1) await gate.promise;
      runs.push(`end ${key}`);
      return QueueResult.done();
    });
    q.add('a');
    await clock.settle();
    q.add('a');
    q.add('a');
    await clock.settle();
    // The second worker is idle, yet 'a' must not start twice at once.
    expect(runs).toEqual(['start a']);
    gate.resolve();
    await clock.settle();
    expect(runs).toEqual(['start a', 'end a', 'start a', 'end a']);
  });

  it('never runs one key twice at once while using all workers for different keys', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, concurrency: 3 });
    const active = new Set<string>();
    let maxParallel = 0;
    let violations = 0;
    let runs = 0;
    startQueue(q, async (key) => {
      if (active.has(key)) violations++;
      active.add(key);
      maxParallel = Math.max(maxParallel, active.size);
      runs++;
      await clock.settle(1);
      active.delete(key);
      return QueueResult.done();
    });
    for (let round = 0; round < 20; round++) {
      for (const key of ['a', 'b', 'c', 'd']) q.add(key);
      await clock.settle(1);
    }
    await clock.settle(20);
    expect(violations).toBe(0);
    expect(maxParallel).toBe(3);
    expect(runs).toBeGreaterThanOrEqual(4);
    expect(q.depth + q.inFlight).toBe(0);
  });

  it('backs off exponentially per key up to the cap, with injected jitter', async () => {
    for (const [random, expected] of [
      [() => 0.5, [100, 200, 400, 800, 1000, 1000]],
      [() => 0, [80, 160, 320, 640, 800, 800]],
      [() => 0.999999, [120, 240, 480, 960, 1000, 1000]],
    ] as const) {
      const clock = new FakeClock();
      const q = new WorkQueue({ clock, random, backoff: { baseMs: 100, capMs: 1000, jitter: 0.2 } });
      const delays: number[] = [];
      startQueue(q, () => Promise.resolve(QueueResult.retry('still broken')));
      q.add('k');
      for (let i = 0; i < expected.length; i++) {
        const delay = await clock.advanceToNext();
        delays.push(delay!);
      }
      expect(delays).toEqual(expected);
      expect(q.failures('k')).toBe(expected.length + 1);
      await q.stop();
    }
  });

  it('treats a thrown error as a retry and forgets failures after a success', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({
      clock,
      random: () => 0.5,
      backoff: { baseMs: 100, capMs: 10_000, jitter: 0.2 },
    });
    const outcomes = ['throw', 'retry', 'done', 'retry'];
    let calls = 0;
    startQueue(q, () => {
      const next = outcomes[calls++];
      if (next === 'throw') return Promise.reject(new Error('boom'));
      return Promise.resolve(next === 'retry' ? QueueResult.retry('nope') : QueueResult.done());
    });
    q.add('k');
    await clock.settle();
    expect(q.failures('k')).toBe(1);
    expect(clock.pendingDelays()).toEqual([100]);
    await clock.advance(100);
    expect(q.failures('k')).toBe(2);
    expect(clock.pendingDelays()).toEqual([200]);
    await clock.advance(200);
    expect(calls).toBe(3);
    expect(q.failures('k')).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    q.add('k');
    await clock.settle();
    // After the success the backoff starts over from the base delay.
    expect(clock.pendingDelays()).toEqual([100]);
  });

  it('requeues after the requested delay and not before', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const times: number[] = [];
    const t0 = clock.now();
    startQueue(q, () => {
      times.push(clock.now() - t0);
      return Promise.resolve(times.length < 3 ? QueueResult.requeueAfter(5000, 'poll') : QueueResult.done());
    });
    q.add('k');
    await clock.advance(4999);
    expect(times).toEqual([0]);
    await clock.advance(1);
    expect(times).toEqual([0, 5000]);
    await clock.advance(20_000);
    expect(times).toEqual([0, 5000, 10_000]);
    expect(q.delayedCount).toBe(0);
  });

  it('keeps the earliest schedule and runs a delayed key at once when it is added', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const runs: number[] = [];
    startQueue(q, () => {
      runs.push(clock.now());
      return Promise.resolve(QueueResult.done());
    });
    const t0 = clock.now();
    q.addAfter('k', 1000);
    q.addAfter('k', 3000);
    expect(clock.pendingDelays()).toEqual([1000]);
    q.addAfter('k', 500);
    expect(clock.pendingDelays()).toEqual([500]);
    await clock.advance(100);
    q.add('k');
    await clock.settle();
    expect(runs).toEqual([t0 + 100]);
    expect(q.delayedCount).toBe(0);
  });

  it('stop aborts handlers, waits for them, drops waiting keys and ignores later adds', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const seen: string[] = [];
    let sawAbort = false;
    const { done } = startQueue(q, async (key, signal) => {
      seen.push(key);
      await new Promise<void>((resolve) => {
        signal.addEventListener(
          'abort',
          () => {
            resolve();
          },
          { once: true },
        );
      });
      sawAbort = signal.aborted;
      await clock.settle(1);
      return QueueResult.done();
    });
    q.add('a');
    q.add('b');
    q.addAfter('c', 1000);
    await clock.settle();
    expect(seen).toEqual(['a']);
    let stopped = false;
    const stopping = q.stop().then(() => (stopped = true));
    q.add('d');
    await stopping;
    await done;
    expect(stopped).toBe(true);
    expect(sawAbort).toBe(true);
    expect(seen).toEqual(['a']);
    expect(q.depth).toBe(0);
    expect(q.delayedCount).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('stop gives up on a handler that ignores the abort after shutdownTimeoutMs', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, shutdownTimeoutMs: 2000 });
    startQueue(q, () => new Promise<QueueResult>(() => undefined));
    q.add('stuck');
    await clock.settle();
    let stopped = false;
    void q.stop().then(() => (stopped = true));
    await clock.advance(1999);
    expect(stopped).toBe(false);
    await clock.advance(1);
    expect(stopped).toBe(true);
  });

  it('stops when the start signal aborts', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const ac = new AbortController();
    const done = q.start(ok, ac.signal);
    ac.abort();
    await done;
    q.add('x');
    expect(q.depth).toBe(0);
    expect(() => q.start(ok)).toThrow(/already started/);
  });

  it('reports adds, depth, retries, waits and processing outcomes through its metrics port', async () => {
    const clock = new FakeClock();
    const events: string[] = [];
    const metrics: QueueMetrics = {
      added: () => events.push('added'),
      depth: (n) => events.push(`depth ${n}`),
      retried: () => events.push('retried'),
      waited: (ms) => events.push(`waited ${ms}`),
      processed: (ms: number, outcome: RunOutcome) => events.push(`processed ${ms} ${outcome}`),
    };
    const q = new WorkQueue({ clock, metrics, random: () => 0.5 });
    q.add('k');
    q.add('k');
    await clock.advance(7);
    let first = true;
    startQueue(q, async () => {
      await new Promise<void>((r) => clock.setTimeout(r, 30));
      const result = first ? QueueResult.retry('x') : QueueResult.done();
      first = false;
      return result;
    });
    await clock.advance(30);
    expect(events).toEqual([
      'added',
      'depth 1',
      'added',
      'depth 0',
      'waited 7',
      'processed 30 retry',
      'retried',
    ]);
    await clock.advance(200);
    expect(events.slice(7)).toEqual(['depth 1', 'depth 0', 'waited 0', 'processed 30 done']);
  });

  it('property: every add is followed by a run that starts after it, and one key never overlaps itself', async () => {
    const op = fc.record({ key: fc.constantFrom('a', 'b', 'c'), at: fc.integer({ min: 0, max: 200 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 4 }),
        async (ops, durations, concurrency) => {
          const clock = new FakeClock(0);
          const q = new WorkQueue({ clock, concurrency });
          const runs: { key: string; start: number; end: number }[] = [];
          let n = 0;
          const done = q.start(async (key) => {
            const start = clock.now();
            const d = durations[n++ % durations.length]!;
            await new Promise<void>((r) => clock.setTimeout(r, d));
            runs.push({ key, start, end: clock.now() });
            return QueueResult.done();
          });
          for (const { key, at } of ops) {
            clock.setTimeout(() => {
              q.add(key);
            }, at);
          }
          await clock.advance(5000);
          for (const { key, at } of ops) {
            expect(runs.some((r) => r.key === key && r.start >= at)).toBe(true);
          }
          for (const a of runs) {
            for (const b of runs) {
              if (a !== b && a.key === b.key) expect(a.end <= b.start || b.end <= a.start).toBe(true);
            }
          }
          expect(runs.length).toBeLessThanOrEqual(ops.length);
          await q.stop();
          await done;
        },
      ),
      { numRuns: 60 },
    );
  });
});
