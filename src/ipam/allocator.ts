/**
 * The allocator: Service key → IPs from Eip pools. Pure and synchronous: no Kubernetes client, no I/O,
 * no clock. The controller feeds it Eips (setPools), the Services found at leader start (restore),
 * then one request per reconcile (assign / release), and writes what it returns.
 */
import type { EipConfig } from '../api/parse/eip.js';
import type { IpAddress, IpFamily } from '../ip/address.js';
import { rangeContains } from '../ip/range.js';
import { FreeAddresses, type FreeAddressFactory, type Offset } from './free-addresses.js';
import { allocateFrom, held, type FamilyOutcome } from './allocate-from.js';
import {
  describeHold,
  holdsOf,
  newServiceState,
  Pool,
  toAllocation,
  type Hold,
  type ServiceState,
} from './pool.js';
import { checkRequest, type CheckedRequest } from './request-check.js';
import { serviceKey } from './request.js';
import { applyPoolSet } from './pool-set.js';
import { restoreEntries } from './restore.js';
import { SelectionMemo } from './selection-memo.js';
import { ServiceTable } from './service-table.js';
import type {
  AllocatedIp,
  Allocation,
  AllocationError,
  AllocationRequest,
  AssignResult,
  EipView,
  InvalidEip,
  NodeAddress,
  PoolChange,
  PoolCounters,
  PoolStatus,
  RestoreEntry,
  RestoreReport,
  SelectionReason,
  ServiceKey,
} from './types.js';

/** Options of the allocator. */
export interface AllocatorOptions {
  /**
   * Hand out the network and broadcast addresses of IPv4 CIDRs shorter than /31 automatically
   * (OpenELB 0.6 does, issue #425). Default false: they are only given when requested explicitly.
   */
  readonly autoAssignNetworkAndBroadcast?: boolean;
  /** The per-pool free-address structure; a seam for the benchmark's linear-scan baseline. */
  readonly freeAddresses?: FreeAddressFactory;
}

/** The mutable state shared with the setPools and restore helpers. */
export interface AllocatorState {
  readonly pools: Map<string, Pool>;
  readonly services: ServiceTable<ServiceState>;
  invalid: readonly InvalidEip[];
  /** Next value of the global change counter (pool revisions are taken from it). */
  nextRevision(): number;
  newPool(config: EipConfig): Pool;
  poolContaining(ip: IpAddress): Pool | undefined;
}

const sameAllocation = (a: Allocation | undefined, b: Allocation): boolean =>
  a === b ||
  (a !== undefined &&
    a.ips.length === b.ips.length &&
    a.ips.every(
      (ip, i) =>
        ip.address === b.ips[i]?.address && ip.eip === b.ips[i].eip && ip.explicit === b.ips[i].explicit,
    ));

/** A pool without node addresses. */
const NO_OWNERS: ReadonlyMap<Offset, string> = new Map();

/** Shared empty lists for results (most assigns release nothing and miss nothing); frozen. */
const NONE: readonly never[] = Object.freeze([]);

/** The allocator. One instance per controller leadership term; rebuilt with restore(). */
export class Allocator {
  private readonly state: AllocatorState;
  private viewCache: readonly EipView[] | undefined;
  private viewPools: readonly Pool[] = [];
  private readonly memo = new SelectionMemo();
  /** The Nodes' addresses as last given; applied again to the pools of every setPools. */
  private nodeAddressList: readonly NodeAddress[] = [];
  /** checkRequest's view of the pools, bound once rather than per call. */
  private readonly familyOf = (name: string): IpFamily | undefined =>
    this.state.pools.get(name)?.range.family;

  constructor(options: AllocatorOptions = {}) {
    const factory = options.freeAddresses ?? ((size, reserved) => new FreeAddresses(size, reserved));
    const auto = options.autoAssignNetworkAndBroadcast ?? false;
    let revision = 0;
    const pools = new Map<string, Pool>();
    this.state = {
      pools,
      services: new ServiceTable<ServiceState>(),
      invalid: [],
      nextRevision: () => ++revision,
      newPool: (config) => new Pool(config, factory, auto),
      poolContaining: (ip) => {
        for (const pool of pools.values()) if (rangeContains(pool.range, ip)) return pool;
        return undefined;
      },
    };
  }

  /**
   * Replace the set of Eips. Eips are accepted in the given order (sort by creation time first);
   * one overlapping an earlier one is rejected. IPs in a removed, invalid or shrunk pool are dropped
   * (or re-homed when another pool holds the same address); IPs in a deleting pool stay until the
   * Service is assigned again. A disabled pool keeps its allocations.
   */
  setPools(eips: readonly EipConfig[], invalid: readonly InvalidEip[] = []): PoolChange {
    this.viewCache = undefined;
    const change = applyPoolSet(this.state, eips, invalid);
    this.applyNodeAddresses();
    return change;
  }

