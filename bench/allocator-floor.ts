// The floor of the allocator benchmark's churn on this machine: a loop that does only what any
// allocator keyed by Service must do per release + assign pair, on the product's own data structures
// (ServiceTable, FreeAddresses) and with the same requests: hash and find the released key, read its
// state and hold, free the address and forget the key; hash and place the new key, take an address,
// and create the new state and hold. No request checks, no Eip selection, no results or reasons.
// Reported next to the allocator's churn so the gap between the two is the allocator's own cost and
// the floor itself is what the machine allows (random memory accesses among 65,534 live Services).
import { FreeAddresses, type AllocationRequest, type Offset } from '../src/ipam/index.js';
import { ServiceTable } from '../src/ipam/service-table.js';

/** The least an allocator remembers per Service: its key, its one address and where that lives. */
interface FloorHold {
  readonly key: string;
  readonly table: FreeAddresses<FloorHold>;
  offset: Offset;
}

interface FloorState {
  readonly key: string;
  first: FloorHold | undefined;
}

/** Fills a /16's worth of addresses from `fill`, then runs the release/assign pairs; returns ms. */
export function floorChurnMs(
  fill: readonly AllocationRequest[],
  releasedSlots: readonly number[],
  incoming: readonly AllocationRequest[],
  reserved: readonly Offset[],
  collectGarbage: () => void,
): number {
  const addresses = new FreeAddresses<FloorHold>(65_536n, reserved);
  const services = new ServiceTable<FloorState>();
  const assign = (key: string): void => {
    if (services.get(key) !== undefined) return;
    const state: FloorState = { key, first: undefined };
    const hold: FloorHold = { key, table: addresses, offset: 0 };
    const offset = addresses.take(hold);
    if (offset === undefined) throw new Error('floor: pool exhausted');
    hold.offset = offset;
    state.first = hold;
    services.set(key, state);
  };
  const keys = fill.map((r) => r.key ?? '');
  for (const key of keys) assign(key);
  collectGarbage();
  const start = performance.now();
  for (let i = 0; i < incoming.length; i++) {
    const slot = releasedSlots[i] ?? 0;
    const gone = keys[slot] ?? '';
    const state = services.get(gone);
    const hold = state?.first;
    if (hold !== undefined) hold.table.free(hold.offset);
    services.delete(gone);
    const key = incoming[i]?.key ?? '';
    keys[slot] = key;
    assign(key);
  }
  return performance.now() - start;
}
