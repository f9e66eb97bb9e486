// The three PATCH formats: RFC 6902 JSON patch, RFC 7386 merge patch, and the subset of Kubernetes'
// strategic merge patch that kubectl (annotate, label, apply, patch) and client-node produce for the
// kinds we serve. All functions are pure: they return a new object or an error Status.

import { badRequest, fail, ok, status, type Result } from './errors.js';

type Json = unknown;
type JsonObject = Record<string, unknown>;

function isObject(v: Json): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function patchFailure(message: string): Result<never> {
  return fail(status(422, 'Invalid', message));
}

// ---- RFC 6902 ---------------------------------------------------------------------------------------

function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: Json, path: readonly string[]): { found: boolean; value: Json } {
  let cur: Json = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) {
      const i = /^(0|[1-9][0-9]*)$/.test(seg) ? Number(seg) : -1;
      if (i < 0 || i >= cur.length) return { found: false, value: undefined };
      cur = cur[i];
    } else if (isObject(cur) && Object.hasOwn(cur, seg)) {
      cur = cur[seg];
    } else return { found: false, value: undefined };
  }
  return { found: true, value: cur };
}

/** Mutates `doc` (a private deep copy). Returns an error message or undefined. */
function setAt(doc: Json, path: readonly string[], value: Json, mode: 'add' | 'replace'): string | undefined {
  const parent = getAt(doc, path.slice(0, -1));
  const last = path[path.length - 1] ?? '';
  if (!parent.found) return `doc is missing path: "/${path.join('/')}"`;
  const p = parent.value;
  if (Array.isArray(p)) {
    if (mode === 'add' && last === '-') {
      p.push(value);
      return undefined;
    }
    const i = /^(0|[1-9][0-9]*)$/.test(last) ? Number(last) : -1;
    const max = mode === 'add' ? p.length : p.length - 1;
    if (i < 0 || i > max) return `unable to access invalid index: ${last}`;
    if (mode === 'add') p.splice(i, 0, value);
    else p[i] = value;
    return undefined;
  }
  if (!isObject(p)) return `doc is missing path: "/${path.join('/')}"`;
  if (mode === 'replace' && !Object.hasOwn(p, last))
    return `replace operation does not apply: doc is missing key: /${path.join('/')}`;
  p[last] = value;
  return undefined;
}

function removeAt(doc: Json, path: readonly string[]): string | undefined {
  const parent = getAt(doc, path.slice(0, -1));
  const last = path[path.length - 1] ?? '';
  const p = parent.value;
  if (parent.found && Array.isArray(p)) {
    const i = /^(0|[1-9][0-9]*)$/.test(last) ? Number(last) : -1;
    if (i < 0 || i >= p.length) return `unable to remove invalid index: ${last}`;
    p.splice(i, 1);
    return undefined;
  }
  if (parent.found && isObject(p) && Object.hasOwn(p, last)) {
    Reflect.deleteProperty(p, last);
    return undefined;
  }
  return `remove operation does not apply: doc is missing path: "/${path.join('/')}"`;
}

function deepEqual(a: Json, b: Json): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: Json): Json {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v)) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical(v[k])]),
    );
  }
  return v;
}

/** Apply an RFC 6902 patch document to `target`. */
export function applyJsonPatch(target: JsonObject, patch: Json): Result<JsonObject> {
  if (!Array.isArray(patch))
    return fail(badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch'));
  const doc: JsonObject = structuredClone(target);
  for (const raw of patch as Json[]) {
    if (!isObject(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') {
      return fail(badRequest('json patch operation must have string "op" and "path"'));
    }
    const op = raw['op'];
    const path = parsePointer(raw['path']);
    if (path === undefined) return patchFailure(`invalid JSON pointer: "${raw['path']}"`);
    const from = typeof raw['from'] === 'string' ? parsePointer(raw['from']) : undefined;
    let err: string | undefined;
    switch (op) {
      case 'add':
      case 'replace':
        if (!Object.hasOwn(raw, 'value')) return patchFailure(`${op} operation missing value`);
        err =
          path.length === 0
            ? 'cannot replace the whole document'
            : setAt(doc, path, structuredClone(raw['value']), op);
        break;
      case 'remove':
        err = removeAt(doc, path);
        break;
      case 'move':
      case 'copy': {
        if (from === undefined) return patchFailure(`${op} operation missing from`);
        const src = getAt(doc, from);
        if (!src.found)
          return patchFailure(
            `${op} operation does not apply: doc is missing from path: ${String(raw['from'])}`,
          );
        if (op === 'move') err = removeAt(doc, from);
        err ??= setAt(doc, path, structuredClone(src.value), 'add');
        break;
      }
      case 'test': {
        const cur = getAt(doc, path);
        if (!cur.found || !deepEqual(cur.value, raw['value'])) {
          return patchFailure(`testing value /${path.join('/')} failed: test failed`);
        }
        break;
      }
      default:
        return patchFailure(`Unexpected kind: ${op}`);
    }
    if (err !== undefined) return patchFailure(err);
  }
  return ok(doc);
}

// ---- RFC 7386 ---------------------------------------------------------------------------------------

function mergeValue(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) Reflect.deleteProperty(out, k);
    else out[k] = mergeValue(out[k], v);
  }
  return out;
}