  /**
   * Replace the Nodes' own addresses (InternalIP and ExternalIP). They are never handed out, neither
   * automatically nor on request: a Service on one would take the address from its node. A Service
   * holding one already keeps it (no IP moves; the speakers refuse to announce it). Returns the Eips
   * whose set of node addresses changed (their counters did too).
   */
  setNodeAddresses(addresses: readonly NodeAddress[]): string[] {
    this.nodeAddressList = addresses;
    return this.applyNodeAddresses();
  }

  /** The node addresses inside an Eip, in address order. */
  nodeAddressesIn(eip: string): { readonly address: string; readonly node: string }[] {
    return this.state.pools.get(eip)?.nodeAddresses() ?? [];
  }

  private applyNodeAddresses(): string[] {
    const byPool = new Map<Pool, Map<Offset, string>>();
    for (const { ip, node } of this.nodeAddressList) {
      const pool = this.state.poolContaining(ip);
      const offset = pool?.offsetOf(ip);
      if (pool === undefined || offset === undefined) continue;
      let owners = byPool.get(pool);
      if (owners === undefined) byPool.set(pool, (owners = new Map<Offset, string>()));
      // Two Nodes claiming one address: name the first, the address is excluded either way.
      if (!owners.has(offset)) owners.set(offset, node);
    }
    const changed: string[] = [];
    for (const pool of this.state.pools.values()) {
      if (pool.setNodeAddresses(byPool.get(pool) ?? NO_OWNERS, () => this.state.nextRevision()))
        changed.push(pool.name);
    }
    return changed;
  }

  /**
   * Give the Service what it asks for. A compatible allocation is kept as is (idempotent); anything
   * incompatible is released first. On refusal the Service holds nothing.
   */
  assign(request: AllocationRequest): AssignResult {
    const key = serviceKey(request);
    const services = this.state.services;
    const previous = services.get(key);
    const before = previous === undefined ? undefined : toAllocation(previous);
    const checked = checkRequest(request, this.familyOf, this.state.invalid);
    if (!checked.ok) {
      return { ok: false, error: checked.error, errors: [checked.error], released: this.drop(key) };
    }
    const { families, requested, dualStack } = checked.value;
    const state: ServiceState = previous ?? newServiceState(key, request.ports);
    state.ports = request.ports;

    let kept: Map<IpFamily, Hold> | undefined;
    let released: AllocatedIp[] | undefined;
    // Indexed loops here, not for-of: V8 left an iterator object and its results per loop on this
    // path (111 of the 853 bytes allocated per release+assign pair in the benchmark's churn).
    const holds = state.first === undefined ? NONE : holdsOf(state);
    for (let i = 0; i < holds.length; i++) {
      const hold = holds[i] as Hold;
      const family = hold.pool.range.family;
      if (
        kept?.has(family) !== true &&
        (kept === undefined || families[0] !== undefined) &&
        this.keeps(hold, checked.value)
      ) {
        hold.explicit = requested.get(family) === hold.pool.valueAt(hold.offset);
        if (hold.explicit) hold.inherited = false;
        (kept ??= new Map<IpFamily, Hold>()).set(family, hold);
      } else {
        (released ??= []).push(describeHold(hold));
        hold.pool.detach(hold, this.state.nextRevision());
      }
    }

    let first: Hold | undefined;
    let second: Hold | undefined;
    let reasons: SelectionReason[] | undefined;
    let errors: AllocationError[] | undefined;
    for (let i = 0; i < families.length; i++) {
      const family = families[i];
      const keptHold =
        kept === undefined ? undefined : family === undefined ? kept.values().next().value : kept.get(family);
      const outcome: FamilyOutcome =
        keptHold === undefined
          ? this.allocateFamily(state, request, family, checked.value)
          : held(keptHold, 'kept');
      if (!outcome.ok) (errors ??= []).push(outcome.error);
      else if (first === undefined || reasons === undefined) {
        first = outcome.hold;
        reasons = [outcome.reason];
      } else {
        second = outcome.hold;
        reasons.push(outcome.reason);
      }
    }

    if (errors !== undefined && (dualStack !== 'prefer' || first === undefined)) {
      for (const hold of [first, second]) hold?.pool.detach(hold, this.state.nextRevision());
      services.delete(key);
      return { ok: false, error: errors[0] as AllocationError, errors, released: [...(before?.ips ?? [])] };
    }
    state.first = first;
    state.second = second;
    if (previous === undefined) services.set(key, state);
    // reasons[i] was made for holds[i]: same order, same address.
    const allocation = toAllocation(state, reasons);
    return {
      ok: true,
      allocation,
      changed: !sameAllocation(before, allocation),
      released: released ?? NONE,
      reasons: reasons ?? NONE,
      missing: errors ?? NONE,
    };
  }

