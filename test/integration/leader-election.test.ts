// Leader election against the local Kubernetes API, in real time with short durations
// (lease 2 s, renew deadline 1 s, retry 0.2 s). Every elector has its own bearer token, so the API
// can partition one of them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';
import { systemClock, type Clock } from '../../src/kube/clock.js';
import type { LeaderElectionConfig } from '../../src/kube/leader-election-config.js';
import type { LeaderElectionEvent } from '../../src/kube/leader-election-events.js';
import { kubeLeaseApi, type LeaseObject } from '../../src/kube/leader-election-lock.js';
import { createLeaderElector, type LeaderElector } from '../../src/kube/leader-election.js';
import { LeadershipLog, skewedClock } from '../unit/leader-election-fakes.js';

const LEASE_MS = 2_000;
const RENEW_DEADLINE_MS = 1_000;
const RETRY_MS = 200;
/** Timer lateness we tolerate on a loaded 2-core machine. */
const SLACK_MS = 250;
const NAMESPACE = 'openelb-system';

interface Candidate {
  readonly id: string;
  readonly elector: LeaderElector;
  readonly stop: AbortController;
  readonly done: Promise<void>;
  readonly events: LeaderElectionEvent[];
}

let api: LocalApi;
let leaseName = '';
let leaseCounter = 0;
let log: LeadershipLog;
let candidates: Candidate[] = [];
let sampler: NodeJS.Timeout | undefined;
let sampledOverlaps = 0;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
  return Date.now();
}

function start(id: string, opts: { clock?: Clock; releaseOnCancel?: boolean } = {}): Candidate {
  const config: LeaderElectionConfig = {
    leaseName,
    leaseNamespace: NAMESPACE,
    identity: id,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_DEADLINE_MS,
    retryPeriodMs: RETRY_MS,
    releaseOnCancel: opts.releaseOnCancel ?? true,
  };
  const events: LeaderElectionEvent[] = [];
  const created = createLeaderElector(config, {
    api: kubeLeaseApi(api.kubeConfig(id), NAMESPACE, leaseName),
    clock: opts.clock ?? systemClock,
    onEvent: (e) => events.push(e),
  });
  if (!created.ok) throw new Error(created.error);
  const stop = new AbortController();
  const c = {
    id,
    elector: created.value,
    stop,
    events,
    done: created.value.run(stop.signal, log.callbacks(id)),
  };
  candidates.push(c);
  return c;
}

