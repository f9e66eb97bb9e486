/**
 * One accepted Eip as the allocator holds it: its address table and, per held address, the Services
 * holding it. Sharing decisions live here because they only concern the holders of one address.
 */
import type { EipConfig } from '../api/parse/eip.js';
import { formatIp, formatV4Block, formatV4LastOctet, type IpAddress } from '../ip/address.js';
import { rangeBounds, rangeSize, type AddressRange } from '../ip/range.js';
import {
  offsetValue,
  toOffset,
  type FreeAddressFactory,
  type FreeAddressSet,
  type Offset,
} from './free-addresses.js';
import { overlappingPorts } from './request.js';
import type {
  AllocatedIp,
  Allocation,
  IpConflict,
  PoolCounters,
  PoolStatus,
  ServiceKey,
  ServicePort,
} from './types.js';

/**
 * What the allocator knows about one Service. Its holds (one per family, so at most two) sit in two
 * fields rather than an array: with tens of thousands of Services, the array and its backing store
 * were two of the four long-lived objects per Service, and one more pointer to chase on every
 * release (measured in the `allocator` benchmark's churn; see docs/adr/0007-allocator.md).
 */
export interface ServiceState {
  readonly key: ServiceKey;
  ports: readonly ServicePort[];
  /** The hold of the Service's first family; undefined while it holds nothing. */
  first: Hold | undefined;
  /** The hold of its second family (dual-stack); only ever set when `first` is. */
  second: Hold | undefined;
}

/**
 * A Service's state before anything is held. An object literal, not a class instance, on purpose:
 * V8 tracks literal allocation sites and, seeing nearly all of these survive, allocates them
 * straight in the old generation; instances of a class were copied by young-generation GCs
 * (measured in the churn benchmark: 1-2 ms of GC per 100,000 operations as literals, 9-15 ms as
 * class instances).
 */
export function newServiceState(key: ServiceKey, ports: readonly ServicePort[]): ServiceState {
  return { key, ports, first: undefined, second: undefined };
}

/** The Service's holds in its family order (a fresh array: the hot paths read first/second). */
export function holdsOf(state: ServiceState): Hold[] {
  const { first, second } = state;
  return first === undefined ? [] : second === undefined ? [first] : [first, second];
}

/** Replace the Service's holds, in family order. */
export function setHolds(state: ServiceState, holds: readonly Hold[]): void {
  if (holds.length > 2) throw new Error(`internal: ${state.key} cannot hold ${String(holds.length)} IPs`);
  state.first = holds[0];
  state.second = holds[1];
}

/** One Service holding one address. */
export interface Hold {
  readonly state: ServiceState;
  readonly pool: Pool;
  /** Set once: by takeFor right after the table hands out the offset, else at creation. */
  offset: Offset;
  explicit: boolean;
  /**
   * Restored from Service status on a network/broadcast address the Service never requested (OpenELB
   * 0.6 handed those out): kept for stability, though we never hand one out ourselves.
   */
  inherited: boolean;
}

/**
 * Offsets never handed out automatically:
 * - the network and broadcast addresses of an IPv4 CIDR shorter than /31 (OpenELB #425: `.0` was
 *   handed out and unreachable);
 * - the first address of an IPv6 CIDR shorter than /127: with an all-zero interface id it is the
 *   Subnet-Router anycast address (RFC 4291 2.6.1), which every Linux router with an address in that
 *   prefix answers for itself, so a layer2 Service IP there would collide with the router. IPv6 has
 *   no broadcast, and /127 links use both addresses (RFC 6164).
 * Ranges written as `start-end` or single IPs list exactly what the user wants.
 */
export function reservedOffsets(range: AddressRange, autoAssignNetworkAndBroadcast: boolean): Offset[] {
  if (autoAssignNetworkAndBroadcast || range.form !== 'cidr') return [];
  if (range.family === 'IPv4') {
    return (range.prefixLength ?? 32) >= 31 ? [] : [0, toOffset(range.last - range.first)];
  }
  return (range.prefixLength ?? 128) >= 127 ? [] : [0];
}

/**
 * The holders of one offset: the Hold itself when there is one (nearly always), an array only while
 * the IP is shared. A one-element array per held address was two extra long-lived objects per
 * Service, a visible part of the allocator's GC time with tens of thousands of Services.
 */
type Holders = Hold | Hold[];

/** The holders of a free offset (shared, frozen). */
const NOBODY: readonly Hold[] = Object.freeze([]);

