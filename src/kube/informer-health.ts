import type { Logger } from '../observability/logger.js';
import { METRIC_PREFIX, type Metrics } from '../observability/metrics.js';

interface Base {
  /** The resource label given to the informer (e.g. `services`, `eips`). */
  readonly resource: string;
  /** Clock time of the event, in ms since the epoch. */
  readonly at: number;
}

/**
 * Everything an informer reports about its own health. There is deliberately no "gave up" event:
 * an informer retries forever, with backoff.
 */
export type InformerHealthEvent =
  /** A watch stream is open (from `resourceVersion`). */
  | (Base & { readonly type: 'Connected'; readonly resourceVersion: string })
  /** A full list was applied to the cache; `reason` says why we listed. */
  | (Base & {
      readonly type: 'Synced';
      readonly reason: RelistReason;
      readonly objects: number;
      readonly resourceVersion: string;
    })
  /** A watch ended without an error: a server timeout or close (`closed`), or our idle watchdog (`idle`). */
  | (Base & {
      readonly type: 'WatchEnded';
      readonly reason: 'closed' | 'idle';
      readonly events: number;
      readonly durationMs: number;
    })
  /** A list or watch failed. `reason` is low-cardinality (`http_500`, `network`, ...). */
  | (Base & {
      readonly type: 'WatchError';
      readonly phase: 'list' | 'watch';
      readonly reason: string;
      readonly status?: number;
      readonly err: string;
    })
  /** The informer will list again: the watch's resourceVersion expired (`gone`) or periodic relist. */
  | (Base & { readonly type: 'Relisting'; readonly reason: 'gone' | 'periodic' })
  /** Waiting before the next attempt after failure number `attempt`. */
  | (Base & {
      readonly type: 'Backoff';
      readonly delayMs: number;
      readonly attempt: number;
      readonly reason: string;
    })
  /** Every cached object was re-delivered to the update handlers. */
  | (Base & { readonly type: 'Resynced'; readonly objects: number })
  /** A handler (or the ingest transform, which then keeps the object whole) threw; the informer carries on. */
  | (Base & {
      readonly type: 'HandlerError';
      readonly handler: 'add' | 'update' | 'delete' | 'transform';
      readonly err: string;
    })
  /** The informer stopped because its signal aborted. */
  | (Base & { readonly type: 'Stopped' });

/** Why a full list happened. */
export type RelistReason = 'initial' | 'gone' | 'periodic';

/** The one place informer health events go. */
export type InformerHealthSink = (event: InformerHealthEvent) => void;

/** A sink that drops everything (tests that do not look at health). */
export const ignoreHealth: InformerHealthSink = () => undefined;

const EVENT_NAMES: Record<InformerHealthEvent['type'], string> = {
  Connected: 'informer_connected',
  Synced: 'informer_synced',
  WatchEnded: 'informer_watch_ended',
  WatchError: 'informer_watch_error',
  Relisting: 'informer_relisting',
  Backoff: 'informer_backoff',
  Resynced: 'informer_resynced',
  HandlerError: 'informer_handler_error',
  Stopped: 'informer_stopped',
};

/** Dependencies of the health sink. */
export interface InformerHealthSinkDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The `health` option of an informer: logs and metrics when the process has a metrics registry (both
 * roles' commands do), nothing otherwise (tests of other parts). Spread it into the informer options.
 */
export function informerHealth(
  logger: Logger,
  metrics: Metrics | undefined,
): { readonly health?: InformerHealthSink } {
  return metrics === undefined ? {} : { health: createInformerHealthSink({ logger, metrics }) };
}

/**
 * Turns informer health events into pino logs (keys: event, resource, reason, err, delayMs, ...)
 * and prom-client metrics:
 * - `openelb_informer_events_total{resource,type}`
 * - `openelb_informer_restarts_total{resource,reason}`: failures followed by a backoff, expired
 *   watches (`gone`) and idle watches (`idle`)
 * - `openelb_informer_synced{resource}`: 1 once the cache holds a full list
 * - `openelb_informer_watch_connected{resource}`: 1 while a watch stream is open
 * - `openelb_informer_last_event_timestamp_seconds{resource}`
 */
export function createInformerHealthSink({ logger, metrics }: InformerHealthSinkDeps): InformerHealthSink {
  const events = metrics.counter({
    name: `${METRIC_PREFIX}informer_events_total`,
    help: 'Informer health events by type',
    labelNames: ['resource', 'type'] as const,
  });
  const restarts = metrics.counter({
    name: `${METRIC_PREFIX}informer_restarts_total`,
    help: 'Informer list/watch restarts after a failure, an expired resourceVersion or an idle watch',
    labelNames: ['resource', 'reason'] as const,
  });
  const synced = metrics.gauge({
    name: `${METRIC_PREFIX}informer_synced`,
    help: '1 once the informer cache holds a full list',
    labelNames: ['resource'] as const,
  });
  const connected = metrics.gauge({
    name: `${METRIC_PREFIX}informer_watch_connected`,
    help: '1 while the informer has an open watch stream',
    labelNames: ['resource'] as const,
  });
  const lastEvent = metrics.gauge({
    name: `${METRIC_PREFIX}informer_last_event_timestamp_seconds`,
    help: 'Time of the last informer health event',
    labelNames: ['resource'] as const,
  });

  return (e) => {
    const resource = e.resource;
    events.inc({ resource, type: e.type });
    lastEvent.set({ resource }, e.at / 1000);
    const log = logger.child({ event: EVENT_NAMES[e.type], resource });
    switch (e.type) {
      case 'Connected':
        connected.set({ resource }, 1);
        log.debug({ resourceVersion: e.resourceVersion }, 'watch connected');
        return;
      case 'Synced':
        synced.set({ resource }, 1);
        (e.reason === 'initial' ? log.info.bind(log) : log.debug.bind(log))(
          { reason: e.reason, objects: e.objects, resourceVersion: e.resourceVersion },
          'informer cache synced',
        );
        return;
      case 'WatchEnded':
        connected.set({ resource }, 0);
        if (e.reason === 'idle') restarts.inc({ resource, reason: 'idle' });
        log.debug({ reason: e.reason, events: e.events, durationMs: e.durationMs }, 'watch ended');
        return;
      case 'WatchError':
        connected.set({ resource }, 0);
        log.warn({ reason: e.reason, phase: e.phase, status: e.status, err: e.err }, 'list/watch failed');
        return;
      case 'Relisting':
        if (e.reason === 'gone') restarts.inc({ resource, reason: 'gone' });
        log.info({ reason: e.reason }, 'relisting');
        return;
      case 'Backoff':
        restarts.inc({ resource, reason: e.reason });
        log.info({ reason: e.reason, delayMs: e.delayMs, attempt: e.attempt }, 'backing off before retry');
        return;
      case 'Resynced':
        log.debug({ objects: e.objects }, 'resync delivered cached objects');
        return;
      case 'HandlerError':
        log.error({ reason: 'handler_threw', handler: e.handler, err: e.err }, 'informer handler threw');
        return;
      case 'Stopped':
        connected.set({ resource }, 0);
        log.debug('informer stopped');
        return;
    }
  };
}
