/**
 * parseEip, remembered per Eip object. Both sides of a speaker re-run their desired state over every
 * Eip on each reconcile (~45 per side in a 1,000-Service burst), and schema-checking an Eip whose
 * status lists every allocated IP costs ~0.25 ms each time while the object itself does not change:
 * informer caches replace an object on update and never modify it.
 */
import { parseEip, type EipConfig } from '../api/parse/eip.js';
import type { ParseResult } from '../api/errors.js';

const parsed = new WeakMap<object, ParseResult<EipConfig>>();

/** parseEip(obj), computed once per object identity (objects must not be modified afterwards). */
export function parseEipOnce(obj: unknown): ParseResult<EipConfig> {
  if (typeof obj !== 'object' || obj === null) return parseEip(obj);
  const known = parsed.get(obj);
  if (known !== undefined) return known;
  const result = parseEip(obj);
  parsed.set(obj, result);
  return result;
}
