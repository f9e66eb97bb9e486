import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import { METRIC_PREFIX, type Metrics } from '../observability/metrics.js';
import { settleUnlessAborted } from './abortable.js';
import { systemClock, type Clock } from './clock.js';
import { EVENT_COMPONENT, FIELD_MANAGER } from './constants.js';
import {
  correlationKey,
  decideEvent,
  eventNamespace,
  involvedObjectOf,
  SeenEvents,
  type EventOccurrence,
  type EventType,
  type InvolvedObject,
} from './event-correlator.js';
import { writeFailure, type WriteResult } from './status.js';

/** The two writes the recorder makes; the seam for tests. */
export interface EventWriter {
  create(namespace: string, event: CoreV1Event): Promise<WriteResult<unknown>>;
  /** Merge-patches count, lastTimestamp (and message) of an existing Event. */
  patch(namespace: string, name: string, patch: object): Promise<WriteResult<unknown>>;
}

/** Options of an EventRecorder. */
export interface EventRecorderOptions {
  readonly writer: EventWriter;
  /** `source.component` and `reportingComponent`. @default 'openelb-manager' */
  readonly component?: string;
  /** `source.host` and `reportingInstance`, e.g. the pod or node name. */
  readonly instance?: string;
  /** Repeats within this window update the existing Event instead of creating one. @default 600_000 */
  readonly windowMs?: number;
  /** Pending writes kept; beyond it the oldest is dropped (and counted). @default 1000 */
  readonly maxPending?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

/** Outcome of one pending item, for the `openelb_events_total{outcome}` counter. */
export type EventOutcome = 'created' | 'updated' | 'merged' | 'dropped' | 'failed';

function isInvolvedObject(obj: KubernetesObject | InvolvedObject): obj is InvolvedObject {
  return !('metadata' in obj) && 'name' in obj && typeof obj.name === 'string';
}

interface Pending {
  readonly key: string;
  readonly occurrence: EventOccurrence;
  readonly firstAt: number;
  lastAt: number;
  repeats: number;
}

/**
 * Records core/v1 Events without ever blocking the caller: record() only queues. A single writer
 * drains the queue; identical occurrences (same object, type, reason, message) are merged while
 * they wait and, within `windowMs` of the last write, update the existing Event's count and
 * lastTimestamp (client-go's EventCorrelator) instead of creating new Events.
 */
export class EventRecorder {
  readonly #writer: EventWriter;
  readonly #component: string;
  readonly #instance: string | undefined;
  readonly #windowMs: number;
  readonly #maxPending: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #count: (outcome: EventOutcome, type: EventType) => void;
  readonly #seen = new SeenEvents();
  readonly #pending = new Map<string, Pending>();
  #wake: (() => void) | undefined;
  #idleWaiters: (() => void)[] = [];
  #writing = false;
  #dropped = 0;
  #seq = 0;

  constructor(options: EventRecorderOptions) {
    this.#writer = options.writer;
    this.#component = options.component ?? EVENT_COMPONENT;
    this.#instance = options.instance;
    this.#windowMs = options.windowMs ?? 600_000;
    this.#maxPending = Math.max(1, options.maxPending ?? 1000);
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger();
    const counter = options.metrics?.counter({
      name: `${METRIC_PREFIX}events_total`,
      help: 'Kubernetes Events by outcome: created, updated (aggregated), merged before writing, dropped, failed',
      labelNames: ['outcome', 'type'] as const,
    });
    this.#count = (outcome, type) => counter?.inc({ outcome, type });
  }

  /** Occurrences dropped because the pending queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Occurrences (merged) waiting to be written. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Queues an Event about `obj` (an informer object or an explicit reference). Never blocks or throws. */
  record(obj: KubernetesObject | InvolvedObject, type: EventType, reason: string, message: string): void {
    const involved = isInvolvedObject(obj) ? obj : involvedObjectOf(obj);
    const occurrence: EventOccurrence = { involved, type, reason, message };
    const key = correlationKey(occurrence);
    const now = this.#clock.now();
    const waiting = this.#pending.get(key);
    if (waiting) {
      waiting.repeats += 1;
      waiting.lastAt = now;
      this.#count('merged', type);
      return;
    }
    if (this.#pending.size >= this.#maxPending) this.#dropOldest();
    this.#pending.set(key, { key, occurrence, firstAt: now, lastAt: now, repeats: 1 });
    this.#wake?.();
  }

