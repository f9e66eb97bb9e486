/**
 * Eip objects → allocator pools (pure): parse each Eip, keep the valid ones in creation order (an
 * overlap rejects the later Eip, so the older pool keeps working) and the invalid ones with their
 * reason, plus a signature that changes only when something the allocator cares about changes
 * (so our own Eip status writes do not make it rebuild the pools).
 */
import { formatFieldErrors } from '../api/errors.js';
import { parseEip, type EipConfig } from '../api/parse/eip.js';
import { formatRange } from '../ip/range.js';
import type { InvalidEip } from '../ipam/index.js';
import { byCreation, type EipObject } from './objects.js';

/** The allocator's view of every Eip. */
export interface EipPools {
  /** Valid Eips, oldest first. */
  readonly valid: readonly EipConfig[];
  /** Eips that do not parse, with the formatted field errors. */
  readonly invalid: readonly InvalidEip[];
  /** Changes whenever setPools would see a different input. */
  readonly signature: string;
}

function nameOf(o: EipObject): string {
  return o.metadata?.name ?? '';
}

function describe(c: EipConfig): string {
  const ns = [...c.namespaces].sort().join(',');
  const sel =
    c.namespaceSelector === undefined ? '' : JSON.stringify(Object.entries(c.namespaceSelector).sort());
  return [
    c.name,
    formatRange(c.range),
    c.protocol,
    c.disable,
    c.priority,
    ns,
    sel,
    c.isDefault,
    c.deleting,
  ].join('|');
}

/** Parse every Eip; invalid ones are reported by name with a message that says what to fix. */
export function eipPools(objects: readonly EipObject[]): EipPools {
  const sorted = [...objects].sort(byCreation(nameOf));
  const valid: EipConfig[] = [];
  const invalid: InvalidEip[] = [];
  const parts: string[] = [];
  for (const obj of sorted) {
    const parsed = parseEip(obj);
    if (parsed.ok) {
      valid.push(parsed.value);
      parts.push(describe(parsed.value));
    } else {
      const reason = formatFieldErrors(parsed.errors);
      invalid.push({ name: nameOf(obj), reason });
      parts.push(`${nameOf(obj)}|invalid|${reason}|${obj.metadata?.deletionTimestamp ?? ''}`);
    }
  }
  return { valid, invalid, signature: parts.join('\n') };
}
