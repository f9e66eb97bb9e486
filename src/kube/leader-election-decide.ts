import { leaseDurationSeconds } from './leader-election-config.js';
import { formatMicroTime, type LeaderElectionRecord, type Observation } from './leader-election-record.js';

/** What one try of client-go's tryAcquireOrRenew should do, with the record to write. */
export type LeaseDecision =
  | { readonly action: 'create'; readonly reason: string; readonly record: LeaderElectionRecord }
  | { readonly action: 'acquire'; readonly reason: string; readonly record: LeaderElectionRecord }
  | { readonly action: 'renew'; readonly reason: string; readonly record: LeaderElectionRecord }
  | { readonly action: 'wait'; readonly reason: string; readonly holder: string; readonly expiresAt: number };

export interface DecideInput {
  /** The lease as last observed (after `observe` with the fresh read); undefined when it does not exist. */
  readonly observation: Observation | undefined;
  /** Our clock, epoch ms: compared only with `observation.observedAt`, which came from the same clock. */
  readonly now: number;
  readonly identity: string;
  readonly leaseDurationMs: number;
}

/**
 * How long followers must wait after seeing the record change. The holder's own
 * leaseDurationSeconds is authoritative (a release writes 1 s); when a writer left it out we fall
 * back to our configured duration rather than client-go's "already expired", to stay conservative.
 */
export function holderLeaseMs(record: LeaderElectionRecord, fallbackMs: number): number {
  return record.leaseDurationSeconds > 0 ? record.leaseDurationSeconds * 1000 : fallbackMs;
}

/**
 * Pure core of client-go's tryAcquireOrRenew. Given what we observed and our clock it decides:
 * create the lease, renew it (we hold it), acquire it (free, released or expired; leaseTransitions
 * + 1), or wait (someone else holds it and we have not seen it unchanged for a full lease duration).
 */
export function decide(input: DecideInput): LeaseDecision {
  const { observation, now, identity } = input;
  const nowTime = formatMicroTime(now);
  const ours = (acquireTime: string, leaseTransitions: number): LeaderElectionRecord => ({
    holderIdentity: identity,
    leaseDurationSeconds: leaseDurationSeconds(input.leaseDurationMs),
    acquireTime,
    renewTime: nowTime,
    leaseTransitions,
  });

  if (observation === undefined) {
    return { action: 'create', reason: 'lease does not exist', record: ours(nowTime, 0) };
  }
  const { record, observedAt } = observation;
  // observedAt is read after the GET returns, `now` before it is sent, so this can be slightly negative.
  const unchangedMs = Math.max(0, now - observedAt);
  if (record.holderIdentity === identity) {
    return {
      action: 'renew',
      reason: 'we hold the lease',
      record: ours(record.acquireTime ?? nowTime, record.leaseTransitions),
    };
  }
  if (record.holderIdentity !== '') {
    const expiresAt = observedAt + holderLeaseMs(record, input.leaseDurationMs);
    if (expiresAt > now) {
      return {
        action: 'wait',
        reason: `lease held by ${record.holderIdentity}, unchanged for ${unchangedMs} ms, expires in ${expiresAt - now} ms`,
        holder: record.holderIdentity,
        expiresAt,
      };
    }
  }
  const reason =
    record.holderIdentity === ''
      ? 'lease is free (released or never held)'
      : `lease held by ${record.holderIdentity} expired: unchanged for ${unchangedMs} ms`;
  return { action: 'acquire', reason, record: ours(nowTime, record.leaseTransitions + 1) };
}

/** The record a graceful release writes (client-go release()): no holder, 1 s, transitions kept. */
export function releasedRecord(previous: LeaderElectionRecord, now: number): LeaderElectionRecord {
  const nowTime = formatMicroTime(now);
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: nowTime,
    renewTime: nowTime,
    leaseTransitions: previous.leaseTransitions,
  };
}
