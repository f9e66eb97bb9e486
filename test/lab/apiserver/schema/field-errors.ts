// Field errors shaped like k8s.io/apimachinery/pkg/util/validation/field: the cause `message` is
// ErrorBody() (type text, Go-formatted bad value, detail) and `field` is the dotted path.

import type { StatusCause } from './index.js';

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError';

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueTypeInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
};

/** The types whose body never shows the bad value (as in apimachinery). */
const VALUELESS = new Set<FieldErrorType>([
  'FieldValueRequired',
  'FieldValueForbidden',
  'FieldValueTooLong',
  'InternalError',
]);

export interface FieldError {
  readonly type: FieldErrorType;
  /** Dotted path, e.g. spec.ports[0].port; '<nil>' for the root as the real server prints it. */
  readonly field: string;
  readonly value: unknown;
  readonly detail: string;
}

/** A path being built while walking: segments are rendered like field.Path.String(). */
export type FieldPath = readonly string[];

export const ROOT: FieldPath = [];

export function child(path: FieldPath, name: string): FieldPath {
  return [...path, path.length === 0 ? name : `.${name}`];
}

export function index(path: FieldPath, i: number | string): FieldPath {
  return [...path, `[${i}]`];
}

export function pathString(path: FieldPath): string {
  return path.length === 0 ? '<nil>' : path.join('');
}

/**
 * Go's %v for a float64: strconv 'g' with the shortest precision, which switches to exponent form
 * when the decimal exponent is < -4 or >= 6 (so 1000000 prints as 1e+06).
 */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  if (n === 0) return '0';
  const [mant = '', e = '0'] = n.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

/** Go's %#v for the few shapes a bad value can have here (maps of list-map keys, lists). */
function goSharpV(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharpV).join(', ')}}`;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return `map[string]interface {}{${entries.map(([k, x]) => `${JSON.stringify(k)}:${goSharpV(x)}`).join(', ')}}`;
}

/** The bad value as ErrorBody prints it: %q for strings, %v for numbers and bools, %#v otherwise. */
export function formatBadValue(v: unknown): string {
  // Go turns a nil bad value into the string "null", then quotes it like any string.
  if (v === null || v === undefined) return '"null"';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return goSharpV(v);
}

/** ErrorBody(): what goes into StatusCause.message. */
export function errorBody(e: FieldError): string {
  let s = TYPE_TEXT[e.type];
  if (!VALUELESS.has(e.type) && e.value !== OMIT) s += `: ${formatBadValue(e.value)}`;
  if (e.detail !== '') s += `: ${e.detail}`;
  return s;
}

/** Marker for errors whose value must not be printed. */
export const OMIT: unique symbol = Symbol('omit');

export function toCause(e: FieldError): StatusCause {
  return { reason: e.type, message: errorBody(e), field: e.field };
}

export const fe = {
  required: (path: FieldPath, detail = ''): FieldError => ({
    type: 'FieldValueRequired',
    field: pathString(path),
    value: '',
    detail,
  }),
  invalid: (path: FieldPath, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueInvalid',
    field: pathString(path),
    value,
    detail,
  }),
  typeInvalid: (path: FieldPath, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueTypeInvalid',
    field: pathString(path),
    value,
    detail,
  }),
  notSupported: (path: FieldPath, value: unknown, supported: readonly string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field: pathString(path),
    value,
    detail:
      supported.length > 0 ? `supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}` : '',
  }),
  forbidden: (path: FieldPath, detail: string): FieldError => ({
    type: 'FieldValueForbidden',
    field: pathString(path),
    value: '',
    detail,
  }),
  duplicate: (path: FieldPath, value: unknown): FieldError => ({
    type: 'FieldValueDuplicate',
    field: pathString(path),
    value,
    detail: '',
  }),
  tooLong: (path: FieldPath, value: unknown, max: number): FieldError => ({
    type: 'FieldValueTooLong',
    field: pathString(path),
    value,
    detail: max >= 0 ? `may not be longer than ${max}` : 'value is too long',
  }),
  tooMany: (path: FieldPath, actual: number, max: number): FieldError => ({
    type: 'FieldValueTooMany',
    field: pathString(path),
    value: actual >= 0 ? actual : OMIT,
    detail: max >= 0 ? `must have at most ${max} items` : 'has too many items',
  }),
};
