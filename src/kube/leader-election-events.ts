import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

/** Why a leadership term ended. */
export type StopReason =
  /** No successful renewal within renewDeadline (API unreachable, slow or refusing). */
  | 'renew-deadline'
  /** A fresh read showed another holder. */
  | 'lease-taken'
  /** The outer signal aborted (graceful shutdown). */
  | 'shutdown';

/** Everything the elector reports, as one discriminated union sent to one sink. */
export type LeaderElectionEvent =
  | { readonly type: 'acquiring' }
  /** `holder` is set when someone else validly holds the lease (routine); absent for API errors. */
  | { readonly type: 'acquire-failed'; readonly reason: string; readonly holder?: string }
  | { readonly type: 'started-leading'; readonly leaseTransitions: number }
  | { readonly type: 'renewed' }
  | { readonly type: 'renew-failed'; readonly reason: string; readonly remainingMs: number }
  | { readonly type: 'stopped-leading'; readonly reason: StopReason; readonly detail: string }
  | { readonly type: 'new-leader'; readonly identity: string }
  | { readonly type: 'released' }
  | { readonly type: 'release-skipped'; readonly reason: string }
  | { readonly type: 'release-failed'; readonly reason: string }
  | { readonly type: 'leader-task-failed'; readonly err: unknown };

/** The metrics leader election keeps; narrow so tests can record calls instead. */
export interface LeaderMetrics {
  setLeader(isLeader: boolean): void;
  transition(direction: 'started' | 'stopped'): void;
  renewFailed(): void;
}

/** LeaderMetrics on the project's Metrics registry, labelled by lease (`namespace/name`). */
export function leaderMetrics(metrics: Metrics, lease: string): LeaderMetrics {
  const isLeader = metrics.gauge<'lease'>({
    name: 'openelb_leader_is_leader',
    help: '1 while this process holds the leader lease, else 0.',
    labelNames: ['lease'],
  });
  const transitions = metrics.counter<'lease' | 'direction'>({
    name: 'openelb_leader_transitions_total',
    help: 'Times this process started or stopped leading.',
    labelNames: ['lease', 'direction'],
  });
  const renewFailures = metrics.counter<'lease'>({
    name: 'openelb_leader_renew_failures_total',
    help: 'Failed renewal attempts while leading (each one a retry; renewDeadline ends the term).',
    labelNames: ['lease'],
  });
  isLeader.set({ lease }, 0);
  return {
    setLeader: (leader) => {
      isLeader.set({ lease }, leader ? 1 : 0);
    },
    transition: (direction) => {
      transitions.inc({ lease, direction });
    },
    renewFailed: () => {
      renewFailures.inc({ lease });
    },
  };
}

/**
 * The one place leader-election events become logs (stable keys: event, reason, err) and metrics.
 * The messages `became leader` and `lost leadership` are part of the operator-facing contract.
 */
export function leaderEventSink(log: Logger, metrics?: LeaderMetrics): (event: LeaderElectionEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'acquiring':
        log.info({ event: e.type }, 'attempting to acquire leader lease');
        return;
      case 'acquire-failed':
        if (e.holder === undefined) log.warn({ event: e.type, reason: e.reason }, 'lease acquisition failed');
        else
          log.debug({ event: e.type, reason: e.reason, leader: e.holder }, 'lease held by another candidate');
        return;
      case 'started-leading':
        metrics?.setLeader(true);
        metrics?.transition('started');
        log.info({ event: e.type, leaseTransitions: e.leaseTransitions }, 'became leader');
        return;
      case 'renewed':
        log.trace({ event: e.type }, 'lease renewed');
        return;
      case 'renew-failed':
        metrics?.renewFailed();
        log.warn({ event: e.type, reason: e.reason, remainingMs: e.remainingMs }, 'lease renewal failed');
        return;
      case 'stopped-leading':
        metrics?.setLeader(false);
        metrics?.transition('stopped');
        log.info({ event: e.type, reason: e.reason, detail: e.detail }, 'lost leadership');
        return;
      case 'new-leader':
        log.info({ event: e.type, leader: e.identity }, 'new leader observed');
        return;
      case 'released':
        log.info({ event: e.type }, 'leader lease released');
        return;
      case 'release-skipped':
        log.info({ event: e.type, reason: e.reason }, 'leader lease not released');
        return;
      case 'release-failed':
        log.warn({ event: e.type, reason: e.reason }, 'leader lease release failed');
        return;
      case 'leader-task-failed':
        log.error({ event: e.type, err: e.err }, 'leader task failed');
        return;
    }
  };
}