  /** Release everything the Service holds; returns what it held. */
  release(service: ServiceKey): Allocation | undefined {
    const state = this.state.services.get(service);
    if (state === undefined) return undefined;
    const allocation = toAllocation(state);
    this.detachAll(state);
    this.state.services.delete(service);
    return allocation;
  }

  /**
   * Put back allocations recorded in Service status, in the given order (already-assigned Services,
   * sorted by creation time): the first claimant of an IP keeps it, later ones that cannot share it
   * are reported, never silently accepted. Selection rules are not applied: the next assign() does.
   */
  restore(entries: readonly RestoreEntry[]): RestoreReport {
    return restoreEntries(this.state, entries);
  }

  /** What the Service holds now. */
  get(service: ServiceKey): Allocation | undefined {
    const state = this.state.services.get(service);
    return state === undefined ? undefined : toAllocation(state);
  }

  /** Every current allocation. */
  allocations(): Allocation[] {
    return [...this.state.services.values()].map((s) => toAllocation(s));
  }

  /** Services holding `ip` (more than one when shared). */
  holdersOf(ip: IpAddress): ServiceKey[] {
    const pool = this.state.poolContaining(ip);
    const offset = pool?.offsetOf(ip);
    if (pool === undefined || offset === undefined) return [];
    return pool.holdersAt(offset).map((h) => h.state.key);
  }

  /** Services holding an IP of the Eip. */
  servicesIn(eip: string): ServiceKey[] {
    const pool = this.state.pools.get(eip);
    if (pool === undefined) return [];
    const keys = new Set<ServiceKey>();
    for (const [, holds] of pool.held()) for (const h of holds) keys.add(h.state.key);
    return [...keys];
  }

  /** Counters of one accepted Eip, or undefined when it is not a pool (unknown, invalid, rejected). */
  poolStatus(eip: string): PoolStatus | undefined {
    return this.state.pools.get(eip)?.status();
  }

  /** Counters of every accepted Eip. */
  poolStatuses(): PoolStatus[] {
    return [...this.state.pools.values()].map((p) => p.status());
  }

  /** Counters of every accepted Eip without their `used` maps (cheap: for metrics). */
  poolCounters(): PoolCounters[] {
    return [...this.state.pools.values()].map((p) => p.counters());
  }

  /** Release all holds of a Service and forget it; returns what it held. */
  private drop(key: ServiceKey): AllocatedIp[] {
    const state = this.state.services.get(key);
    if (state === undefined) return [];
    const held = holdsOf(state).map((h) => describeHold(h));
    this.detachAll(state);
    this.state.services.delete(key);
    return held;
  }

  private detachAll(state: ServiceState): void {
    const { first, second } = state;
    first?.pool.detach(first, this.state.nextRevision());
    second?.pool.detach(second, this.state.nextRevision());
  }

  /**
   * A held IP stays when its pool is still accepted and not being deleted (disabled is fine), the
   * family is wanted, it is in the pinned Eip and is the requested IP (when those are set), it is
   * not a network/broadcast address nobody asks for any more, and its sharing is still valid with the
   * current ports. Priority or binding changes never move an IP.
   */
  private keeps(hold: Hold, checked: CheckedRequest): boolean {
    const pool = hold.pool;
    const family = pool.range.family;
    if (this.state.pools.get(pool.name) !== pool || pool.config.deleting) return false;
    if (checked.families[0] !== undefined && !checked.families.includes(family)) return false;
    const pinned = checked.pinned.get(family);
    if (pinned !== undefined && pinned !== pool.name) return false;
    const wanted = checked.requested.get(family);
    const value = pool.valueAt(hold.offset);
    if (wanted !== undefined && wanted !== value) return false;
    if (wanted === undefined && pool.isReserved(hold.offset) && !hold.inherited) return false;
    return pool.conflicts(hold.offset, hold.state.key, wanted === value, hold.state.ports).length === 0;
  }

  /** Selection's view of the pools, rebuilt only when the pool set or a pool's occupancy changed. */
  private views(): readonly EipView[] {
    const cached = this.viewCache;
    if (cached !== undefined) {
      let same = true;
      for (let i = 0; i < cached.length && same; i++) {
        const view = cached[i] as EipView;
        const pool = this.viewPools[i];
        same = view.occupied === pool?.occupied && view.config === pool.config;
      }
      if (same) return cached;
    }
    this.viewPools = [...this.state.pools.values()];
    const views = this.viewPools.map((p) => ({ config: p.config, occupied: p.occupied }));
    this.viewCache = views;
    return views;
  }

  private allocateFamily(
    state: ServiceState,
    request: AllocationRequest,
    family: IpFamily | undefined,
    checked: CheckedRequest,
  ): FamilyOutcome {
    const selection = this.memo.select(this.views(), this.state.invalid, request, family);
    if (!selection.ok) return selection;
    return allocateFrom(this.state, selection, state, family, checked);
  }
}
