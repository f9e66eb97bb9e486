import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';

/** client-go's JitterFactor: followers wait RetryPeriod plus up to 1.2 × RetryPeriod between tries. */
export const JITTER_FACTOR = 1.2;

/** The three durations of client-go's LeaderElectionConfig, in milliseconds. */
export interface LeaderElectionTimings {
  /** How long followers wait, from the moment they last saw the record change, before taking over. */
  readonly leaseDurationMs: number;
  /** How long the leader keeps leading without a successful renewal before it steps down. */
  readonly renewDeadlineMs: number;
  /** Time between tries (acquire and renew). */
  readonly retryPeriodMs: number;
}

/** Where the Lease lives and who we are. */
export interface LeaderElectionConfig extends LeaderElectionTimings {
  readonly leaseName: string;
  readonly leaseNamespace: string;
  readonly identity: string;
  /**
   * Clear the holder on graceful shutdown so a successor acquires at once (client-go ReleaseOnCancel).
   * Only done once the leader task has settled, so two leaders never act at once.
   */
  readonly releaseOnCancel: boolean;
}

/** Core clients' defaults (kube-controller-manager, controller-runtime): 15 s, 10 s, 2 s. */
export const DEFAULT_TIMINGS: LeaderElectionTimings = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

export const DEFAULT_LEASE_NAME = 'openelb-manager';
export const DEFAULT_LEASE_NAMESPACE = 'openelb-system';

/** A value or a precise message saying why there is none. */
export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/**
 * Checks the timings exactly as client-go's NewLeaderElector does. The order of the inequalities is
 * what makes leadership exclusive: the leader gives up after renewDeadline, strictly before any
 * follower may take over after leaseDuration, and it gets at least one retry before giving up.
 */
export function validateTimings(t: LeaderElectionTimings): string[] {
  const errors: string[] = [];
  const finite = (v: number): boolean => Number.isFinite(v);
  if (!finite(t.leaseDurationMs) || t.leaseDurationMs <= 0)
    errors.push('leaseDuration must be greater than zero');
  if (!finite(t.renewDeadlineMs) || t.renewDeadlineMs <= 0)
    errors.push('renewDeadline must be greater than zero');
  if (!finite(t.retryPeriodMs) || t.retryPeriodMs <= 0) errors.push('retryPeriod must be greater than zero');
  if (errors.length > 0) return errors;
  if (t.leaseDurationMs <= t.renewDeadlineMs) errors.push('leaseDuration must be greater than renewDeadline');
  if (t.renewDeadlineMs <= JITTER_FACTOR * t.retryPeriodMs) {
    errors.push('renewDeadline must be greater than retryPeriod*JitterFactor');
  }
  return errors;
}

/**
 * The value written to `spec.leaseDurationSeconds`. The API field is whole seconds; we round UP
 * (client-go truncates) so a sub-second or fractional leaseDuration never tells followers a
 * shorter wait than the leader's own renewDeadline budget assumes. For whole seconds both agree.
 */
export function leaseDurationSeconds(leaseDurationMs: number): number {
  return Math.max(1, Math.ceil(leaseDurationMs / 1000));
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses Go-style durations as used by Kubernetes flags: `15s`, `1.5s`, `500ms`, `1m30s`, `2h`.
 * A bare number is rejected (as Go's time.ParseDuration does, except for "0") to avoid unit mistakes.
 */
export function parseDuration(text: string): Parsed<number> {
  const trimmed = text.trim();
  if (trimmed === '0') return { ok: true, value: 0 };
  const part = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = part.exec(trimmed); m !== null; m = part.exec(trimmed)) {
    const [, amount, unit] = m;
    total += Number(amount) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
    consumed = part.lastIndex;
  }
  if (trimmed === '' || consumed !== trimmed.length || !Number.isFinite(total)) {
    return {
      ok: false,
      error: `invalid duration "${text}": use a number with a unit, e.g. 15s, 500ms, 1m30s`,
    };
  }
  return { ok: true, value: total };
}

/** controller-runtime's identity shape: `<hostname>_<uuid>`, unique even for two pods on one host. */
export function defaultIdentity(host: string = hostname(), suffix: string = randomUUID()): string {
  return `${host}_${suffix}`;
}

/** The namespace the lease lives in: the pod's own (downward API POD_NAMESPACE) or openelb-system. */
export function defaultLeaseNamespace(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.POD_NAMESPACE?.trim();
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_LEASE_NAMESPACE;
}
