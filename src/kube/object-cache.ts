import type { KubernetesObject } from '@kubernetes/client-node';
import { keyOf, objectKey } from './object-key.js';

/** Read access to an informer's cache: what handlers and reconcilers may use. */
export interface ObjectReader<T extends KubernetesObject> {
  /** The cached object for a key ("namespace/name" or "name"). */
  get(key: string): T | undefined;
  /** The cached object by name (and namespace for namespaced kinds). */
  getByName(name: string, namespace?: string): T | undefined;
  /** All cached objects, or those of one namespace. */
  list(namespace?: string): T[];
  /** True once the first list has been applied. */
  hasSynced(): boolean;
}

/** How one object changed when it was written into the cache. */
export type UpsertResult<T> =
  { readonly kind: 'added' } | { readonly kind: 'updated'; readonly old: T } | { readonly kind: 'unchanged' };

/** What replacing the whole cache with a fresh list changed. */
export interface SnapshotDiff<T> {
  readonly added: T[];
  readonly updated: { readonly old: T; readonly current: T }[];
  /** Objects that vanished while we were not watching; each is the last state we saw. */
  readonly deleted: T[];
}

function sameVersion(a: KubernetesObject, b: KubernetesObject): boolean {
  const rv = a.metadata?.resourceVersion;
  return rv !== undefined && rv !== '' && rv === b.metadata?.resourceVersion;
}

/** The informer's local copy of one resource, keyed by objectKey(). */
export class ObjectCache<T extends KubernetesObject> {
  #items = new Map<string, T>();

  get size(): number {
    return this.#items.size;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  getByName(name: string, namespace?: string): T | undefined {
    return this.#items.get(keyOf(name, namespace));
  }

  list(namespace?: string): T[] {
    const all = [...this.#items.values()];
    return namespace === undefined ? all : all.filter((o) => (o.metadata?.namespace ?? '') === namespace);
  }

  /** Stores `obj`; an object with the resourceVersion already cached counts as unchanged. */
  upsert(obj: T): UpsertResult<T> {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (old !== undefined && sameVersion(old, obj)) return { kind: 'unchanged' };
    this.#items.set(key, obj);
    return old === undefined ? { kind: 'added' } : { kind: 'updated', old };
  }

  /** Removes the object with `obj`'s key; returns what was cached (undefined if nothing was). */
  remove(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    this.#items.delete(key);
    return old;
  }

  /** Replaces the content with a full list and reports the difference (the relist diff). */
  replace(items: readonly T[]): SnapshotDiff<T> {
    const next = new Map<string, T>();
    const added: T[] = [];
    const updated: { old: T; current: T }[] = [];
    for (const item of items) {
      const key = objectKey(item);
      next.set(key, item);
      const old = this.#items.get(key);
      if (old === undefined) added.push(item);
      else if (!sameVersion(old, item)) updated.push({ old, current: item });
    }
    const deleted: T[] = [];
    for (const [key, old] of this.#items) if (!next.has(key)) deleted.push(old);
    this.#items = next;
    return { added, updated, deleted };
  }
}
