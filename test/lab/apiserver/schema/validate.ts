// OpenAPI value validation of a custom resource, with the messages kube-openapi produces and the
// conversion apiextensions applies to field errors. Validation ratchets like Kubernetes >= 1.30: a
// value equal to its old counterpart is not re-validated, so stored objects stay updatable.

import { deepEqual, listMapKey, NO_OLD, oldField, oldListItem, type Old } from './correlate.js';
import { child, fe, goFloat, index, pathString, type FieldError, type FieldPath } from './field-errors.js';
import { formatOk } from './formats.js';
import type { StructuralSchema } from './structural.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON type name kube-openapi reports for a decoded value. */
export function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function typeMatches(want: string, got: string): boolean {
  if (want === got) return true;
  return want === 'number' && got === 'integer';
}

/** Limits print as integers against integer data (kube-openapi's *Int variants), else as Go floats. */
function limit(n: number, data: number): string {
  return Number.isInteger(data) ? String(Math.trunc(n)) : goFloat(n);
}

function enumText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function validateNumber(x: number, s: StructuralSchema, path: FieldPath, out: FieldError[]): void {
  const name = pathString(path);
  if (s.maximum !== undefined && (s.exclusiveMaximum ? x >= s.maximum : x > s.maximum)) {
    const rel = s.exclusiveMaximum ? 'less than' : 'less than or equal to';
    out.push(fe.invalid(path, x, `${name} in body should be ${rel} ${limit(s.maximum, x)}`));
  }
  if (s.minimum !== undefined && (s.exclusiveMinimum ? x <= s.minimum : x < s.minimum)) {
    const rel = s.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
    out.push(fe.invalid(path, x, `${name} in body should be ${rel} ${limit(s.minimum, x)}`));
  }
  if (s.multipleOf !== undefined && s.multipleOf > 0) {
    const q = x / s.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) {
      out.push(fe.invalid(path, x, `${name} in body should be a multiple of ${goFloat(s.multipleOf)}`));
    }
  }
}

function validateString(x: string, s: StructuralSchema, path: FieldPath, out: FieldError[]): void {
  const name = pathString(path);
  const length = Array.from(x).length; // code points, like Go's rune count
  if (s.maxLength !== undefined && length > s.maxLength) out.push(fe.tooLong(path, x, s.maxLength));
  if (s.minLength !== undefined && length < s.minLength) {
    out.push(fe.invalid(path, x, `${name} in body should be at least ${s.minLength} chars long`));
  }
  if (s.pattern?.regexp !== undefined && !s.pattern.regexp.test(x)) {
    out.push(fe.invalid(path, x, `${name} in body should match '${s.pattern.source}'`));
  }
  if (s.type === 'string' && s.format !== undefined && !formatOk(s.format, x)) {
    out.push(fe.typeInvalid(path, x, `${name} in body must be of type ${s.format}: ${JSON.stringify(x)}`));
  }
}

function validateArray(
  x: unknown[],
  s: StructuralSchema,
  path: FieldPath,
  old: Old,
  out: FieldError[],
): void {
  const name = pathString(path);
  if (s.items !== undefined) {
    const items = s.items;
    x.forEach((item, i) => {
      validateValue(item, items, index(path, i), oldListItem(old, item, s), out);
    });
  }
  if (s.minItems !== undefined && x.length < s.minItems) {
    out.push(fe.invalid(path, x.length, `${name} in body should have at least ${s.minItems} items`));
  }
  if (s.maxItems !== undefined && x.length > s.maxItems) out.push(fe.tooMany(path, x.length, s.maxItems));
  if (s.uniqueItems && x.some((v, i) => x.findIndex((w) => deepEqual(v, w)) !== i)) {
    out.push(fe.invalid(path, '', `${name} in body shouldn't contain duplicates`));
  }
  if (s.listType === 'set') {
    x.forEach((v, i) => {
      if (x.findIndex((w) => deepEqual(v, w)) !== i) out.push(fe.duplicate(index(path, i), v));
    });
  } else if (s.listType === 'map' && s.listMapKeys) {
    const keys = s.listMapKeys;
    const seen: Obj[] = [];
    x.forEach((v, i) => {
      const key = listMapKey(v, keys);
      if (key === undefined) return;
      if (seen.some((k) => deepEqual(k, key))) out.push(fe.duplicate(index(path, i), key));
      else seen.push(key);
    });
  }
}

