// How a value of the new object finds "the same" value in the old object (for ratcheting and CEL
// transition rules): object fields by name, map values by key, list items only in
// x-kubernetes-list-type=map lists, by their key fields. Everything else has no old counterpart.

import type { StructuralSchema } from './structural.js';

/** The old counterpart of a value, if the value is correlatable and the old object had it. */
export type Old = { readonly has: true; readonly value: unknown } | { readonly has: false };

export const NO_OLD: Old = { has: false };

export function oldOf(value: unknown): Old {
  return value === undefined ? NO_OLD : { has: true, value };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON deep equality (object key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObj(a)) {
    if (!isObj(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** The old value of field `key` of an object, or of map entry `key`. */
export function oldField(old: Old, key: string): Old {
  if (!old.has || !isObj(old.value)) return NO_OLD;
  return oldOf(old.value[key]);
}

/** The key fields of a list-map item, for matching and for Duplicate errors. */
export function listMapKey(item: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
  if (!isObj(item)) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in item) out[k] = item[k];
  return out;
}

/** The old counterpart of item `item` of a list, by the list's map keys. */
export function oldListItem(old: Old, item: unknown, s: StructuralSchema): Old {
  if (!old.has || !Array.isArray(old.value) || s.listType !== 'map' || !s.listMapKeys) return NO_OLD;
  const key = listMapKey(item, s.listMapKeys);
  if (key === undefined) return NO_OLD;
  const keys = s.listMapKeys;
  const match = (old.value as unknown[]).find((o) => deepEqual(listMapKey(o, keys), key));
  return oldOf(match);
}
