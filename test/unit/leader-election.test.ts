import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.js';
import type { Clock } from '../../src/kube/clock.js';
import type { LeaderElectionConfig } from '../../src/kube/leader-election-config.js';
import type { LeaderElectionEvent } from '../../src/kube/leader-election-events.js';
import {
  createLeaderElector,
  type LeaderCallbacks,
  type LeaderElector,
} from '../../src/kube/leader-election.js';
import { FakeLeaseStore, LeadershipLog, skewedClock, type Fault } from './leader-election-fakes.js';
import { dependantsAfterOneAny, signalDependants } from '../support/signal-dependants.js';

const CONFIG: Omit<LeaderElectionConfig, 'identity'> = {
  leaseName: 'test-lease',
  leaseNamespace: 'openelb-system',
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
  releaseOnCancel: true,
};

interface Candidate {
  readonly id: string;
  readonly elector: LeaderElector;
  readonly stop: AbortController;
  readonly events: (LeaderElectionEvent & { at: number })[];
  readonly done: Promise<void>;
  fault: Fault;
}

let clock: FakeClock;
let store: FakeLeaseStore;
let log: LeadershipLog;
let running: Candidate[] = [];

function start(
  id: string,
  opts: { clock?: Clock; callbacks?: LeaderCallbacks; config?: Partial<LeaderElectionConfig> } = {},
): Candidate {
  const events: Candidate['events'] = [];
  const c: Partial<Candidate> & { fault: Fault } = { fault: 'none' };
  const created = createLeaderElector(
    { ...CONFIG, identity: id, ...opts.config },
    {
      api: store.client(() => c.fault),
      clock: opts.clock ?? clock,
      random: () => 0,
      onEvent: (e) => events.push({ ...e, at: clock.now() }),
    },
  );
  if (!created.ok) throw new Error(created.error);
  const stop = new AbortController();
  const candidate = Object.assign(c, {
    id,
    elector: created.value,
    stop,
    events,
    done: created.value.run(stop.signal, opts.callbacks ?? log.callbacks(id)),
  });
  running.push(candidate);
  return candidate;
}

const holder = (): string | undefined => store.lease?.spec?.holderIdentity;
const transitions = (): number | undefined => store.lease?.spec?.leaseTransitions;
const eventsOf = (c: Candidate, type: LeaderElectionEvent['type']) => c.events.filter((e) => e.type === type);

/** Advances the fake clock in small steps, asserting after each that at most one candidate leads. */
async function run(ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await clock.advance(step);
    expect(log.overlaps).toEqual([]);
  }
}

