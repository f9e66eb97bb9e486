/**
 * Checks a CR against the same TypeBox schema the CRD is generated from, so bounds, enums and required
 * fields have one definition. TypeBox's messages are rewritten into "what is wrong, how to fix it".
 */
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { childPath, dedupeByPath, type FieldError } from '../errors.js';

/** At most this many schema errors are reported per object (a garbage object could produce hundreds). */
const MAX_ERRORS = 20;

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return typeof value;
}

/** JSON pointer from TypeBox -> field path, rendering list indices as [n] by looking at the value. */
function pointerToPath(pointer: string, root: unknown): string {
  let path = '';
  let node: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^[0-9]+$/.test(key)) {
      path = childPath(path, Number(key));
      node = node[Number(key)];
    } else {
      path = childPath(path, key);
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return path === '' ? '<object>' : path;
}

function num(schema: TSchema, key: string): number | undefined {
  const v = (schema as Record<string, unknown>)[key];
  return typeof v === 'number' ? v : undefined;
}

function boundsText(schema: TSchema): string {
  const min = num(schema, 'minimum');
  const max = num(schema, 'maximum');
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  return `at most ${String(max)}`;
}

function enumValues(schema: TSchema): string[] | undefined {
  const anyOf = (schema as { anyOf?: unknown }).anyOf;
  if (!Array.isArray(anyOf)) return undefined;
  const values = anyOf.map((m: unknown) => (m as { const?: unknown }).const);
  return values.every((v) => typeof v === 'string') ? values : undefined;
}

function problem(error: ValueError): string {
  const { schema, value } = error;
  const got = describeValue(value);
  // A key that is present with value undefined is "missing" to Kubernetes, whatever TypeBox says.
  if (value === undefined) return 'is required';
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.Integer:
      return `must be a whole number, got ${got}`;
    case ValueErrorType.Number:
      return `must be a number, got ${got}`;
    case ValueErrorType.String:
      return `must be a string, got ${got}`;
    case ValueErrorType.Boolean:
      return `must be true or false, got ${got}`;
    case ValueErrorType.Object:
      return `must be an object, got ${got}`;
    case ValueErrorType.Array:
      return `must be a list, got ${got}`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberMaximum:
      return `must be ${boundsText(schema)}, got ${got}`;
    case ValueErrorType.StringPattern:
      return `${got} has an invalid format`;
    case ValueErrorType.StringFormat:
      return `${got} is not a valid ${String((schema as { format?: unknown }).format)}`;
    case ValueErrorType.StringMinLength:
      return num(schema, 'minLength') === 1
        ? 'must not be empty'
        : `must be at least ${num(schema, 'minLength')} characters`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${num(schema, 'maxLength')} characters, got ${typeof value === 'string' ? value.length : 0}`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${num(schema, 'maxItems')} items`;
    case ValueErrorType.Union: {
      const values = enumValues(schema);
      if (values !== undefined) {
        return `${got} is not supported: use one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
      }
      if ((schema as Record<string, unknown>)['x-kubernetes-int-or-string'] === true) {
        return `must be a whole number or a string of digits, got ${got}`;
      }
      return `${got} does not match any allowed shape`;
    }
    default:
      return error.message;
  }
}

/**
 * Every way `value` breaks `schema`, as field errors (first error per field, at most 20). The field's
 * description from the schema is appended as the hint on how to fix it.
 */
export function schemaErrors(schema: TSchema, value: unknown): FieldError[] {
  const out: FieldError[] = [];
  for (const error of Value.Errors(schema, value)) {
    const description = (error.schema as { description?: unknown }).description;
    const hint =
      typeof description === 'string' && error.type !== ValueErrorType.Object ? ` (${description})` : '';
    out.push({ path: pointerToPath(error.path, value), message: `${problem(error)}${hint}` });
    if (out.length >= MAX_ERRORS * 2) break;
  }
  return dedupeByPath(out).slice(0, MAX_ERRORS);
}
