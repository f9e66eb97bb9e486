/**
 * The last step of an allocation for one family: take an address from the Eips selection ranked,
 * or claim the requested one, and say why.
 */
import { formatIp, type IpFamily } from '../ip/address.js';
import type { AllocatorState } from './allocator.js';
import { allocationErrors } from './errors.js';
import { toOffset } from './free-addresses.js';
import type { Hold, Pool, ServiceState } from './pool.js';
import type { CheckedRequest } from './request-check.js';
import type { EipSelection } from './select.js';
import type { AllocationError, SelectionReason, SelectionRule } from './types.js';

/** What one family got, or why not. */
export type FamilyOutcome =
  { ok: true; hold: Hold; reason: SelectionReason } | { ok: false; error: AllocationError };

function poolNamed(state: AllocatorState, name: string): Pool {
  const pool = state.pools.get(name);
  if (pool === undefined) throw new Error(`internal: selection returned Eip ${name}, which is not a pool`);
  return pool;
}

/**
 * A requested IP is claimed in the one Eip selection returned (or shared, when sharing is valid);
 * otherwise the ranked Eips are tried in order and the first with a free address wins.
 */
export function allocateFrom(
  state: AllocatorState,
  selection: Extract<EipSelection, { ok: true }>,
  service: ServiceState,
  family: IpFamily | undefined,
  checked: CheckedRequest,
): FamilyOutcome {
  const { rule, eips } = selection;
  const chosen = eips[0];
  const wanted =
    chosen === undefined || checked.requested.size === 0
      ? undefined
      : checked.requested.get(chosen.range.family);
  if (chosen !== undefined && wanted !== undefined) {
    const pool = poolNamed(state, chosen.name);
    const offset = toOffset(wanted - pool.range.first);
    const node = pool.nodeAt(offset);
    if (node !== undefined) {
      const address = formatIp(pool.ipAt(offset));
      return { ok: false, error: allocationErrors.nodeAddress(address, pool.name, pool.range.family, node) };
    }
    const conflicts = pool.conflicts(offset, service.key, true, service.ports);
    if (conflicts.length > 0) {
      const address = formatIp(pool.ipAt(offset));
      return { ok: false, error: allocationErrors.ipInUse(address, pool.name, pool.range.family, conflicts) };
    }
    const hold: Hold = { state: service, pool, offset, explicit: true, inherited: false };
    pool.attach(hold, state.nextRevision());
    return held(hold, rule);
  }
  for (const eip of eips) {
    const pool = poolNamed(state, eip.name);
    const hold = pool.takeFor(service, state.nextRevision());
    if (hold !== undefined) return held(hold, rule);
  }
  const names = eips.map((e) => e.name);
  let nodeAddresses = 0;
  for (const name of names) nodeAddresses += poolNamed(state, name).nodeAddressCount;
  return { ok: false, error: allocationErrors.eipExhausted(names, family, nodeAddresses) };
}

function ruleMessage(
  rule: SelectionRule,
  address: string,
  eip: string,
  key: string,
  priority: number,
): string {
  switch (rule) {
    case 'kept':
      return `${address} is kept (Eip ${eip})`;
    case 'pinned':
      return `${address} from Eip ${eip}, pinned by the Service`;
    case 'requested':
      return `${address} was requested and is in Eip ${eip}`;
    case 'namespace':
      return `${address} from Eip ${eip}, which serves namespace ${key.slice(0, key.indexOf('/'))} (priority ${String(priority)})`;
    case 'default':
      return `${address} from the default Eip ${eip}`;
  }
}

/**
 * A SelectionReason whose message is written on first read: the controller reads only the rule and
 * address on the reconcile path, and formatting a message per allocation was a measurable cost.
 * The inputs are captured now, so the text describes the decision even if the Eip changes later.
 * `message` is a getter (not an own field); toJSON includes it for logs.
 */
class LazyReason implements SelectionReason {
  #text: string | undefined;
  readonly #key: string;
  readonly #priority: number;

  constructor(
    readonly family: IpFamily,
    readonly rule: SelectionRule,
    readonly eip: string,
    readonly address: string,
    key: string,
    priority: number,
  ) {
    this.#key = key;
    this.#priority = priority;
  }

  get message(): string {
    return (this.#text ??= ruleMessage(this.rule, this.address, this.eip, this.#key, this.#priority));
  }

  toJSON(): SelectionReason {
    const { family, rule, eip, address, message } = this;
    return { family, rule, eip, address, message };
  }
}

/** The successful outcome for a hold chosen by `rule`. */
export function held(hold: Hold, rule: SelectionRule): FamilyOutcome {
  const pool = hold.pool;
  const address = pool.addressAt(hold.offset);
  const reason = new LazyReason(
    pool.range.family,
    rule,
    pool.name,
    address,
    hold.state.key,
    pool.config.priority,
  );
  return { ok: true, hold, reason };
}
