/**
 * setPools: replace the accepted Eips and work out what happens to the IPs Services hold in them.
 */
import type { EipConfig } from '../api/parse/eip.js';
import { formatIp } from '../ip/address.js';
import { formatRange, rangesOverlap, type AddressRange } from '../ip/range.js';
import type { AllocatorState } from './allocator.js';
import type { Offset } from './free-addresses.js';
import { holdsOf, setHolds, type Hold, type Pool } from './pool.js';
import type { DisplacedIp, InvalidEip, PoolChange, RehomedIp, RejectedEip } from './types.js';

const sameRange = (a: AddressRange, b: AddressRange): boolean =>
  a.family === b.family &&
  a.first === b.first &&
  a.last === b.last &&
  a.form === b.form &&
  a.prefixLength === b.prefixLength;

/** Accept Eips in order; reject those overlapping an earlier one (the webhook should have refused them). */
function acceptPools(
  state: AllocatorState,
  eips: readonly EipConfig[],
): { next: Map<string, Pool>; rejected: RejectedEip[] } {
  const next = new Map<string, Pool>();
  const rejected: RejectedEip[] = [];
  for (const eip of eips) {
    if (next.has(eip.name)) continue;
    const overlap = [...next.values()].find((p) => rangesOverlap(p.range, eip.range));
    if (overlap !== undefined) {
      rejected.push({
        eip: eip.name,
        code: 'EipOverlap',
        overlaps: overlap.name,
        message: `${formatRange(eip.range)} overlaps Eip ${overlap.name} (${formatRange(overlap.range)}): an address may belong to one Eip only; change or delete one of them`,
      });
      continue;
    }
    const existing = state.pools.get(eip.name);
    if (existing !== undefined && sameRange(existing.range, eip.range)) {
      if (existing.config.disable !== eip.disable || existing.config.deleting !== eip.deleting) {
        existing.revision = state.nextRevision();
      }
      existing.config = eip;
      next.set(eip.name, existing);
    } else {
      next.set(eip.name, state.newPool(eip));
    }
  }
  return { next, rejected };
}

/** Replace the pool set; see Allocator.setPools. */
export function applyPoolSet(
  state: AllocatorState,
  eips: readonly EipConfig[],
  invalid: readonly InvalidEip[],
): PoolChange {
  const { next, rejected } = acceptPools(state, eips);
  const invalidNames = new Set([...invalid.map((e) => e.name), ...rejected.map((r) => r.eip)]);
  const gone = [...state.pools.values()].filter((p) => next.get(p.name) !== p);

  state.pools.clear();
  for (const [name, pool] of next) state.pools.set(name, pool);
  state.invalid = [...invalid, ...rejected.map((r) => ({ name: r.eip, reason: r.message }))];

  const displaced: DisplacedIp[] = [];
  const rehomed: RehomedIp[] = [];
  const touched = new Set<string>();
  for (const old of gone) {
    const why = invalidNames.has(old.name) ? 'invalid' : next.has(old.name) ? 'outOfRange' : 'removed';
    for (const [offset, holds] of old.held()) {
      const ip = old.ipAt(offset);
      const address = formatIp(ip);
      const target = state.poolContaining(ip);
      const targetOffset = target?.offsetOf(ip);
      for (const hold of [...holds]) {
        touched.add(hold.state.key);
        if (
          target !== undefined &&
          targetOffset !== undefined &&
          moveHold(state, hold, target, targetOffset)
        ) {
          if (target.name !== old.name) {
            rehomed.push({ service: hold.state.key, address, from: old.name, to: target.name });
          }
          continue;
        }
        setHolds(
          hold.state,
          holdsOf(hold.state).filter((h) => h !== hold),
        );
        displaced.push({
          service: hold.state.key,
          eip: old.name,
          address,
          why,
          message: `${address} is no longer available: Eip ${old.name} ${WHY_TEXT[why]}; a new IP is allocated`,
        });
      }
    }
  }
  for (const key of touched) {
    if (state.services.get(key)?.first === undefined) state.services.delete(key);
  }
  for (const pool of state.pools.values()) {
    if (!pool.config.deleting) continue;
    for (const [offset, holds] of pool.held()) {
      const address = formatIp(pool.ipAt(offset));
      for (const hold of holds) {
        displaced.push({
          service: hold.state.key,
          eip: pool.name,
          address,
          why: 'deleting',
          message: `Eip ${pool.name} is being deleted: ${address} is kept until the Service moves to another Eip`,
        });
      }
    }
  }
  return { rejected, displaced, rehomed };
}

const WHY_TEXT = {
  removed: 'was deleted',
  invalid: 'is invalid',
  outOfRange: 'no longer contains it',
  deleting: 'is being deleted',
} as const;

/** Move a hold to the pool that now contains its address, when the address can still be held there. */
function moveHold(state: AllocatorState, hold: Hold, target: Pool, offset: Offset): boolean {
  if (target.config.deleting) return false;
  if (target.conflicts(offset, hold.state.key, hold.explicit, hold.state.ports).length > 0) return false;
  const moved: Hold = {
    state: hold.state,
    pool: target,
    offset,
    explicit: hold.explicit,
    inherited: hold.inherited && target.isReserved(offset),
  };
  if (!target.attach(moved, state.nextRevision())) return false;
  setHolds(
    hold.state,
    holdsOf(hold.state).map((h) => (h === hold ? moved : h)),
  );
  return true;
}
