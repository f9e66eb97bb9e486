import type { KubernetesObject } from '@kubernetes/client-node';

/** The object an Event is about (core/v1 ObjectReference). */
export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Empty or absent for cluster-scoped objects (their Events go to `default`). */
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

export type EventType = 'Normal' | 'Warning';

/** One occurrence to record. */
export interface EventOccurrence {
  readonly involved: InvolvedObject;
  readonly type: EventType;
  /** UpperCamelCase, machine-readable: `IPAllocated`, `NoFreeIP`, ... */
  readonly reason: string;
  readonly message: string;
}

/** An Event we wrote and may update while repeats keep coming. */
export interface SeenEvent {
  readonly name: string;
  readonly namespace: string;
  readonly count: number;
  readonly lastTimestamp: number;
}

/** What to do with a batch of `repeats` identical occurrences. */
export type EventDecision =
  | { readonly kind: 'create' }
  | { readonly kind: 'update'; readonly name: string; readonly namespace: string; readonly count: number };

/** Builds the reference of an object as delivered by an informer (wire form). */
export function involvedObjectOf(obj: KubernetesObject): InvolvedObject {
  const m = obj.metadata;
  return {
    apiVersion: obj.apiVersion ?? '',
    kind: obj.kind ?? '',
    name: m?.name ?? '',
    ...(m?.namespace === undefined ? {} : { namespace: m.namespace }),
    ...(m?.uid === undefined ? {} : { uid: m.uid }),
    ...(m?.resourceVersion === undefined ? {} : { resourceVersion: m.resourceVersion }),
  };
}

/** The namespace an Event for `involved` lives in (client-go puts cluster-scoped ones in `default`). */
export function eventNamespace(involved: InvolvedObject): string {
  return involved.namespace === undefined || involved.namespace === '' ? 'default' : involved.namespace;
}

/**
 * Identity of "the same event" for aggregation, like client-go's getEventKey: the involved object
 * (without resourceVersion, which changes on every write), type, reason and message.
 */
export function correlationKey(e: EventOccurrence): string {
  const o = e.involved;
  return JSON.stringify([
    o.apiVersion,
    o.kind,
    o.namespace ?? '',
    o.name,
    o.uid ?? '',
    e.type,
    e.reason,
    e.message,
  ]);
}

/**
 * Decides whether repeats update the Event we already wrote (same key, last written within
 * `windowMs`) or need a new Event. Pure.
 */
export function decideEvent(
  seen: SeenEvent | undefined,
  now: number,
  windowMs: number,
  repeats: number,
): EventDecision {
  if (seen === undefined || now - seen.lastTimestamp > windowMs) return { kind: 'create' };
  return { kind: 'update', name: seen.name, namespace: seen.namespace, count: seen.count + repeats };
}

/** A size-bounded memory of written Events (least recently used entries go first). */
export class SeenEvents {
  readonly #entries = new Map<string, SeenEvent>();

  constructor(private readonly maxEntries = 4096) {}

  get(key: string): SeenEvent | undefined {
    return this.#entries.get(key);
  }

  set(key: string, seen: SeenEvent): void {
    this.#entries.delete(key);
    this.#entries.set(key, seen);
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}
