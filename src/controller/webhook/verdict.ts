/** What a validating webhook answers about one object (pure value; the server turns it into a response). */
import { formatFieldErrors, type FieldError } from '../../api/errors.js';

/** Allowed (maybe with warnings) or denied with a message that says what is wrong and how to fix it. */
export type Verdict =
  | { readonly allowed: true; readonly warnings: readonly string[] }
  | { readonly allowed: false; readonly message: string };

/** The admission operations the webhooks see. */
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** Allowed, with the parse warnings rendered as `path: message`. */
export function allow(warnings: readonly FieldError[] = []): Verdict {
  return { allowed: true, warnings: warnings.map((w) => `${w.path}: ${w.message}`) };
}

/** Denied with `message`. */
export function deny(message: string): Verdict {
  return { allowed: false, message };
}

/** Denied because the object does not parse: every field error, one after the other. */
export function denyFields(kind: string, name: string, errors: readonly FieldError[]): Verdict {
  const who = name === '' ? `the ${kind}` : `${kind} ${JSON.stringify(name)}`;
  return deny(`${who} is invalid: ${formatFieldErrors(errors)}`);
}

/** `metadata.name` of a wire object, or '' when missing. */
export function nameOf(obj: unknown): string {
  if (typeof obj !== 'object' || obj === null) return '';
  const meta = (obj as { metadata?: unknown }).metadata;
  if (typeof meta !== 'object' || meta === null) return '';
  const name = (meta as { name?: unknown }).name;
  return typeof name === 'string' ? name : '';
}

/** True when the object carries a deletionTimestamp (it is going away: nothing to judge). */
export function isDeleting(obj: unknown): boolean {
  if (typeof obj !== 'object' || obj === null) return false;
  const meta = (obj as { metadata?: unknown }).metadata;
  if (typeof meta !== 'object' || meta === null) return false;
  const ts = (meta as { deletionTimestamp?: unknown }).deletionTimestamp;
  return typeof ts === 'string' && ts !== '';
}

/** Structural equality of JSON values (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && sameJson(ra[k], rb[k]));
}