  /** Writes queued Events until `signal` aborts; what is still queued then is dropped. */
  async start(signal: AbortSignal): Promise<void> {
    const onAbort = (): void => this.#wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        const next = this.#pending.values().next();
        if (next.done === true) {
          for (const resolve of this.#idleWaiters.splice(0)) resolve();
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = undefined;
          continue;
        }
        this.#pending.delete(next.value.key);
        this.#writing = true;
        // A write the API never answers must not hold up stop().
        await settleUnlessAborted(this.#write(next.value), signal);
        this.#writing = false;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      for (const p of this.#pending.values()) this.#count('dropped', p.occurrence.type);
      this.#pending.clear();
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  /** Resolves when nothing is queued or being written (for tests and graceful shutdown). */
  idle(): Promise<void> {
    if (this.#pending.size === 0 && !this.#writing) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #dropOldest(): void {
    const oldest = this.#pending.values().next();
    if (oldest.done === true) return;
    this.#pending.delete(oldest.value.key);
    this.#dropped += 1;
    this.#count('dropped', oldest.value.occurrence.type);
  }

  async #write(p: Pending): Promise<void> {
    const { occurrence: o, key } = p;
    const decision = decideEvent(this.#seen.get(key), p.lastAt, this.#windowMs, p.repeats);
    if (decision.kind === 'update') {
      const patch = {
        count: decision.count,
        lastTimestamp: new Date(p.lastAt).toISOString(),
        message: o.message,
      };
      const res = await this.#writer.patch(decision.namespace, decision.name, patch);
      if (res.kind === 'ok') {
        this.#seen.set(key, { ...decision, lastTimestamp: p.lastAt });
        this.#count('updated', o.type);
        return;
      }
      this.#seen.delete(key);
      if (res.kind !== 'notFound') {
        this.#failed(p, res);
        return;
      }
      // The Event expired (events have a TTL) or was deleted: start a new one.
    }
    const namespace = eventNamespace(o.involved);
    const name = this.#eventName(o.involved);
    const res = await this.#writer.create(namespace, this.#body(p, namespace, name));
    if (res.kind !== 'ok') {
      this.#failed(p, res);
      return;
    }
    this.#seen.set(key, { name, namespace, count: p.repeats, lastTimestamp: p.lastAt });
    this.#count('created', o.type);
  }

  #failed(p: Pending, res: Exclude<WriteResult<unknown>, { kind: 'ok' }>): void {
    this.#count('failed', p.occurrence.type);
    this.#log.warn(
      { event: 'event_write_failed', reason: res.kind === 'error' ? res.reason : res.kind, err: res.message },
      'could not write Kubernetes Event',
    );
  }

  /** `<object>.<hex time>` like client-go, plus a sequence so two Events in one ms differ. */
  #eventName(involved: InvolvedObject): string {
    const unique = BigInt(this.#clock.now()) * 1_000_000n + BigInt(this.#seq++ % 1_000_000);
    return `${involved.name}.${unique.toString(16)}`;
  }

  // client-node models are plain data classes; object literals are their documented use.
  #body(p: Pending, namespace: string, name: string): CoreV1Event {
    const { involved, type, reason, message } = p.occurrence;
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { ...involved },
      type,
      reason,
      message,
      count: p.repeats,
      firstTimestamp: new Date(p.firstAt),
      lastTimestamp: new Date(p.lastAt),
      source: {
        component: this.#component,
        ...(this.#instance === undefined ? {} : { host: this.#instance }),
      },
      reportingComponent: this.#component,
      reportingInstance: this.#instance ?? '',
    };
  }
}

/** The EventWriter over client-node's CoreV1Api (create, and merge patch with the field manager). */
export function clientNodeEventWriter(kc: KubeConfig): EventWriter {
  const core = kc.makeApiClient(CoreV1Api);
  const fieldManager = FIELD_MANAGER;
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  return {
    create: async (namespace, body) => {
      try {
        return { kind: 'ok', object: await core.createNamespacedEvent({ namespace, body, fieldManager }) };
      } catch (err) {
        return writeFailure(err);
      }
    },
    patch: async (namespace, name, body) => {
      try {
        return {
          kind: 'ok',
          object: await core.patchNamespacedEvent({ namespace, name, body, fieldManager }, merge),
        };
      } catch (err) {
        return writeFailure(err);
      }
    },
  };
}