/** An accepted Eip. */
export class Pool {
  config: EipConfig;
  /** Held offset → its holders (see Holders). */
  readonly table: FreeAddressSet<Holders>;
  /** Global change counter value at the last change (see Allocator). */
  revision = 0;
  /**
   * Addresses of this pool that are a Node's own (InternalIP or ExternalIP) → that Node: never
   * handed out automatically nor on request, since a Service on one would take it from the node.
   * Holders from before stay (no IP moves); the speakers refuse to announce them.
   */
  private nodeOwners: ReadonlyMap<Offset, string> = new Map();
  private readonly reservedCount: bigint;
  private readonly reserved: readonly Offset[];
  /** First address as a number for IPv4 pools (setPools only swaps configs with the same range). */
  private readonly v4First: number | undefined;
  /**
   * "a.b.c." of each /24 block of an IPv4 pool, by block index from the first, filled on first use:
   * an address is then one concatenation instead of three (each a new string), for every allocation,
   * release and Eip status `used` entry.
   */
  private readonly v4Blocks: (string | undefined)[] = [];

  constructor(config: EipConfig, factory: FreeAddressFactory, autoAssignNetworkAndBroadcast: boolean) {
    this.config = config;
    this.v4First = config.range.family === 'IPv4' ? Number(config.range.first) : undefined;
    const reserved = reservedOffsets(config.range, autoAssignNetworkAndBroadcast);
    this.reserved = reserved;
    this.reservedCount = BigInt(reserved.length);
    this.table = factory<Holders>(rangeSize(config.range), reserved);
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

  /** The Node whose own address is at `offset`, if any. */
  nodeAt(offset: Offset): string | undefined {
    return this.nodeOwners.size === 0 ? undefined : this.nodeOwners.get(offset);
  }

  /** How many addresses of this pool are Nodes' own. */
  get nodeAddressCount(): number {
    return this.nodeOwners.size;
  }

  /** Node addresses in this pool, in address order, with their Node. */
  nodeAddresses(): { readonly address: string; readonly node: string }[] {
    return [...this.nodeOwners]
      .sort(([a], [b]) => (offsetValue(a) < offsetValue(b) ? -1 : 1))
      .map(([offset, node]) => ({ address: this.addressAt(offset), node }));
  }

  /**
   * Replace the node addresses of this pool (offset → Node, canonical offsets). Returns whether
   * anything changed; the revision moves then, as the counters did.
   */
  setNodeAddresses(owners: ReadonlyMap<Offset, string>, revision: () => number): boolean {
    const before = this.nodeOwners;
    let changed = before.size !== owners.size;
    for (const offset of before.keys()) {
      if (owners.has(offset)) continue;
      this.table.unblock(offset);
      changed = true;
    }
    for (const [offset, node] of owners) {
      if (before.get(offset) === node) continue;
      this.table.block(offset);
      changed = true;
    }
    this.nodeOwners = owners;
    if (changed) this.revision = revision();
    return changed;
  }

  /** No address left for automatic allocation. */
  get occupied(): boolean {
    return this.table.exhausted;
  }

  /** The address at a held offset, as a bigint value. */
  valueAt(offset: Offset): bigint {
    if (this.v4First !== undefined && typeof offset === 'number') return BigInt(this.v4First + offset);
    return this.config.range.first + offsetValue(offset);
  }

  ipAt(offset: Offset): IpAddress {
    return { family: this.config.range.family, value: this.valueAt(offset) };
  }

  /**
   * Canonical text of the address at a held offset. IPv4 is formatted from numbers: this runs once
   * per allocation and bigint arithmetic plus the generic formatter were a visible part of it.
   */
  addressAt(offset: Offset): string {
    const first = this.v4First;
    if (first === undefined || typeof offset !== 'number') return formatIp(this.ipAt(offset));
    const n = first + offset;
    const block = (n >>> 8) - (first >>> 8);
    return (this.v4Blocks[block] ??= formatV4Block(n)) + formatV4LastOctet(n);
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
    const holders = this.table.get(offset);
    const out: IpConflict[] = [];
    if (holders === undefined) return out;
    // The one-holder case (every kept IP on each re-assign) without wrapping it in an array.
    if (!Array.isArray(holders)) addConflict(out, holders, key, explicit, ports);
    else for (const hold of holders) addConflict(out, hold, key, explicit, ports);
    return out;
  }

  /** The Services holding an offset (empty when free). */
  holdersAt(offset: Offset): readonly Hold[] {
    const holders = this.table.get(offset);
    return holders === undefined ? NOBODY : Array.isArray(holders) ? holders : [holders];
  }

  /** Take the next free address for a new automatic hold of `state`; undefined when none is left. */
  takeFor(state: ServiceState, revision: number): Hold | undefined {
    const hold: Hold = { state, pool: this, offset: 0, explicit: false, inherited: false };
    const offset = this.table.take(hold);
    if (offset === undefined) return undefined;
    hold.offset = offset;
    this.revision = revision;
    return hold;
  }

  /** Add a hold on its offset, claiming the address when nobody holds it yet. False when out of range. */
  attach(hold: Hold, revision: number): boolean {
    const holders = this.table.get(hold.offset);
    if (holders === undefined) {
      if (!this.table.claim(hold.offset, hold)) return false;
    } else if (Array.isArray(holders)) holders.push(hold);
    else this.table.set(hold.offset, [holders, hold]);
    this.revision = revision;
    return true;
  }

  /** Remove a hold; the address is freed when its last holder goes. */
  detach(hold: Hold, revision: number): void {
    const holders = this.table.get(hold.offset);
    if (holders === hold) this.table.free(hold.offset);
    else if (Array.isArray(holders) && holders.includes(hold)) {
      const rest = holders.filter((h) => h !== hold);
      this.table.set(hold.offset, rest.length === 1 ? (rest[0] as Hold) : rest);
    } else return;
    this.revision = revision;
  }

  /** Held offsets with their holders. */
  *held(): Generator<[Offset, readonly Hold[]]> {
    for (const [offset, holders] of this.table.entries()) {
      yield [offset, Array.isArray(holders) ? holders : [holders]];
    }
  }

  /** Counters for the Eip status and metrics, without the `used` map. O(1). */
  counters(): PoolCounters {
    const available = this.table.available;
    return {
      eip: this.name,
      family: this.range.family,
      v4: this.range.family === 'IPv4',
      ...rangeBounds(this.range),
      size: this.table.size,
      reserved: this.reservedCount,
      nodeAddresses: this.nodeAddressCount,
      inUse: this.table.usedCount,
      available,
      occupied: available === 0n,
      disabled: this.config.disable,
      deleting: this.config.deleting,
      revision: this.revision,
    };
  }

  /**
   * Counters and the `used` map for the Eip status. O(addresses held). An unshared address maps to
   * the holder's own key string (no per-entry arrays or joins: with 10,000 IPs this runs on every
   * coalesced status flush).
   */
  status(): PoolStatus {
    const used: Record<string, string> = {};
    for (const [offset, holders] of this.table.entries()) {
      used[this.addressAt(offset)] = Array.isArray(holders)
        ? holders.map((h) => h.state.key).join(';')
        : holders.state.key;
    }
    return { ...this.counters(), used };
  }
}

/** Adds `hold` to `out` when it stands in the way (see Pool.conflicts). */
function addConflict(
  out: IpConflict[],
  hold: Hold,
  key: ServiceKey,
  explicit: boolean,
  ports: readonly ServicePort[],
): void {
  if (hold.state.key === key) return;
  const overlap = overlappingPorts(hold.state.ports, ports);
  if (!explicit || !hold.explicit || overlap.length > 0) {
    out.push({ service: hold.state.key, explicit: hold.explicit, overlappingPorts: overlap });
  }
}

/**
 * A hold as the public API shows it. `ip` and `eip` are read through to the pool: the controller
 * reads `address` and `explicit` on every reconcile but `ip` rarely, and the { family, bigint } pair
 * was two of the objects allocated per allocation and per release (measured: 5 % fewer instructions
 * and 9 % fewer last-level cache misses per release+assign pair; docs/adr/0007-allocator.md).
 * toJSON keeps every field in logs.
 */
class HoldView implements AllocatedIp {
  readonly #pool: Pool;
  readonly #offset: Offset;

