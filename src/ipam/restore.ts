/**
 * restore: put back the allocations recorded in Service status at leader start. The first claimant of
 * an address keeps it; a later one that cannot share it is reported, so two Services never silently
 * end up on one IP.
 */
import { formatIp, type IpFamily } from '../ip/address.js';
import type { AllocatorState } from './allocator.js';
import {
  describeHold,
  holdsOf,
  newServiceState,
  setHolds,
  toAllocation,
  type Hold,
  type ServiceState,
} from './pool.js';
import { serviceKey } from './request.js';
import type { Allocation, RestoreEntry, RestoreProblem, RestoreReport } from './types.js';

/** Restore entries in order; see Allocator.restore. */
export function restoreEntries(state: AllocatorState, entries: readonly RestoreEntry[]): RestoreReport {
  const restored = new Map<string, Allocation>();
  const problems: RestoreProblem[] = [];
  for (const { request, ips } of entries) {
    const key = serviceKey(request);
    const requested = new Set(request.requestedIps.map((ip) => `${ip.family}/${ip.value.toString()}`));
    const service: ServiceState = state.services.get(key) ?? newServiceState(key, request.ports);
    service.ports = request.ports;
    const wanted = new Set(ips.map((ip) => `${ip.family}/${ip.value.toString()}`));
    // Restoring twice is harmless: holds already matching the status stay, others go.
    const before = holdsOf(service);
    for (const hold of before) {
      const ip = describeHold(hold).ip;
      if (!wanted.has(`${ip.family}/${ip.value.toString()}`)) hold.pool.detach(hold, state.nextRevision());
    }
    const holds: Hold[] = [];
    const families = new Set<IpFamily>();
    for (const ip of ips) {
      const address = formatIp(ip);
      if (families.has(ip.family)) {
        problems.push({
          service: key,
          code: 'DuplicateFamily',
          address,
          message: `${address} is a second ${ip.family} address in the Service status; only one per family is kept`,
        });
        continue;
      }
      const pool = state.poolContaining(ip);
      const offset = pool?.offsetOf(ip);
      if (pool === undefined || offset === undefined) {
        problems.push({
          service: key,
          code: 'IPNotInAnyEip',
          address,
          message: `${address} is not in any valid Eip any more; a new IP is allocated`,
        });
        continue;
      }
      const explicit = requested.has(`${ip.family}/${ip.value.toString()}`);
      const existing = before.find((h) => h.pool === pool && h.offset === offset);
      const conflicts = pool.conflicts(offset, key, explicit, request.ports);
      if (conflicts.length > 0) {
        if (existing !== undefined) existing.pool.detach(existing, state.nextRevision());
        problems.push({
          service: key,
          code: 'IPInUse',
          address,
          conflicts,
          message: `${address} is also claimed by ${conflicts.map((c) => c.service).join(', ')}, which keeps it: the IP can be shared only when every Service requests it explicitly on different ports; a new IP is allocated`,
        });
        continue;
      }
      families.add(ip.family);
      if (existing !== undefined) {
        existing.explicit = explicit;
        if (!explicit && pool.isReserved(offset)) existing.inherited = true;
        holds.push(existing);
        continue;
      }
      const hold: Hold = {
        state: service,
        pool,
        offset,
        explicit,
        inherited: !explicit && pool.isReserved(offset),
      };
      pool.attach(hold, state.nextRevision());
      holds.push(hold);
    }
    setHolds(service, holds);
    if (holds.length > 0) {
      state.services.set(key, service);
      restored.set(key, toAllocation(service));
    } else {
      state.services.delete(key);
      restored.delete(key);
    }
  }
  return { restored: [...restored.values()], problems };
}
