import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import {
  DEFAULT_LEASE_NAME,
  DEFAULT_TIMINGS,
  defaultIdentity,
  defaultLeaseNamespace,
  parseDuration,
  validateTimings,
  type LeaderElectionConfig,
  type Parsed,
} from './leader-election-config.js';
import { leaderEventSink, leaderMetrics } from './leader-election-events.js';
import { kubeLeaseApi } from './leader-election-lock.js';
import { createLeaderElector } from './leader-election.js';

/** The controller's leader-election flags as commander hands them over (strings, unparsed). */
export interface LeaderElectionFlags {
  readonly leaderElect: boolean;
  readonly leaseDuration: string;
  readonly renewDeadline: string;
  readonly retryPeriod: string;
  readonly leaseName: string;
  readonly leaseNamespace: string;
  readonly identity: string;
}

/** Flag defaults, in the same text form a user types. */
export function defaultLeaderElectionFlags(): LeaderElectionFlags {
  const seconds = (ms: number): string => `${ms / 1000}s`;
  return {
    leaderElect: true,
    leaseDuration: seconds(DEFAULT_TIMINGS.leaseDurationMs),
    renewDeadline: seconds(DEFAULT_TIMINGS.renewDeadlineMs),
    retryPeriod: seconds(DEFAULT_TIMINGS.retryPeriodMs),
    leaseName: DEFAULT_LEASE_NAME,
    leaseNamespace: defaultLeaseNamespace(),
    identity: defaultIdentity(),
  };
}

/** Parses `--leader-elect=<bool>` the way Go's flag package does for booleans. */
export function parseBooleanFlag(text: string): Parsed<boolean> {
  const t = text.trim().toLowerCase();
  if (['true', '1', 't', 'yes'].includes(t)) return { ok: true, value: true };
  if (['false', '0', 'f', 'no'].includes(t)) return { ok: true, value: false };
  return { ok: false, error: `invalid boolean "${text}": use true or false` };
}

/** Turns the flags into a validated config, or one message listing every problem. */
export function leaderElectionConfigFromFlags(flags: LeaderElectionFlags): Parsed<LeaderElectionConfig> {
  const errors: string[] = [];
  const duration = (flag: string, text: string): number => {
    const parsed = parseDuration(text);
    if (!parsed.ok) errors.push(`--${flag}: ${parsed.error}`);
    return parsed.ok ? parsed.value : Number.NaN;
  };
  const timings = {
    leaseDurationMs: duration('lease-duration', flags.leaseDuration),
    renewDeadlineMs: duration('renew-deadline', flags.renewDeadline),
    retryPeriodMs: duration('retry-period', flags.retryPeriod),
  };
  if (errors.length === 0) errors.push(...validateTimings(timings));
  if (flags.leaseName.trim() === '') errors.push('--lease-name must not be empty');
  if (flags.leaseNamespace.trim() === '') errors.push('--lease-namespace must not be empty');
  if (flags.identity.trim() === '') errors.push('--identity must not be empty');
  if (errors.length > 0) return { ok: false, error: errors.join('; ') };
  return {
    ok: true,
    value: {
      ...timings,
      leaseName: flags.leaseName.trim(),
      leaseNamespace: flags.leaseNamespace.trim(),
      identity: flags.identity.trim(),
      releaseOnCancel: true,
    },
  };
}

/** What `runLeaderElected` needs: where the API is, where to log and count, and the leader's work. */
export interface RunLeaderElectedOptions {
  readonly kubeConfig: KubeConfig;
  readonly config: LeaderElectionConfig;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly work: (leaderSignal: AbortSignal) => Promise<void>;
}

/**
 * Runs `work` only while this process holds the Lease; returns after `signal` aborts, the work has
 * stopped and the lease is released. Never throws for API trouble: the elector keeps retrying.
 */
export async function runLeaderElected(signal: AbortSignal, opts: RunLeaderElectedOptions): Promise<void> {
  const { config, log } = opts;
  const api = kubeLeaseApi(opts.kubeConfig, config.leaseNamespace, config.leaseName);
  const elector = createLeaderElector(config, {
    api,
    onEvent: leaderEventSink(log, opts.metrics && leaderMetrics(opts.metrics, api.description)),
  });
  if (!elector.ok) throw new Error(elector.error); // config was validated by the caller
  log.info(
    {
      event: 'leader-election',
      lease: api.description,
      identity: config.identity,
      leaseDurationMs: config.leaseDurationMs,
      renewDeadlineMs: config.renewDeadlineMs,
      retryPeriodMs: config.retryPeriodMs,
    },
    'leader election enabled',
  );
  // The elector's timers are unref'd; hold the event loop open until it has released the lease.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    await elector.value.run(signal, { onStartedLeading: opts.work });
  } finally {
    clearInterval(keepAlive);
  }
}
