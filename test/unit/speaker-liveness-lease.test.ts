// The speaker's liveness Lease on shutdown: the holder must be cleared even when the shutdown aborted
// a renewal midway (seen in the lab: the released Lease was skipped, and failover waited 2 s for expiry).
import { describe, expect, it } from 'vitest';
import type { LeaseApi, LeaseObject, LeaseWriteResult } from '../../src/kube/leader-election-lock.js';
import { silentLogger } from '../../src/observability/logger.js';
import { speakerAlive } from '../../src/speaker/eligibility.js';
import { LivenessLease } from '../../src/speaker/liveness-lease.js';
import { FakeClock } from '../support/fake-clock.js';

/** One Lease with resourceVersion checks; `hang` makes the next replace wait for its signal. */
class FakeLeaseStore implements LeaseApi {
  readonly description = 'openelb-system/openelb-speaker-n1';
  stored: LeaseObject | undefined;
  #version = 0;
  /** The next replace waits until aborted; `landsAnyway`: the server applied it before the abort. */
  hang: { landsAnyway: boolean } | undefined;
  /** Every replace is answered `ms` later on `clock` (unless aborted first). */
  delay: { clock: FakeClock; ms: number } | undefined;

  get(): Promise<{ kind: 'found'; lease: LeaseObject } | { kind: 'not-found' }> {
    return Promise.resolve(
      this.stored === undefined ? { kind: 'not-found' } : { kind: 'found', lease: this.stored },
    );
  }

  create(spec: LeaseObject['spec']): Promise<LeaseWriteResult> {
    this.stored = {
      metadata: { name: 'openelb-speaker-n1', resourceVersion: String(++this.#version) },
      spec,
    };
    return Promise.resolve({ kind: 'ok', lease: this.stored });
  }

  async replace(lease: LeaseObject, signal: AbortSignal): Promise<LeaseWriteResult> {
    const hang = this.hang;
    this.hang = undefined;
    if (hang !== undefined) {
      if (hang.landsAnyway) this.#write(lease);
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          resolve();
        });
      });
      return { kind: 'error', reason: 'request aborted (deadline or shutdown)' };
    }
    if (this.delay !== undefined) {
      const { clock, ms } = this.delay;
      const answered = await new Promise<boolean>((resolve) => {
        const handle = clock.setTimeout(() => {
          resolve(true);
        }, ms);
        signal.addEventListener('abort', () => {
          clock.clearTimeout(handle);
          resolve(false);
        });
      });
      if (!answered) return { kind: 'error', reason: 'request aborted (deadline or shutdown)' };
    }
    if (lease.metadata?.resourceVersion !== this.stored?.metadata?.resourceVersion)
      return { kind: 'conflict', reason: 'the object has been modified' };
    return { kind: 'ok', lease: this.#write(lease) };
  }

  #write(lease: LeaseObject): LeaseObject {
    this.stored = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.#version) } };
    return this.stored;
  }
}

function livenessLease(store: FakeLeaseStore): LivenessLease {
  return new LivenessLease({
    api: store,
    identity: 'n1',
    durationMs: 2000,
    renewMs: 500,
    clock: new FakeClock(0),
    log: silentLogger(),
  });
}

async function renewingThenShutDown(landsAnyway: boolean): Promise<FakeLeaseStore> {
  const store = new FakeLeaseStore();
  const lease = livenessLease(store);
  expect(await lease.renewOnce(AbortSignal.timeout(1000))).toBe(true);
  expect(store.stored?.spec?.holderIdentity).toBe('n1');
  const shutdown = new AbortController();
  store.hang = { landsAnyway };
  const renewal = lease.renewOnce(shutdown.signal);
  shutdown.abort();
  expect(await renewal).toBe(false);
  await lease.release();
  return store;
}

describe('LivenessLease.release after shutdown aborted a renewal', () => {
  it('clears the holder when the aborted write never reached the server', async () => {
    expect((await renewingThenShutDown(false)).stored?.spec?.holderIdentity).toBe('');
  });

  it('clears the holder when the aborted write did reach the server (its version is newer)', async () => {
    expect((await renewingThenShutDown(true)).stored?.spec?.holderIdentity).toBe('');
  });

  it('writes nothing when the Lease was never written', async () => {
    const store = new FakeLeaseStore();
    await livenessLease(store).release();
    expect(store.stored).toBeUndefined();
  });
});

/** An API server that refuses every request (connection refused), counting them. */
class UnreachableLeaseStore implements LeaseApi {
  readonly description = 'openelb-system/openelb-speaker-n1';
  requests = 0;
  /** Told of each request (the test bounds a loop that never pauses, so it fails instead of hanging). */
  onRequest: (requests: number) => void = () => undefined;

  #refuse(): Promise<{ kind: 'error'; reason: string }> {
    this.requests += 1;
    this.onRequest(this.requests);
    return Promise.resolve({ kind: 'error', reason: 'connect ECONNREFUSED 10.96.0.1:443' });
  }

  get(): Promise<{ kind: 'error'; reason: string }> {
    return this.#refuse();
  }

  create(): Promise<LeaseWriteResult> {
    return this.#refuse();
  }

  replace(): Promise<LeaseWriteResult> {
    return this.#refuse();
  }
}

