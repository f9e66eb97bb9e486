// Structural pruning, null pruning and defaulting, in the order the real apiserver applies them when
// it decodes a custom resource: prune unknown fields, drop nulls of non-nullable fields without a
// default, then apply defaults. All functions mutate the (already cloned) value in place.

import type { StructuralSchema } from './structural.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fields an embedded resource (and the resource root) always keeps, whatever the schema lists. */
const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

function mapSchema(s: StructuralSchema): StructuralSchema | undefined {
  return typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
}

function keepsAll(s: StructuralSchema): boolean {
  return s.preserveUnknownFields || s.additionalProperties === true;
}

/**
 * Remove every field the schema does not specify. Under x-kubernetes-preserve-unknown-fields unknown
 * fields stay as they are, but known ones are still pruned below. `isRoot` keeps apiVersion, kind and
 * metadata at the resource root.
 */
export function prune(x: unknown, s: StructuralSchema | undefined, isRoot: boolean): void {
  if (Array.isArray(x)) {
    if (s?.preserveUnknownFields && s.items === undefined) return;
    for (const item of x) prune(item, s?.items, false);
    return;
  }
  if (!isObj(x)) return;
  const keepMeta = isRoot || s?.embeddedResource === true;
  for (const key of Object.keys(x)) {
    if (keepMeta && META_FIELDS.has(key)) {
      // metadata is ObjectMeta, coerced by the server itself; apiVersion/kind are strings.
      continue;
    }
    const prop = s?.properties?.get(key);
    if (prop !== undefined) {
      prune(x[key], prop, false);
      continue;
    }
    const additional = s === undefined ? undefined : mapSchema(s);
    if (additional !== undefined) {
      prune(x[key], additional, false);
      continue;
    }
    if (s !== undefined && keepsAll(s)) continue;
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- pruning is deletion by key
    delete x[key];
  }
}

/** Drop `field: null` where the field is neither nullable nor defaulted (the real server does this silently). */
export function pruneNulls(x: unknown, s: StructuralSchema | undefined): void {
  if (s === undefined) return;
  if (Array.isArray(x)) {
    for (const item of x) pruneNulls(item, s.items);
    return;
  }
  if (!isObj(x)) return;
  for (const key of Object.keys(x)) {
    const prop = s.properties?.get(key) ?? mapSchema(s);
    if (prop === undefined) continue;
    if (x[key] === null && !prop.nullable && !prop.hasDefault) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- see above
      delete x[key];
      continue;
    }
    pruneNulls(x[key], prop);
  }
}

function isNonNullableNull(v: unknown, s: StructuralSchema): boolean {
  return v === null && !s.nullable;
}

/**
 * Apply `default` to missing fields (and to nulls of non-nullable fields), then recurse, so defaults
 * inside a defaulted object apply too; list items and map values are defaulted by their schema.
 */
export function applyDefaults(x: unknown, s: StructuralSchema | undefined): void {
  if (s === undefined) return;
  if (Array.isArray(x)) {
    const items = s.items;
    if (items === undefined) return;
    for (let i = 0; i < x.length; i++) {
      if (items.hasDefault && isNonNullableNull(x[i], items)) x[i] = structuredClone(items.default);
      applyDefaults(x[i], items);
    }
    return;
  }
  if (!isObj(x)) return;
  if (s.properties) {
    for (const [key, prop] of s.properties) {
      if (!prop.hasDefault) continue;
      if (!(key in x) || isNonNullableNull(x[key], prop)) x[key] = structuredClone(prop.default);
    }
  }
  const additional = mapSchema(s);
  for (const key of Object.keys(x)) {
    const prop = s.properties?.get(key);
    if (prop !== undefined) {
      applyDefaults(x[key], prop);
    } else if (additional !== undefined) {
      if (additional.hasDefault && isNonNullableNull(x[key], additional))
        x[key] = structuredClone(additional.default);
      applyDefaults(x[key], additional);
    }
  }
}
