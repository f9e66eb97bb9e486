/**
 * The status an Eip should show (pure): OpenELB's counters (`poolSize`, `usage`, `used`, `firstIP`,
 * `lastIP`, `v4`, `occupied`) from the allocator's PoolStatus, plus two conditions: `Valid` (does the
 * spec parse, does it overlap another Eip) and `Ready` (can new Services get addresses from it now).
 * Messages are stable so that the status only changes when the state does.
 */
import type { ApiCondition } from '../api/types.js';
import { toSafeCount } from '../ip/range.js';
import type { PoolStatus } from '../ipam/index.js';

/** Whether the Eip can be a pool at all. */
export type EipValidity =
  | { readonly kind: 'valid' }
  | { readonly kind: 'invalid'; readonly reason: 'InvalidSpec' | 'AddressOverlap'; readonly message: string };

/** The status fields the controller owns. */
export interface DesiredEipStatus {
  poolSize?: number;
  usage?: number;
  used?: Readonly<Record<string, string>>;
  firstIP?: string;
  lastIP?: string;
  v4?: boolean;
  occupied?: boolean;
  conditions: ApiCondition[];
}

type Cond = Omit<ApiCondition, 'lastTransitionTime' | 'observedGeneration'>;

function readyCondition(validity: EipValidity, pool: PoolStatus | undefined): Cond {
  const notReady = (reason: string, message: string): Cond => ({
    type: 'Ready',
    status: 'False',
    reason,
    message,
  });
  if (validity.kind === 'invalid')
    return notReady('Invalid', 'the Eip is not valid: see the Valid condition');
  if (pool === undefined) return notReady('Pending', 'the controller has not loaded this Eip yet');
  if (pool.deleting) return notReady('Deleting', 'the Eip is being deleted: its Services move to other Eips');
  if (pool.disabled)
    return notReady('Disabled', 'spec.disable is true: existing IPs stay, no new ones are handed out');
  const nodes = nodeAddressNote(pool.nodeAddresses);
  if (pool.occupied)
    return notReady('Exhausted', `every address is in use${nodes}: widen the range or add another Eip`);
  return {
    type: 'Ready',
    status: 'True',
    reason: 'Available',
    message: `new Services can get addresses from this Eip${nodes}`,
  };
}

/** Said in the Ready condition of an Eip that holds Nodes' own addresses (never handed out). */
function nodeAddressNote(count: number): string {
  if (count === 0) return '';
  return count === 1
    ? " (1 address is a Node's own and is never handed out)"
    : ` (${String(count)} addresses are Nodes' own and are never handed out)`;
}

function validCondition(validity: EipValidity): Cond {
  if (validity.kind === 'invalid') {
    return { type: 'Valid', status: 'False', reason: validity.reason, message: validity.message };
  }
  return {
    type: 'Valid',
    status: 'True',
    reason: 'Valid',
    message: 'the address range parses and overlaps no other Eip',
  };
}

/** Conditions keep their lastTransitionTime while their status stays the same (Kubernetes convention). */
function withTimes(
  conds: readonly Cond[],
  existing: readonly ApiCondition[],
  now: string,
  generation: number | undefined,
): ApiCondition[] {
  return conds.map((c) => {
    const old = existing.find((e) => e.type === c.type);
    const lastTransitionTime = old !== undefined && old.status === c.status ? old.lastTransitionTime : now;
    return {
      ...c,
      lastTransitionTime,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
    };
  });
}

/** The desired status of one Eip. */
export function desiredEipStatus(
  validity: EipValidity,
  pool: PoolStatus | undefined,
  existingConditions: readonly ApiCondition[],
  now: string,
  generation: number | undefined,
): DesiredEipStatus {
  const conditions = withTimes(
    [validCondition(validity), readyCondition(validity, pool)],
    existingConditions,
    now,
    generation,
  );
  if (validity.kind === 'invalid' || pool === undefined) return { conditions };
  return {
    poolSize: toSafeCount(pool.size),
    usage: pool.inUse,
    // Shared, not copied: `used` can hold 10,000 entries and nobody mutates it.
    used: pool.used,
    firstIP: pool.firstIP,
    lastIP: pool.lastIP,
    v4: pool.v4,
    occupied: pool.occupied,
    conditions,
  };
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/**
 * True when `shown` holds exactly the entries of `desired`. Walks the maps instead of sorting and
 * serialising them: `used` can hold 10,000 IPs and this runs on every flush.
 */
function sameEntries(desired: Readonly<Record<string, string>>, shown: unknown): boolean {
  const cur = asRecord(shown);
  const keys = Object.keys(desired);
  for (const ip of keys) if (!Object.hasOwn(cur, ip) || cur[ip] !== desired[ip]) return false;
  return Object.keys(cur).length === keys.length;
}

/** True when `current` already shows everything `desired` says (fields we do not own are ignored). */
export function statusMatches(
  desired: DesiredEipStatus,
  current: Readonly<Record<string, unknown>> | undefined,
): boolean {
  const cur = current ?? {};
  for (const key of ['poolSize', 'usage', 'firstIP', 'lastIP', 'v4', 'occupied'] as const) {
    if (desired[key] !== undefined && desired[key] !== cur[key]) return false;
  }
  if (desired.used !== undefined && !sameEntries(desired.used, cur['used'])) return false;
  return JSON.stringify(desired.conditions) === JSON.stringify(cur['conditions'] ?? []);
}

/**
 * The merge patch that turns `current` into `desired`. A merge patch merges maps key by key, so IPs
 * no longer used are sent as null.
 *
 * Without `last` (our previous write this term) the whole `used` map is sent: the server may hold
 * entries the cache does not show yet. With it, only the entries that differ from the cache or from
 * `last` are sent (the server holds one or the other), so a burst of allocations costs small
 * patches, not a rewrite of a map of 10,000 IPs on every flush.
 */
export function eipStatusPatch(
  desired: DesiredEipStatus,
  current: Readonly<Record<string, unknown>> | undefined,
  last?: Readonly<Record<string, string>>,
): { status: Record<string, unknown> } {
  const status: Record<string, unknown> = { ...desired };
  if (desired.used !== undefined) {
    const want = desired.used;
    const shown = asRecord(current?.['used']);
    const used: Record<string, string | null> = {};
    for (const [ip, who] of Object.entries(want)) {
      // Skipped only when both possible server states already hold it.
      if (last === undefined || shown[ip] !== who || !Object.hasOwn(last, ip) || last[ip] !== who)
        used[ip] = who;
    }
    for (const stale of [shown, last ?? {}]) {
      for (const ip of Object.keys(stale)) if (!Object.hasOwn(want, ip)) used[ip] = null;
    }
    status['used'] = used;
  }
  return { status };
}

/** The existing conditions of an Eip status, tolerating garbage. */
export function conditionsOf(status: Readonly<Record<string, unknown>> | undefined): ApiCondition[] {
  const raw = status?.['conditions'];
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (c): c is ApiCondition =>
      typeof c === 'object' && c !== null && typeof (c as { type?: unknown }).type === 'string',
  );
}
