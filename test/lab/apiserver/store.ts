// In-memory object storage with one global resourceVersion counter (like etcd's revision), a bounded
// history of changes for watch-from-resourceVersion, and the live watchers that receive changes.

/** A stored object: plain JSON. */
export type Obj = Record<string, unknown>;

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change. `old` is the previous state, so watchers with selectors can compute transitions. */
export interface Change {
  readonly rv: number;
  readonly storageKey: string;
  readonly namespace: string;
  readonly type: ChangeType;
  readonly object: Obj;
  readonly old: Obj | undefined;
}

/** Receives committed changes of one storage key. */
export type Listener = (change: Change) => void;

/** Namespace and name of an object; '' for cluster-scoped namespace. */
export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Read metadata without trusting its shape. */
export function meta(obj: Obj): Record<string, unknown> {
  const m = obj['metadata'];
  return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as Record<string, unknown>) : {};
}

/** A string metadata field, or ''. */
export function metaString(obj: Obj, field: string): string {
  const v = meta(obj)[field];
  return typeof v === 'string' ? v : '';
}

/**
 * Objects grouped per storage key, each a Map keyed by `namespace/name`. Objects handed out are the stored
 * ones: callers must not mutate them (writers always replace whole objects).
 */
export class Store {
  private revision: number;
  private readonly tables = new Map<string, Map<string, Obj>>();
  /** Ring buffer of the last `historyLimit` changes, oldest at `head`. */
  private readonly ring: (Change | undefined)[];
  private head = 0;
  private size = 0;
  /** The rv of the newest change that fell out of history; watches from before it get 410. */
  private compactedRv = 0;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(historyLimit: number, initialRevision = 1) {
    this.ring = new Array<Change | undefined>(Math.max(1, historyLimit));
    this.revision = initialRevision;
  }

  /** The newest committed resourceVersion. */
  get currentRv(): number {
    return this.revision;
  }

  /** Allocate the resourceVersion for the next write. */
  nextRv(): number {
    this.revision += 1;
    return this.revision;
  }

  private table(storageKey: string): Map<string, Obj> {
    let t = this.tables.get(storageKey);
    if (t === undefined) {
      t = new Map();
      this.tables.set(storageKey, t);
    }
    return t;
  }

  get(storageKey: string, namespace: string, name: string): Obj | undefined {
    return this.tables.get(storageKey)?.get(objectKey(namespace, name));
  }

  /** Every object of a storage key, optionally of one namespace, sorted by namespace/name like etcd. */
  list(storageKey: string, namespace: string | undefined): Obj[] {
    const t = this.tables.get(storageKey);
    if (t === undefined) return [];
    const keys = [...t.keys()].sort();
    const prefix = namespace === undefined ? undefined : `${namespace}/`;
    const out: Obj[] = [];
    for (const k of keys) {
      if (prefix !== undefined && !k.startsWith(prefix)) continue;
      const o = t.get(k);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  /** Store `obj` (whose metadata.resourceVersion must already be `rv`) and notify watchers. */
  put(storageKey: string, namespace: string, name: string, obj: Obj, rv: number): Change {
    const t = this.table(storageKey);
    const key = objectKey(namespace, name);
    const old = t.get(key);
    t.set(key, obj);
    return this.commit({
      rv,
      storageKey,
      namespace,
      type: old === undefined ? 'ADDED' : 'MODIFIED',
      object: obj,
      old,
    });
  }

  /** Remove an object; `finalState` is what watchers see in the DELETED event (with the deletion's rv). */
  remove(
    storageKey: string,
    namespace: string,
    name: string,
    finalState: Obj,
    rv: number,
  ): Change | undefined {
    const t = this.tables.get(storageKey);
    const key = objectKey(namespace, name);
    const old = t?.get(key);
    if (t === undefined || old === undefined) return undefined;
    t.delete(key);
    return this.commit({ rv, storageKey, namespace, type: 'DELETED', object: finalState, old });
  }

  /** Drop every object of a storage key without events (a CRD's data vanishing with it). */
  dropTable(storageKey: string): void {
    this.tables.delete(storageKey);
  }

  private commit(change: Change): Change {
    const cap = this.ring.length;
    if (this.size === cap) {
      const dropped = this.ring[this.head];
      if (dropped !== undefined) this.compactedRv = dropped.rv;
      this.ring[this.head] = change;
      this.head = (this.head + 1) % cap;
    } else {
      this.ring[(this.head + this.size) % cap] = change;
      this.size += 1;
    }
    const ls = this.listeners.get(change.storageKey);
    if (ls !== undefined) for (const l of [...ls]) l(change);
    return change;
  }

  /**
   * Changes of one storage key after `fromRv`, or undefined when some of them are no longer retained
   * (the caller answers 410 Expired).
   */
  changesSince(storageKey: string, fromRv: number): Change[] | undefined {
    if (fromRv < this.compactedRv) return undefined;
    const out: Change[] = [];
    const cap = this.ring.length;
    // Binary search for the first retained change with rv > fromRv: rvs in the ring are increasing.
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.ring[(this.head + mid) % cap];
      if (c !== undefined && c.rv <= fromRv) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.size; i++) {
      const c = this.ring[(this.head + i) % cap];
      if (c !== undefined && c.storageKey === storageKey) out.push(c);
    }
    return out;
  }

  /** The oldest resourceVersion a watch can still start from. */
  get oldestWatchableRv(): number {
    return this.compactedRv;
  }

  /** Subscribe to changes of one storage key; returns the unsubscribe function. */
  subscribe(storageKey: string, listener: Listener): () => void {
    let ls = this.listeners.get(storageKey);
    if (ls === undefined) {
      ls = new Set();
      this.listeners.set(storageKey, ls);
    }
    ls.add(listener);
    return () => {
      ls.delete(listener);
    };
  }
}
