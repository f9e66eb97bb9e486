/**
 * One accepted Eip as the allocator holds it: its address table and, per held address, the Services
 * holding it. Sharing decisions live here because they only concern the holders of one address.
 */
import type { EipConfig } from '../api/parse/eip.js';
import { formatIp, type IpAddress } from '../ip/address.js';
import { rangeBounds, rangeSize, type AddressRange } from '../ip/range.js';
import {
  offsetValue,
  toOffset,
  type FreeAddressFactory,
  type FreeAddressSet,
  type Offset,
} from './free-addresses.js';
import { overlappingPorts } from './request.js';
import type { AllocatedIp, Allocation, IpConflict, PoolStatus, ServiceKey, ServicePort } from './types.js';

/** What the allocator knows about one Service. */
export interface ServiceState {
  readonly key: ServiceKey;
  ports: readonly ServicePort[];
  /** One per family, in the Service's family order. */
  holds: Hold[];
  /** Last public view handed out (reused while nothing changed). */
  view?: Allocation;
}

/** One Service holding one address. */
export interface Hold {
  readonly state: ServiceState;
  readonly pool: Pool;
  readonly offset: Offset;
  explicit: boolean;
  /**
   * Restored from Service status on a network/broadcast address the Service never requested (OpenELB
   * 0.6 handed those out): kept for stability, though we never hand one out ourselves.
   */
  inherited?: boolean;
  /** Public view, built once (rebuilt when `explicit` changes). */
  view?: AllocatedIp;
}

/**
 * Offsets never handed out automatically: the network and broadcast addresses of an IPv4 CIDR
 * shorter than /31 (OpenELB #425: `.0` was handed out and unreachable). Ranges written as
 * `start-end` or single IPs list exactly what the user wants, and IPv6 has no broadcast.
 */
export function reservedOffsets(range: AddressRange, autoAssignNetworkAndBroadcast: boolean): Offset[] {
  if (autoAssignNetworkAndBroadcast) return [];
  if (range.family !== 'IPv4' || range.form !== 'cidr' || (range.prefixLength ?? 32) >= 31) return [];
  return [0, toOffset(range.last - range.first)];
}

/** An accepted Eip. */
export class Pool {
  config: EipConfig;
  /** Held offset → its holders (two or more only when validly shared). */
  readonly table: FreeAddressSet<Hold[]>;
  /** Global change counter value at the last change (see Allocator). */
  revision = 0;
  private readonly reservedCount: bigint;
  private readonly reserved: readonly Offset[];

  constructor(config: EipConfig, factory: FreeAddressFactory, autoAssignNetworkAndBroadcast: boolean) {
    this.config = config;
    const reserved = reservedOffsets(config.range, autoAssignNetworkAndBroadcast);
    this.reserved = reserved;
    this.reservedCount = BigInt(reserved.length);
    this.table = factory<Hold[]>(rangeSize(config.range), reserved);
  }

  get name(): string {
    return this.config.name;
  }

  get range(): AddressRange {
    return this.config.range;
  }

  /** An address never handed out automatically (network or broadcast). */
  isReserved(offset: Offset): boolean {
    return this.reserved.includes(offset);
  }

  /** No address left for automatic allocation. */
  get occupied(): boolean {
    return this.table.exhausted;
  }

  /** The address at a held offset, as a bigint value. */
  valueAt(offset: Offset): bigint {
    return this.config.range.first + offsetValue(offset);
  }

  ipAt(offset: Offset): IpAddress {
    return { family: this.config.range.family, value: this.valueAt(offset) };
  }

  /** The offset of an address of this pool, or undefined when outside it. */
  offsetOf(ip: IpAddress): Offset | undefined {
    const { family, first, last } = this.config.range;
    if (ip.family !== family || ip.value < first || ip.value > last) return undefined;
    return toOffset(ip.value - first);
  }

  /**
   * Who stands in the way of `key` holding `offset` with these ports and this explicitness: every
   * other holder, unless all of them and the newcomer requested the IP explicitly and no (protocol,
   * port) pair is used twice.
   */
  conflicts(offset: Offset, key: ServiceKey, explicit: boolean, ports: readonly ServicePort[]): IpConflict[] {
    const out: IpConflict[] = [];
    for (const hold of this.table.get(offset) ?? []) {
      if (hold.state.key === key) continue;
      const overlap = overlappingPorts(hold.state.ports, ports);
      if (!explicit || !hold.explicit || overlap.length > 0) {
        out.push({ service: hold.state.key, explicit: hold.explicit, overlappingPorts: overlap });
      }
    }
    return out;
  }

  /** Take the next free address for a new hold; undefined when none is left. */
  takeFor(make: (offset: Offset) => Hold, revision: number): Hold | undefined {
    const holders: Hold[] = [];
    const offset = this.table.take(holders);
    if (offset === undefined) return undefined;
    const hold = make(offset);
    holders.push(hold);
    this.revision = revision;
    return hold;
  }

  /** Add a hold on its offset, claiming the address when nobody holds it yet. False when out of range. */
  attach(hold: Hold, revision: number): boolean {
    const holders = this.table.get(hold.offset);
    if (holders !== undefined) holders.push(hold);
    else if (!this.table.claim(hold.offset, [hold])) return false;
    this.revision = revision;
    return true;
  }

  /** Remove a hold; the address is freed when its last holder goes. */
  detach(hold: Hold, revision: number): void {
    const holders = this.table.get(hold.offset);
    const i = holders === undefined ? -1 : holders.indexOf(hold);
    if (holders === undefined || i < 0) return;
    holders.splice(i, 1);
    if (holders.length === 0) this.table.free(hold.offset);
    this.revision = revision;
  }

  /** Held offsets with their holders. */
  held(): IterableIterator<[Offset, Hold[]]> {
    return this.table.entries();
  }

  /** Counters and the `used` map for the Eip status. O(addresses held). */
  status(): PoolStatus {
    const used: Record<string, string> = {};
    for (const [offset, holds] of this.table.entries()) {
      used[formatIp(this.ipAt(offset))] = holds.map((h) => h.state.key).join(';');
    }
    const available = this.table.available;
    return {
      eip: this.name,
      family: this.range.family,
      v4: this.range.family === 'IPv4',
      ...rangeBounds(this.range),
      size: this.table.size,
      reserved: this.reservedCount,
      inUse: this.table.usedCount,
      available,
      occupied: available === 0n,
      used,
      disabled: this.config.disable,
      deleting: this.config.deleting,
      revision: this.revision,
    };
  }
}

/** Describe a hold as the public API shows it. */
export function describeHold(hold: Hold): AllocatedIp {
  const cached = hold.view;
  if (cached !== undefined && cached.explicit === hold.explicit) return cached;
  const ip = hold.pool.ipAt(hold.offset);
  const view = { ip, address: formatIp(ip), eip: hold.pool.name, explicit: hold.explicit };
  hold.view = view;
  return view;
}

/** The public view of a Service's state. */
export function toAllocation(state: ServiceState): Allocation {
  const cached = state.view;
  if (
    cached?.ips.length === state.holds.length &&
    state.holds.every((h, i) => describeHold(h) === cached.ips[i])
  ) {
    return cached;
  }
  const ips = state.holds.map(describeHold);
  const view = { service: state.key, eip: ips[0]?.eip ?? '', ips };
  state.view = view;
  return view;
}