  constructor(
    pool: Pool,
    offset: Offset,
    readonly address: string,
    readonly explicit: boolean,
  ) {
    this.#pool = pool;
    this.#offset = offset;
  }

  get eip(): string {
    return this.#pool.name;
  }

  get ip(): IpAddress {
    return this.#pool.ipAt(this.#offset);
  }

  toJSON(): AllocatedIp {
    const { ip, address, eip, explicit } = this;
    return { ip, address, eip, explicit };
  }
}

/**
 * Describe a hold as the public API shows it. Built on every call rather than cached on the hold:
 * caching kept five more long-lived objects per Service, and copying them through the young
 * generation cost more (measured: churn +17% without) than rebuilding them for the rare caller.
 * Caching only the formatted address on the hold was measured too: the extra string is one more
 * cache miss on release, slower than formatting it again.
 */
export function describeHold(hold: Hold, address?: string): AllocatedIp {
  const pool = hold.pool;
  return new HoldView(pool, hold.offset, address ?? pool.addressAt(hold.offset), hold.explicit);
}

/**
 * The public view of a Service's state (a fresh object, see describeHold). `formatted` may give the
 * holds' addresses, in order, when the caller has them already (assign's reasons): formatting was a
 * visible share of each allocation.
 */
export function toAllocation(
  state: ServiceState,
  formatted?: readonly { readonly address: string }[],
): Allocation {
  const { first, second } = state;
  const ips =
    first === undefined
      ? []
      : second === undefined
        ? [describeHold(first, formatted?.[0]?.address)]
        : [describeHold(first, formatted?.[0]?.address), describeHold(second, formatted?.[1]?.address)];
  return { service: state.key, eip: ips[0]?.eip ?? '', ips };
}
