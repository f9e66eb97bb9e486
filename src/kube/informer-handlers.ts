import type { KubernetesObject } from '@kubernetes/client-node';
import { objectKey } from './object-key.js';

/** Callbacks for cache changes. Keep them cheap and synchronous: map the object to a queue key. */
export interface InformerHandlers<T> {
  readonly onAdd?: (obj: T) => void;
  readonly onUpdate?: (oldObj: T, newObj: T) => void;
  /** Receives the last known state (for deletes found by a relist, the state before we lost the watch). */
  readonly onDelete?: (obj: T) => void;
}

/** Which callback a change goes to. */
export type ChangeKind = 'add' | 'update' | 'delete';

/**
 * The informer's registered handlers. A handler that throws never stops delivery to the others or
 * the informer itself; the error goes to `onError`.
 */
export class HandlerSet<T> {
  readonly #handlers: InformerHandlers<T>[] = [];

  constructor(private readonly onError: (kind: ChangeKind, err: unknown) => void) {}

  add(handlers: InformerHandlers<T>): void {
    this.#handlers.push(handlers);
  }

  /** Delivers one change to every handler (`old` only matters for updates). */
  deliver(kind: ChangeKind, obj: T, old?: T): void {
    for (const h of this.#handlers) this.deliverTo(h, kind, obj, old);
  }

  /** Delivers one change to one handler. */
  deliverTo(h: InformerHandlers<T>, kind: ChangeKind, obj: T, old?: T): void {
    try {
      if (kind === 'add') h.onAdd?.(obj);
      else if (kind === 'update') h.onUpdate?.(old ?? obj, obj);
      else h.onDelete?.(obj);
    } catch (err) {
      this.onError(kind, err);
    }
  }
}

/**
 * Handlers that turn every change into a queue key (level-triggered: the reconciler reads the
 * latest state from the cache). `keyOf` may map an object to another object's key, or to none.
 */
export function enqueueHandlers<T extends KubernetesObject>(
  queue: { add(key: string): void },
  keyOf: (obj: T) => string | undefined = objectKey,
): InformerHandlers<T> {
  const enqueue = (obj: T): void => {
    const key = keyOf(obj);
    if (key !== undefined) queue.add(key);
  };
  return {
    onAdd: enqueue,
    onUpdate: (_old, obj) => {
      enqueue(obj);
    },
    onDelete: enqueue,
  };
}