/** The Lease exactly as the server stores it (raw JSON, no client-side conversion). */
async function rawLease(): Promise<LeaseObject & { spec: Required<NonNullable<LeaseObject['spec']>> }> {
  const res = await fetch(
    `${api.url}/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/${leaseName}`,
    {
      headers: { Authorization: 'Bearer admin' },
    },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as LeaseObject & { spec: Required<NonNullable<LeaseObject['spec']>> };
}

const byId = (id: string | undefined): Candidate => candidates.find((c) => c.id === id)!;

describe('leader election on the local Kubernetes API', () => {
  beforeAll(async () => {
    api = await startLocalApi({ crdDir: null });
  });
  afterAll(async () => {
    await api.stop();
  });

  const setup = (): void => {
    leaseName = `election-${++leaseCounter}`;
    log = new LeadershipLog(() => Date.now());
    sampledOverlaps = 0;
    // Independent of the callbacks: sample isLeader() continuously.
    sampler = setInterval(() => {
      if (candidates.filter((c) => c.elector.isLeader()).length > 1) sampledOverlaps++;
    }, 2);
  };

  afterEach(async () => {
    api.faults.clear();
    for (const c of candidates) c.stop.abort();
    await Promise.all(candidates.map((c) => c.done));
    clearInterval(sampler);
    candidates = [];
    expect(log.overlaps).toEqual([]);
    expect(sampledOverlaps).toBe(0);
  });

  it('two candidates: exactly one leads and the Lease names it', async () => {
    setup();
    start('a');
    start('b');
    await waitFor('a leader', () => log.active.size === 1, 3_000);
    await sleep(1_500);
    expect(log.starts).toHaveLength(1);
    const leader = log.leader()!;
    const lease = await rawLease();
    expect(lease.spec.holderIdentity).toBe(leader);
    expect(lease.spec.leaseTransitions).toBe(0);
    const follower = candidates.find((c) => c.id !== leader)!;
    expect(follower.elector.observedLeader()).toBe(leader);
  });

  it('three candidates, leader killed without release: one other takes over after the lease duration', async () => {
    setup();
    for (const id of ['a', 'b', 'c']) start(id, { releaseOnCancel: false });
    await waitFor('a leader', () => log.active.size === 1, 3_000);
    await sleep(1_000);
    const first = log.leader()!;
    byId(first).stop.abort(); // a crash: no release, no more renewals
    const lastRenew = Date.parse((await rawLease()).spec.renewTime);
    const next = log.starts.length;
    const tookAt = await waitFor('a successor', () => log.starts.length > next, 4_000);
    const successor = log.starts[next]!.id;
    expect(successor).not.toBe(first);
    expect(tookAt - lastRenew).toBeGreaterThanOrEqual(LEASE_MS);
    expect(tookAt - lastRenew).toBeLessThanOrEqual(LEASE_MS + 2.2 * RETRY_MS + 4 * SLACK_MS);
    const lease = await rawLease();
    expect(lease.spec.holderIdentity).toBe(successor);
    expect(lease.spec.leaseTransitions).toBe(1);
    await sleep(1_000);
    expect(log.starts).toHaveLength(2);
  });

  it('a partitioned leader stops within the renew deadline, before anyone else acquires; after heal it follows', async () => {
    setup();
    const a = start('a');
    await waitFor('a leads', () => log.leader() === 'a', 3_000);
    start('b');
    await sleep(800);
    api.faults.partition({ user: 'a' });
    const aStop = await waitFor('a to stop', () => log.stops.some((s) => s.id === 'a'), 3_000);
    const atStop = await rawLease();
    expect(atStop.spec.holderIdentity).toBe('a'); // nobody acquired while a still led
    const lastRenew = Date.parse(atStop.spec.renewTime);
    expect(aStop - lastRenew).toBeLessThanOrEqual(RENEW_DEADLINE_MS + SLACK_MS);
    expect(a.events.find((e) => e.type === 'stopped-leading')).toMatchObject({ reason: 'renew-deadline' });

    const bStart = await waitFor('b leads', () => log.leader() === 'b', 4_000);
    expect(bStart).toBeGreaterThan(aStop);
    expect(bStart - lastRenew).toBeGreaterThanOrEqual(LEASE_MS);

    api.faults.heal();
    await sleep(1_500);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.elector.observedLeader()).toBe('b');
    expect(log.starts.map((s) => s.id)).toEqual(['a', 'b']);
    expect((await rawLease()).spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('clock skew of minutes between candidates: takeover still waits a full lease duration', async () => {
    setup();
    const a = start('a', { clock: skewedClock(systemClock, 5 * 60_000), releaseOnCancel: false });
    await waitFor('a leads', () => log.leader() === 'a', 3_000);
    start('b', { clock: skewedClock(systemClock, -3 * 60_000) });
    start('c', { clock: skewedClock(systemClock, 9 * 60_000) });
    await sleep(1_000);
    const written = Date.parse((await rawLease()).spec.renewTime);
    expect(written - Date.now()).toBeGreaterThan(4 * 60_000); // a's skew is visible on the wire
    expect(log.starts.map((s) => s.id)).toEqual(['a']);

    a.stop.abort();
    const killedAt = Date.now();
    const tookAt = await waitFor('a successor', () => log.starts.length === 2, 4_000);
    expect(tookAt - killedAt).toBeGreaterThanOrEqual(LEASE_MS - RETRY_MS - SLACK_MS);
    expect(tookAt - killedAt).toBeLessThanOrEqual(LEASE_MS + 2.2 * RETRY_MS + 4 * SLACK_MS);
    expect(['b', 'c']).toContain(log.starts[1]!.id);
  });

  it('graceful hand-over: the released lease is taken in well under the lease duration', async () => {
    setup();
    const a = start('a');
    await waitFor('a leads', () => log.leader() === 'a', 3_000);
    start('b');
    await sleep(600);
    a.stop.abort();
    const stoppedAt = Date.now();
    await a.done;
    expect(a.events.map((e) => e.type)).toContain('released');
    const tookAt = await waitFor('b leads', () => log.leader() === 'b', 3_000);
    const handoverMs = tookAt - stoppedAt;
    console.info(
      `[leader-election] graceful hand-over took ${handoverMs} ms (lease ${LEASE_MS} ms, retry ${RETRY_MS} ms)`,
    );
    expect(handoverMs).toBeLessThan(LEASE_MS / 2);
    expect((await rawLease()).spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('writes MicroTimes with six fractional digits and whole-second durations on the wire', async () => {
    setup();
    start('a');
    await waitFor('a leads', () => log.leader() === 'a', 3_000);
    await sleep(2 * RETRY_MS + 100); // at least one renewal
    const { spec, metadata } = await rawLease();
    expect(spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(spec.acquireTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(spec.renewTime > spec.acquireTime).toBe(true);
    expect(spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 2, leaseTransitions: 0 });
    expect(Number(metadata?.resourceVersion)).toBeGreaterThan(0);
  });
});