/** Apply an RFC 7386 merge patch (null deletes, objects merge, everything else replaces). */
export function applyMergePatch(target: JsonObject, patch: Json): Result<JsonObject> {
  if (!isObject(patch)) return fail(badRequest('merge patch must be a JSON object'));
  return ok(mergeValue(target, patch) as JsonObject);
}

// ---- Strategic merge patch (subset) -----------------------------------------------------------------

/** How a list field merges under SMP: by a key field of its elements, or as a set of primitives. */
type ListStrategy = { readonly mergeKey: string } | { readonly primitiveSet: true };

const COMMON_LISTS: Record<string, ListStrategy> = {
  'metadata.finalizers': { primitiveSet: true },
  'metadata.ownerReferences': { mergeKey: 'uid' },
};

/** Per storage key (`group/plural`), the lists with a patchMergeKey in the real Go types. */
const KIND_LISTS: Record<string, Record<string, ListStrategy>> = {
  '/services': { 'spec.ports': { mergeKey: 'port' }, 'status.conditions': { mergeKey: 'type' } },
  '/nodes': {
    'status.addresses': { mergeKey: 'type' },
    'status.conditions': { mergeKey: 'type' },
    'spec.taints': { mergeKey: 'key' },
  },
  '/pods': { 'spec.containers': { mergeKey: 'name' }, 'status.conditions': { mergeKey: 'type' } },
  '/namespaces': { 'status.conditions': { mergeKey: 'type' } },
};

function strategyFor(storageKey: string, path: string): ListStrategy | undefined {
  return COMMON_LISTS[path] ?? KIND_LISTS[storageKey]?.[path];
}

function smpList(
  cur: Json,
  patch: readonly Json[],
  strategy: ListStrategy | undefined,
  deletions: readonly Json[],
): Json[] {
  const base = Array.isArray(cur) ? [...(cur as Json[])] : [];
  if (strategy === undefined) return patch.map((v) => structuredClone(v));
  if ('primitiveSet' in strategy) {
    const out = base.filter((v) => !deletions.some((d) => deepEqual(d, v)));
    for (const v of patch) if (!out.some((e) => deepEqual(e, v))) out.push(v);
    return out;
  }
  const key = strategy.mergeKey;
  let out = base;
  for (const el of patch) {
    if (!isObject(el)) continue;
    const idx = out.findIndex((e) => isObject(e) && deepEqual(e[key], el[key]));
    if (el['$patch'] === 'delete') {
      if (idx >= 0) out = out.filter((_, i) => i !== idx);
      continue;
    }
    if (el['$patch'] === 'replace') return patch.filter((e) => isObject(e) && e['$patch'] !== 'replace');
    if (idx >= 0) out[idx] = smpMap(out[idx], el, '', '');
    else out.push(stripDirectives(el));
  }
  return out;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(val);
  return out;
}

function smpMap(target: Json, patch: JsonObject, storageKey: string, path: string): JsonObject {
  if (patch['$patch'] === 'replace') return stripDirectives(patch) as JsonObject;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  const retain = patch['$retainKeys'];
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    const childPath = path === '' ? k : `${path}.${k}`;
    if (v === null) Reflect.deleteProperty(out, k);
    else if (isObject(v)) {
      if (v['$patch'] === 'delete') Reflect.deleteProperty(out, k);
      else out[k] = smpMap(out[k], v, storageKey, childPath);
    } else if (Array.isArray(v)) {
      const deletions = patch[`$deleteFromPrimitiveList/${k}`];
      out[k] = smpList(
        out[k],
        v as Json[],
        strategyFor(storageKey, childPath),
        Array.isArray(deletions) ? deletions : [],
      );
    } else out[k] = v;
  }
  // `$deleteFromPrimitiveList/x` without a list `x` in the same patch still removes elements.
  for (const [k, v] of Object.entries(patch)) {
    const m = /^\$deleteFromPrimitiveList\/(.+)$/.exec(k);
    const field = m?.[1];
    if (field === undefined || Object.hasOwn(patch, field) || !Array.isArray(v) || !Array.isArray(out[field]))
      continue;
    out[field] = (out[field] as Json[]).filter((e) => !(v as Json[]).some((d) => deepEqual(d, e)));
  }
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) Reflect.deleteProperty(out, k);
  }
  return out;
}

/** Apply a strategic merge patch for a built-in kind identified by its storage key. */
export function applyStrategicMergePatch(
  target: JsonObject,
  patch: Json,
  storageKey: string,
): Result<JsonObject> {
  if (!isObject(patch)) return fail(badRequest('strategic merge patch must be a JSON object'));
  return ok(smpMap(target, patch, storageKey, ''));
}