function validateObject(x: Obj, s: StructuralSchema, path: FieldPath, old: Old, out: FieldError[]): void {
  for (const r of s.required) if (!(r in x)) out.push(fe.required(child(path, r)));
  const count = Object.keys(x).length;
  const name = pathString(path);
  if (s.minProperties !== undefined && count < s.minProperties) {
    out.push(
      fe.invalid(path, s.minProperties, `${name} in body should have at least ${s.minProperties} properties`),
    );
  }
  if (s.maxProperties !== undefined && count > s.maxProperties)
    out.push(fe.tooMany(path, s.maxProperties, -1));
  const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  for (const [key, value] of Object.entries(x)) {
    const prop = s.properties?.get(key) ?? additional;
    if (prop !== undefined) validateValue(value, prop, child(path, key), oldField(old, key), out);
  }
}

/** allOf/anyOf/oneOf/not, reported like go-openapi's composite errors. */
function validateComposition(x: unknown, s: StructuralSchema, path: FieldPath, out: FieldError[]): void {
  const quoted = JSON.stringify(pathString(path));
  const run = (sub: StructuralSchema): FieldError[] => {
    const errs: FieldError[] = [];
    validateValue(x, sub, path, NO_OLD, errs);
    return errs;
  };
  if (s.allOf) {
    const failures = s.allOf.map(run).filter((e) => e.length > 0);
    if (failures.length > 0) {
      out.push(fe.invalid(path, '', `${quoted} must validate all the schemas (allOf)`));
      for (const f of failures) out.push(...f);
    }
  }
  if (s.anyOf) {
    const results = s.anyOf.map(run);
    if (!results.some((r) => r.length === 0)) {
      out.push(fe.invalid(path, '', `${quoted} must validate at least one schema (anyOf)`));
      const best = results.reduce((a, b) => (b.length < a.length ? b : a), results[0] ?? []);
      out.push(...best);
    }
  }
  if (s.oneOf) {
    const results = s.oneOf.map(run);
    const valid = results.filter((r) => r.length === 0).length;
    if (valid === 0) {
      out.push(
        fe.invalid(path, '', `${quoted} must validate one and only one schema (oneOf). Found none valid`),
      );
      const best = results.reduce((a, b) => (b.length < a.length ? b : a), results[0] ?? []);
      out.push(...best);
    } else if (valid > 1) {
      out.push(
        fe.invalid(
          path,
          '',
          `${quoted} must validate one and only one schema (oneOf). Found ${valid} valid alternatives`,
        ),
      );
    }
  }
  if (s.not && run(s.not).length === 0) {
    out.push(fe.invalid(path, '', `${quoted} must not validate the schema (not)`));
  }
}

/**
 * Validate `x` against `s` at `path`, appending field errors to `out`. `old` is the correlated old
 * value on updates: when `x` equals it, nothing below is checked (validation ratcheting).
 */
export function validateValue(
  x: unknown,
  s: StructuralSchema,
  path: FieldPath,
  old: Old,
  out: FieldError[],
): void {
  if (old.has && deepEqual(x, old.value)) return;
  const name = pathString(path);
  const got = jsonType(x);
  if (got === 'null') {
    if (s.type !== undefined && !s.nullable) {
      out.push(fe.typeInvalid(path, 'null', `${name} in body must be of type ${s.type}: "null"`));
    }
    return;
  }
  if (s.type !== undefined && !typeMatches(s.type, got)) {
    out.push(fe.typeInvalid(path, got, `${name} in body must be of type ${s.type}: ${JSON.stringify(got)}`));
    return;
  }
  if (s.enum !== undefined && !s.enum.some((e) => deepEqual(e, x))) {
    out.push(fe.notSupported(path, x, s.enum.map(enumText)));
  }
  if (typeof x === 'number') validateNumber(x, s, path, out);
  else if (typeof x === 'string') validateString(x, s, path, out);
  else if (Array.isArray(x)) validateArray(x, s, path, old, out);
  else if (isObj(x)) validateObject(x, s, path, old, out);
  if (s.allOf || s.anyOf || s.oneOf || s.not) validateComposition(x, s, path, out);
}