describe('LeaderElector (fake clock, in-memory Lease)', () => {
  afterEach(async () => {
    for (const c of running) c.stop.abort();
    await clock.advance(60_000);
    await Promise.all(running.map((c) => c.done));
    running = [];
  });

  const setup = (): void => {
    clock = new FakeClock(1_700_000_000_000);
    store = new FakeLeaseStore();
    log = new LeadershipLog(() => clock.now());
  };

  it('creates the lease, leads, and renews every retryPeriod with six-digit MicroTimes', async () => {
    setup();
    const a = start('a');
    await clock.settle();
    expect(log.leader()).toBe('a');
    expect(a.elector.isLeader()).toBe(true);
    expect(store.lease?.spec).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
    });
    const firstRenew = store.lease?.spec?.renewTime;
    await run(2_000);
    expect(store.lease?.spec?.renewTime).not.toBe(firstRenew);
    expect(store.lease?.spec?.renewTime).toMatch(/\.\d{6}Z$/);
    expect(store.lease?.spec?.acquireTime).toMatch(/\.\d{6}Z$/);
    expect(store.writes).toHaveLength(2);
    await run(8_000);
    expect(store.writes).toHaveLength(6);
    expect(eventsOf(a, 'new-leader').map((e) => e.type === 'new-leader' && e.identity)).toEqual(['a']);
  });

  it('two and three candidates: exactly one leads, the others follow and report it', async () => {
    setup();
    const news: string[] = [];
    const a = start('a');
    await clock.settle();
    const b = start('b', {
      callbacks: { ...log.callbacks('b'), onNewLeader: (id) => news.push(`b sees ${id}`) },
    });
    const c = start('c');
    await run(60_000);
    expect(log.starts.map((s) => s.id)).toEqual(['a']);
    expect(holder()).toBe('a');
    expect(news).toEqual(['b sees a']);
    expect(b.elector.isLeader() || c.elector.isLeader()).toBe(false);
    expect(a.elector.isLeader()).toBe(true);
  });

  it('a crashed leader (no release): a follower takes over once the lease is unchanged for leaseDuration', async () => {
    setup();
    const a = start('a', { config: { releaseOnCancel: false } });
    await clock.settle();
    const b = start('b');
    await run(4_000);
    a.stop.abort();
    const crashedAt = clock.now();
    const lastRenew = Date.parse(store.lease?.spec?.renewTime ?? '');
    await run(20_000);
    expect(holder()).toBe('b');
    expect(transitions()).toBe(1);
    const took = eventsOf(b, 'started-leading')[0]!.at;
    // b saw a's last renewal at or after it was written, and waits a full 15 s from then.
    expect(took - lastRenew).toBeGreaterThanOrEqual(15_000);
    expect(took - crashedAt).toBeLessThanOrEqual(15_000 + 2 * 2_000);
    expect(eventsOf(a, 'release-skipped')).toHaveLength(1);
  });

  it('a partitioned leader stops before renewDeadline passes, and only then can another acquire', async () => {
    setup();
    const a = start('a');
    await clock.settle();
    start('b');
    await run(5_000);
    a.fault = 'partition';
    const lastRenew = Date.parse(store.lease?.spec?.renewTime ?? '');
    await run(30_000);
    const aStop = log.stops.find((s) => s.id === 'a')!.at;
    const bStart = log.starts.find((s) => s.id === 'b')!.at;
    expect(aStop - lastRenew).toBeLessThanOrEqual(10_000);
    expect(bStart).toBeGreaterThan(aStop);
    expect(bStart - lastRenew).toBeGreaterThanOrEqual(15_000);
    expect(eventsOf(a, 'renew-failed').length).toBeGreaterThanOrEqual(4);
    expect(eventsOf(a, 'stopped-leading')[0]).toMatchObject({ reason: 'renew-deadline' });

    a.fault = 'none';
    await run(30_000);
    expect(holder()).toBe('b');
    expect(a.elector.isLeader()).toBe(false);
    expect(a.elector.observedLeader()).toBe('b');
    expect(log.starts.map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('a hanging API cannot stretch a term: the in-flight renewal is cut off at the deadline', async () => {
    setup();
    const a = start('a');
    await run(3_000);
    a.fault = 'hang';
    const lastRenew = Date.parse(store.lease?.spec?.renewTime ?? '');
    await run(12_000, 50);
    expect(log.stops).toHaveLength(1);
    expect(log.stops[0]!.at - lastRenew).toBe(10_000);
    expect(eventsOf(a, 'stopped-leading')[0]).toMatchObject({ reason: 'renew-deadline' });
  });

  it('graceful shutdown releases the lease and a follower acquires within one retry', async () => {
    setup();
    let stoppedWork = 0;
    const a = start('a', {
      callbacks: log.callbacks('a', async (signal) => {
        await new Promise((r) => {
          signal.addEventListener('abort', r, { once: true });
        });
        stoppedWork = clock.now();
      }),
    });
    await clock.settle();
    const b = start('b');
    await run(6_000);
    expect(b.elector.isLeader()).toBe(false);
    a.stop.abort();
    const stopAt = clock.now();
    await clock.settle();
    expect(store.lease?.spec).toMatchObject({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      leaseTransitions: 0,
    });
    expect(stoppedWork).toBe(stopAt);
    expect(eventsOf(a, 'released')).toHaveLength(1);
    await run(3_000);
    expect(holder()).toBe('b');
    expect(transitions()).toBe(1);
    const handover = eventsOf(b, 'started-leading')[0]!.at - stopAt;
    expect(handover).toBeLessThanOrEqual(2_000);
    await a.done;
  });

  it('waits for the leader task before releasing, and skips the release if it never stops', async () => {
    setup();
    const a = start('a', {
      callbacks: log.callbacks('a', () => new Promise<void>((r) => clock.setTimeout(r, 3_000))),
    });
    await clock.settle();
    a.stop.abort();
    await clock.advance(2_900);
    expect(holder()).toBe('a');
    await clock.advance(200);
    expect(holder()).toBe('');

    setup();
    const stuck = start('s', { callbacks: log.callbacks('s', () => new Promise<void>(() => undefined)) });
    await clock.settle();
    stuck.stop.abort();
    await clock.advance(10_000);
    await stuck.done;
    expect(holder()).toBe('s');
    expect(eventsOf(stuck, 'release-skipped')[0]).toMatchObject({
      reason: 'leader task did not stop in time',
    });
  });

  it('shutting down as a follower still releases a lease that names us', async () => {
    setup();
    const a = start('a');
    await run(3_000);
    a.fault = 'partition';
    await run(10_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(holder()).toBe('a');
    a.fault = 'none';
    a.stop.abort();
    await clock.settle();
    await a.done;
    expect(holder()).toBe('');
    expect(eventsOf(a, 'released')).toHaveLength(1);
  });

  it('clock skew of minutes between candidates changes nothing', async () => {
    setup();
    const a = start('a', { clock: skewedClock(clock, 5 * 60_000), config: { releaseOnCancel: false } });
    await clock.settle();
    const b = start('b', { clock: skewedClock(clock, -7 * 60_000) });
    const c = start('c', { clock: skewedClock(clock, 11 * 60_000) });
    await run(40_000);
    expect(log.starts.map((s) => s.id)).toEqual(['a']);
    a.stop.abort();
    const crashedAt = clock.now();
    await run(25_000);
    expect(log.starts).toHaveLength(2);
    const successor = log.starts[1]!;
    expect(['b', 'c']).toContain(successor.id);
    expect(successor.at - crashedAt).toBeGreaterThanOrEqual(13_000);
    expect(successor.at - crashedAt).toBeLessThanOrEqual(19_000);
    expect(b.elector.isLeader() !== c.elector.isLeader()).toBe(true);
  });

  it('steps down at once when a renewal finds another holder', async () => {
    setup();
    const a = start('a');
    await run(3_000);
    store.forceWrite({ ...store.lease?.spec, holderIdentity: 'intruder' });
    await run(2_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(eventsOf(a, 'stopped-leading')[0]).toMatchObject({
      reason: 'lease-taken',
      detail: 'lease now held by intruder',
    });
    expect(eventsOf(a, 'new-leader').map((e) => e.type === 'new-leader' && e.identity)).toEqual([
      'a',
      'intruder',
    ]);
  });

  it('a failing leader task is reported and leadership continues', async () => {
    setup();
    const a = start('a', { callbacks: { onStartedLeading: () => Promise.reject(new Error('boom')) } });
    await run(4_000);
    expect(eventsOf(a, 'leader-task-failed')).toHaveLength(1);
    expect(a.elector.isLeader()).toBe(true);
  });

  it('a follower retrying for minutes leaves nothing on its run signal or on a term signal', async () => {
    setup();
    expect(dependantsAfterOneAny()).toBe(1); // the probe sees what any() leaves
    const a = start('a');
    await clock.settle();
    const b = start('b');
    await run(120_000, 500);
    expect(eventsOf(b, 'acquire-failed').length).toBeGreaterThan(50);
    expect(signalDependants(b.stop.signal)).toBe(0);
    expect(signalDependants(a.stop.signal)).toBe(0);
  });

  it('rejects invalid timings like client-go', () => {
    setup();
    const r = createLeaderElector(
      { ...CONFIG, identity: 'x', leaseDurationMs: 5_000, renewDeadlineMs: 5_000 },
      { api: store.client() },
    );
    expect(r).toEqual({ ok: false, error: 'leaseDuration must be greater than renewDeadline' });
  });
});