/** A 2 s Lease renewed every 500 ms on a fake clock, recording each onApiRegained as [blindFrom, now]. */
function watchedLease(api: LeaseApi): {
  clock: FakeClock;
  regained: [number, number][];
  doubts: boolean[];
  lease: LivenessLease;
} {
  const clock = new FakeClock(0);
  const regained: [number, number][] = [];
  const doubts: boolean[] = [];
  const lease = new LivenessLease({
    api,
    identity: 'n1',
    durationMs: 2000,
    renewMs: 500,
    clock,
    log: silentLogger(),
    onApiRegained: (blindFrom, now) => regained.push([blindFrom, now]),
    onDoubtChange: (inDoubt) => doubts.push(inDoubt),
  });
  return { clock, regained, doubts, lease };
}

describe('LivenessLease.run while the API server is unreachable', () => {
  // The speaker publishes an annotation before its first renewal. The unwritten annotation used to
  // skip the pause after every failed renewal: a tight loop of requests and log lines.
  it('retries once per renewMs even with an annotation waiting to be written', async () => {
    const store = new UnreachableLeaseStore();
    const { clock, lease } = watchedLease(store);
    lease.setAnnotation('openelb.kubesphere.io/layer2-eips', '');
    const stop = new AbortController();
    store.onRequest = (n) => {
      if (n > 100) stop.abort();
    };
    const running = lease.run(stop.signal);
    await clock.settle(50);
    expect(store.requests).toBe(1);
    await clock.advance(500);
    expect(store.requests).toBe(2);
    await clock.advance(2000);
    expect(store.requests).toBe(6);
    stop.abort();
    await running;
  });
});

describe('LivenessLease.inDoubt: renewals that stop getting through', () => {
  it('is in doubt from half the duration after the last renewal that worked, and says when it is over', async () => {
    const { clock, regained, lease } = watchedLease(new FakeLeaseStore());
    expect(lease.inDoubt()).toBe(false); // never written: nothing to hold
    expect(await lease.renewOnce(AbortSignal.timeout(1000))).toBe(true);
    // Normal renewals every 500 ms never come near the doubt.
    await clock.advance(500);
    expect(await lease.renewOnce(AbortSignal.timeout(1000))).toBe(true);
    expect(lease.inDoubt()).toBe(false);
    expect(regained).toEqual([]);
    // The API stops answering at 500: in doubt after 1,000 ms, while the Lease is still fresh.
    await clock.advance(1000);
    expect(lease.inDoubt()).toBe(false);
    await clock.advance(1);
    expect(lease.inDoubt()).toBe(true);
    expect(lease.alive()).toBe(true);
    await clock.advance(2000);
    expect(lease.alive()).toBe(false);
    // Back at 3,501: blind from 1,000, when the renewal after the one at 500 was due.
    expect(await lease.renewOnce(AbortSignal.timeout(1000))).toBe(true);
    expect(lease.inDoubt()).toBe(false);
    expect(lease.alive()).toBe(true);
    expect(regained).toEqual([[1000, 3501]]);
  });
});

describe('LivenessLease.run with a renewal that hangs', () => {
  it('abandons it after the Lease duration and tries again, so the doubt ends when the API answers', async () => {
    const store = new FakeLeaseStore();
    const { clock, regained, doubts, lease } = watchedLease(store);
    const stop = new AbortController();
    const running = lease.run(stop.signal);
    await clock.settle(10);
    expect(store.stored?.spec?.holderIdentity).toBe('n1');
    // The renewal at 500 gets no answer (an API server that vanished without closing the connection).
    store.hang = { landsAnyway: false };
    await clock.advance(500);
    await clock.advance(600);
    expect(lease.inDoubt()).toBe(true);
    // Abandoned at 2,500; the next attempt at 3,000 gets through.
    await clock.advance(1300);
    expect(lease.inDoubt()).toBe(true);
    await clock.advance(600);
    expect(lease.inDoubt()).toBe(false);
    expect(regained).toEqual([[500, 3000]]);
    expect(lease.alive()).toBe(true);
    // Reported after the attempts: the abandoned one (in doubt), the one that got through (not).
    expect(doubts).toEqual([true, false]);
    stop.abort();
    await running;
  });
});

describe('LivenessLease.run against a slow API', () => {
  it('keeps a renewal that takes 1.5 s (in doubt meanwhile), rather than abandoning it', async () => {
    const store = new FakeLeaseStore();
    const { clock, lease } = watchedLease(store);
    const stop = new AbortController();
    const running = lease.run(stop.signal);
    await clock.settle(10);
    const written = (): string | undefined => store.stored?.metadata?.resourceVersion;
    const first = written();
    store.delay = { clock, ms: 1500 };
    // Sent at 500, answered at 2,000.
    await clock.advance(500);
    await clock.advance(1400);
    expect(written()).toBe(first);
    await clock.advance(100);
    expect(written()).not.toBe(first);
    expect(lease.alive()).toBe(true);
    // Judged by its renewTime (sent at 500) it is stale at 2,600; peers count it from when it landed (2,000).
    await clock.advance(600);
    expect(speakerAlive('n1', [lease.current() ?? {}], clock.now()).ok).toBe(false);
    expect(speakerAlive('n1', [lease.asLanded() ?? {}], clock.now()).ok).toBe(true);
    stop.abort();
    await running;
  });
});
