// JSON values as the Kubernetes CEL environment sees them: integers are CEL int (bigint), numbers
// double, date-time strings timestamps, and object properties use the escaped field names
// (`foo-bar` becomes `foo__dash__bar`, a reserved word `namespace` becomes `__namespace__`).

import type { StructuralSchema } from './structural.js';

const RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/** The CEL name of an object property, or undefined when CEL cannot address it. */
export function escapeFieldName(name: string): string | undefined {
  if (RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_./-][a-zA-Z0-9_./-]*$/.test(name)) return undefined;
  return name
    .replaceAll('__', '__underscores__')
    .replaceAll('.', '__dot__')
    .replaceAll('-', '__dash__')
    .replaceAll('/', '__slash__');
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An untyped JSON value (under x-kubernetes-preserve-unknown-fields): integers still become int. */
function dynToCel(x: unknown): unknown {
  if (typeof x === 'number') return Number.isInteger(x) ? BigInt(x) : x;
  if (Array.isArray(x)) return x.map(dynToCel);
  if (isObj(x)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = dynToCel(v);
    return out;
  }
  return x;
}

/** Convert `x` (described by `s`) for use as `self`/`oldSelf`. `isRoot` narrows metadata as Kubernetes does. */
export function toCel(x: unknown, s: StructuralSchema | undefined, isRoot = false): unknown {
  if (s === undefined) return dynToCel(x);
  if (x === null || x === undefined) return null;
  if (typeof x === 'number') {
    if (s.type === 'number') return x;
    return Number.isInteger(x) ? BigInt(x) : x;
  }
  if (typeof x === 'string') {
    if (s.type === 'string' && s.format === 'date-time') {
      const d = new Date(x);
      if (!Number.isNaN(d.getTime())) return d;
    }
    return x;
  }
  if (Array.isArray(x)) return x.map((v) => toCel(v, s.items));
  if (!isObj(x)) return x;
  const out: Record<string, unknown> = {};
  const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  for (const [k, v] of Object.entries(x)) {
    if ((isRoot || s.embeddedResource) && k === 'metadata' && isObj(v)) {
      // Rules only see metadata.name and metadata.generateName.
      const meta: Record<string, unknown> = {};
      if (typeof v['name'] === 'string') meta['name'] = v['name'];
      if (typeof v['generateName'] === 'string') meta['generateName'] = v['generateName'];
      out['metadata'] = meta;
      continue;
    }
    const prop = s.properties?.get(k);
    if (prop !== undefined) {
      const name = escapeFieldName(k);
      if (name !== undefined) out[name] = toCel(v, prop);
    } else if (additional !== undefined) {
      out[k] = toCel(v, additional);
    } else {
      out[k] = dynToCel(v);
    }
  }
  return out;
}
