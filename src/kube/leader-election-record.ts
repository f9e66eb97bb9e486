import { V1MicroTime } from '@kubernetes/client-node';
import type { LeaseObject, LeaseSpecObject } from './leader-election-lock.js';

/** client-go's LeaderElectionRecord: the part of `Lease.spec` that leader election reads and writes. */
export interface LeaderElectionRecord {
  /** Empty when nobody holds the lease (never created, or released). */
  readonly holderIdentity: string;
  /** 0 when the field is absent. */
  readonly leaseDurationSeconds: number;
  /** MicroTime strings exactly as on the wire (informational only: decisions never read them). */
  readonly acquireTime: string | undefined;
  readonly renewTime: string | undefined;
  readonly leaseTransitions: number;
}

/**
 * What a candidate remembers about the lease: the record, a key that changes with every write, and
 * the LOCAL time at which it last saw the key change. Expiry is judged from `observedAt` on our own
 * clock, never from `renewTime` written by another node's clock, so clock skew does not matter.
 */
export interface Observation {
  readonly record: LeaderElectionRecord;
  readonly key: string;
  readonly observedAt: number;
}

/**
 * Formats epoch milliseconds as metav1.MicroTime (`2006-01-02T15:04:05.000000Z07:00`). The API server
 * parses MicroTime with exactly six fractional digits and rejects the three a plain Date gives.
 */
export function formatMicroTime(epochMs: number): string {
  return new V1MicroTime(epochMs).toISOString();
}

/** Only epoch-parsable MicroTime text is kept; anything else counts as absent. */
function timeField(value: unknown): string | undefined {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : undefined;
}

function nonNegativeInt(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : 0;
}

/** Reads the record out of a Lease, tolerating missing or malformed fields. */
export function recordFromLease(lease: LeaseObject): LeaderElectionRecord {
  // Typed loosely on purpose: the object came off the wire and any field may be missing or wrong.
  const spec: Partial<Record<keyof LeaseSpecObject, unknown>> = lease.spec ?? {};
  return {
    holderIdentity: typeof spec.holderIdentity === 'string' ? spec.holderIdentity : '',
    leaseDurationSeconds: nonNegativeInt(spec.leaseDurationSeconds),
    acquireTime: timeField(spec.acquireTime),
    renewTime: timeField(spec.renewTime),
    leaseTransitions: nonNegativeInt(spec.leaseTransitions),
  };
}

/** The Lease spec for a record (times are already six-digit MicroTime text). */
export function leaseSpecFromRecord(record: LeaderElectionRecord): LeaseSpecObject {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: record.acquireTime,
    renewTime: record.renewTime,
    leaseTransitions: record.leaseTransitions,
  };
}

/**
 * The change-detection key. client-go compares the serialized record; we add the resourceVersion so
 * that any write by anyone counts as a change, even one that happens to rewrite identical bytes
 * (only more conservative: it can delay a takeover, never hasten one).
 */
export function observationKey(record: LeaderElectionRecord, resourceVersion: string | undefined): string {
  return JSON.stringify([resourceVersion ?? '', record]);
}

/** Updates what we observed: `observedAt` moves only when the record actually changed. */
export function observe(
  previous: Observation | undefined,
  record: LeaderElectionRecord,
  resourceVersion: string | undefined,
  now: number,
): Observation {
  const key = observationKey(record, resourceVersion);
  if (previous?.key === key) return previous;
  return { record, key, observedAt: now };
}
