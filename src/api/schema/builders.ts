/**
 * Small TypeBox builders that keep every schema node Kubernetes-structural (a `type` everywhere, a
 * description everywhere) so the CRD generator only has to strip TypeBox internals.
 */
import {
  FormatRegistry,
  Type,
  type SchemaOptions,
  type StringOptions,
  type TArray,
  type TBoolean,
  type TInteger,
  type TLiteral,
  type TObject,
  type TProperties,
  type TRecord,
  type TSchema,
  type TString,
  type TUnion,
} from '@sinclair/typebox';

/** Largest value of an unsigned 32-bit field (ASNs, gobgp uint32 fields). */
export const UINT32_MAX = 4294967295;
/** Bounds of a signed 32-bit field. */
export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** A Kubernetes CEL validation rule, passed through to the CRD unchanged. */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  /** JSONPath relative to the node the rule sits on, e.g. `.interface`. */
  readonly fieldPath?: string;
  /** Kubernetes reason, e.g. FieldValueForbidden; default FieldValueInvalid. */
  readonly reason?: string;
}

// Kubernetes only uses `format` for documentation (and a few string formats). TypeBox refuses unknown
// string formats at check time, so register the one string format the schemas use.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => RFC3339.test(value));

/** A string field. */
export function str(description: string, options: StringOptions = {}): TString {
  return Type.String({ description, ...options });
}

/**
 * An integer field with inclusive bounds. `format` follows the bounds (int32 when they fit), which is
 * what `kubectl explain` shows.
 */
export function int(
  description: string,
  minimum?: number,
  maximum?: number,
  options: SchemaOptions = {},
): TInteger {
  const fitsInt32 = (minimum ?? INT32_MIN) >= INT32_MIN && maximum !== undefined && maximum <= INT32_MAX;
  return Type.Integer({
    description,
    format: fitsInt32 ? 'int32' : 'int64',
    ...(minimum === undefined ? {} : { minimum }),
    ...(maximum === undefined ? {} : { maximum }),
    ...options,
  });
}

/** A boolean field. */
export function bool(description: string, options: SchemaOptions = {}): TBoolean {
  return Type.Boolean({ description, ...options });
}

type Literals<T extends string[]> = { [K in keyof T]: TLiteral<T[K]> };

/** A string enum. The generator turns the union of literals into `type: string` + `enum`. */
export function stringEnum<const T extends [string, ...string[]]>(
  values: T,
  description: string,
  options: SchemaOptions = {},
): TUnion<Literals<T>> {
  const literals = values.map((v) => Type.Literal(v)) as Literals<T>;
  // Type.Union's overloads collapse 0/1-member unions; the member list here is a non-empty tuple.
  return Type.Union(literals, { description, ...options }) as unknown as TUnion<Literals<T>>;
}

/** A map with string keys (`additionalProperties` in the CRD). */
export function map<T extends TSchema>(
  value: T,
  description: string,
  options: SchemaOptions = {},
): TRecord<TString, T> {
  return Type.Record(Type.String(), value, { description, ...options });
}

/** A list. */
export function list<T extends TSchema>(
  item: T,
  description: string,
  options: SchemaOptions = {},
): TArray<T> {
  return Type.Array(item, { description, ...options });
}

/** An object. Unknown fields are pruned by the API server, so no `additionalProperties: false`. */
export function obj<T extends TProperties>(
  properties: T,
  description: string,
  options: SchemaOptions & { rules?: readonly CelRule[] } = {},
): TObject<T> {
  const { rules, ...rest } = options;
  return Type.Object(properties, {
    description,
    ...rest,
    ...(rules === undefined ? {} : { 'x-kubernetes-validations': rules }),
  });
}

/** Attach CEL rules to any schema node. */
export function withRules<T extends TSchema>(schema: T, rules: readonly CelRule[]): T {
  return { ...schema, 'x-kubernetes-validations': rules };
}

/**
 * A non-negative integer that may also be written as a string of digits: the jsonpb encoding of a
 * gobgp uint64 (OpenELB BgpPeer timers are strings). Kubernetes models this as int-or-string.
 */
export function uintOrDigits(description: string): TUnion<[TInteger, TString]> {
  return Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^[0-9]+$' })], {
    description,
    'x-kubernetes-int-or-string': true,
    'x-kubernetes-validations': [
      {
        rule: "string(self).matches('^[0-9]+$')",
        message: 'must be a non-negative whole number of seconds, e.g. 90 or "90"',
      },
    ],
  });
}

/** The same schema with another description (for shared shapes used in several places). */
export function describe<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description };
}
