// Small helpers over stored objects: presenting them at a requested version, metadata stamps, deep
// equality. Kept apart so handlers, watch and admission share one definition.

import { randomInt, randomUUID } from 'node:crypto';
import { fromEventsV1, toEventsV1 } from './events.js';
import { apiVersionOf, type ResourceDef } from './registry.js';
import { meta, type Obj } from './store.js';

/** The object as seen through `def`'s group/version: apiVersion and kind first, like real responses. */
export function present(def: ResourceDef, obj: Obj): Obj {
  const out: Obj = { apiVersion: apiVersionOf(def), kind: def.kind };
  const view = isEventsV1(def) ? toEventsV1(obj) : obj;
  for (const k in view) if (k !== 'apiVersion' && k !== 'kind') out[k] = view[k];
  return out;
}

/** The events.k8s.io/v1 view of Events, stored as core/v1 Events. */
export function isEventsV1(def: ResourceDef): boolean {
  return def.group === 'events.k8s.io' && def.plural === 'events';
}

/** A request body in `def`'s view converted to the storage shape. */
export function toStorageShape(def: ResourceDef, obj: Obj): Obj {
  return isEventsV1(def) ? fromEventsV1(obj) : obj;
}

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function timestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** A new uid (v4 UUID, as the real server uses). */
export function newUid(): string {
  return randomUUID();
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** generateName suffix: 5 characters from the alphabet apimachinery uses (no vowels, no confusables). */
export function generatedSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)] ?? 'x';
  return s;
}

/** Structural equality of JSON values, independent of key order. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]));
}

/** The object without the fields that do not count for metadata.generation. */
export function specPart(obj: Obj, statusSubresource: boolean): Obj {
  const skip = new Set(['metadata', 'apiVersion', 'kind', ...(statusSubresource ? ['status'] : [])]);
  const out: Obj = {};
  for (const k in obj) if (!skip.has(k)) out[k] = obj[k];
  return out;
}

/** Writable copy of the metadata map of a (private copy of an) object. */
export function mutableMeta(obj: Obj): Record<string, unknown> {
  const m = { ...meta(obj) };
  obj['metadata'] = m;
  return m;
}

/** Non-empty metadata.finalizers. */
export function finalizersOf(obj: Obj): string[] {
  const f = meta(obj)['finalizers'];
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Paths (like `spec.foo`, `spec.list[1].x`) present in `input` but gone from `admitted`: the unknown
 * fields that structural pruning dropped. metadata, apiVersion and kind are the server's and skipped;
 * null values are skipped because pruning drops them silently on a real server too.
 */
export function droppedFields(input: unknown, admitted: unknown, path = ''): string[] {
  if (Array.isArray(input)) {
    if (!Array.isArray(admitted)) return [];
    return input.flatMap((v, i) => droppedFields(v, admitted[i], `${path}[${i}]`));
  }
  if (typeof input !== 'object' || input === null) return [];
  if (typeof admitted !== 'object' || admitted === null || Array.isArray(admitted)) return [];
  const a = admitted as Record<string, unknown>;
  const out: string[] = [];
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    if (path === '' && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
    if (v === null || v === undefined) continue;
    const p = path === '' ? k : `${path}.${k}`;
    if (!Object.hasOwn(a, k)) out.push(p);
    else out.push(...droppedFields(v, a[k], p));
  }
  return out;
}
