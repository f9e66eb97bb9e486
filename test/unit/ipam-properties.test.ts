import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIp } from '../../src/ip/address.js';
import {
  Allocator,
  FreeAddresses,
  overlappingPorts,
  selectEips,
  type AllocationRequest,
  type EipView,
  type IpFamilyPolicy,
  type ServicePort,
} from '../../src/ipam/index.js';
import type { EipConfig } from '../../src/api/index.js';
import { SelectionMemo } from '../../src/ipam/selection-memo.js';
import { eip, svc } from './ipam-fixtures.js';

const POOLS = [
  eip('def', '10.0.0.0/29', { isDefault: true }),
  eip('bound', '10.0.1.0-10.0.1.3', { namespaces: ['a'], priority: 1 }),
  eip('v6', '2001:db8::/126', { isDefault: true }),
];
/** Never handed out automatically: IPv4 network and broadcast, the IPv6 Subnet-Router anycast. */
const NETWORK_AND_BROADCAST = new Set(['10.0.0.0', '10.0.0.7', '2001:db8::']);
const RESERVED_PER_POOL: Record<string, number> = { def: 2, renamed: 2, bound: 0, v6: 1 };
/** Pool set changes: removals, a rename over the same range, disabling, deletion. */
const POOL_VARIANTS = [
  ...POOLS,
  eip('def', '10.0.0.0/29', { isDefault: true, disable: true }),
  eip('renamed', '10.0.0.0/29', { isDefault: true }),
  eip('bound', '10.0.1.0-10.0.1.3', { namespaces: ['a'], priority: 1, deleting: true }),
];

const PORTS: ServicePort[] = [
  { protocol: 'TCP', port: 80 },
  { protocol: 'TCP', port: 443 },
  { protocol: 'UDP', port: 53 },
];
const CANDIDATE_IPS = [
  '10.0.0.0',
  '10.0.0.3',
  '10.0.0.7',
  '10.0.1.2',
  '2001:db8::',
  '2001:db8::1',
  '192.0.2.1',
];
const FAMILY_SETS: { policy: IpFamilyPolicy; families: ('IPv4' | 'IPv6')[] }[] = [
  { policy: 'SingleStack', families: ['IPv4'] },
  { policy: 'SingleStack', families: ['IPv6'] },
  { policy: 'PreferDualStack', families: ['IPv4', 'IPv6'] },
  { policy: 'RequireDualStack', families: ['IPv6', 'IPv4'] },
];

const keyArb = fc
  .tuple(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 4 }))
  .map(([ns, i]) => `${ns}/s${i}`);
const requestArb = fc
  .record({
    key: keyArb,
    requested: fc.option(fc.constantFrom(...CANDIDATE_IPS), { freq: 2 }),
    ports: fc.subarray(PORTS, { minLength: 1 }),
    families: fc.constantFrom(...FAMILY_SETS),
    pinned: fc.option(fc.constantFrom('def', 'bound', 'v6', 'nope'), { freq: 4 }),
  })
  .map(({ key, requested, ports, families, pinned }): AllocationRequest =>
    svc(key, {
      requestedIps: requested === null ? [] : [requested],
      ports,
      ipFamilies: families.families,
      ipFamilyPolicy: families.policy,
      pinnedEips: pinned === null ? [] : [pinned],
    }),
  );
type Command =
  | { kind: 'assign'; request: AllocationRequest }
  | { kind: 'release'; key: string }
  | { kind: 'pools'; pools: EipConfig[] };
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: requestArb.map((request) => ({ kind: 'assign' as const, request })) },
  { weight: 2, arbitrary: keyArb.map((key) => ({ kind: 'release' as const, key })) },
  { weight: 1, arbitrary: fc.subarray(POOL_VARIANTS).map((pools) => ({ kind: 'pools' as const, pools })) },
);

/** Check every invariant of the allocator's state against the requests that produced it. */
function checkInvariants(a: Allocator, lastRequest: Map<string, AllocationRequest>): void {
  const holders = new Map<string, { key: string; explicit: boolean }[]>();
  for (const alloc of a.allocations()) {
    const families = alloc.ips.map((i) => i.ip.family);
    expect(new Set(families).size).toBe(families.length);
    const request = lastRequest.get(alloc.service);
    expect(request).toBeDefined();
    for (const held of alloc.ips) {
      const list = holders.get(held.address) ?? [];
      list.push({ key: alloc.service, explicit: held.explicit });
      holders.set(held.address, list);
      const requested = (request?.requestedIps ?? []).map(formatIp);
      expect(held.explicit).toBe(requested.includes(held.address));
      // Network and broadcast only ever when requested.
      if (NETWORK_AND_BROADCAST.has(held.address)) expect(held.explicit).toBe(true);
    }
  }
  // No IP held by two Services unless all requested it and their ports are disjoint.
  for (const list of holders.values()) {
    if (list.length < 2) continue;
    for (const h of list) expect(h.explicit).toBe(true);
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const pi = lastRequest.get(list[i]!.key)?.ports ?? [];
        const pj = lastRequest.get(list[j]!.key)?.ports ?? [];
        expect(overlappingPorts(pi, pj)).toEqual([]);
      }
    }
  }
  // Counters agree with the allocations.
  for (const status of a.poolStatuses()) {
    const mine = [...holders].filter(([address]) =>
      a.get(holders.get(address)![0]!.key)?.ips.some((i) => i.address === address && i.eip === status.eip),
    );
    expect(status.inUse).toBe(mine.length);
    expect(Object.keys(status.used).sort()).toEqual(mine.map(([address]) => address).sort());
    for (const [address, list] of mine) {
      expect(status.used[address]?.split(';').sort()).toEqual(list.map((h) => h.key).sort());
    }
    const heldReserved = mine.filter(([address]) => NETWORK_AND_BROADCAST.has(address)).length;
    expect(status.available).toBe(
      status.size - BigInt(RESERVED_PER_POOL[status.eip] ?? 0) - BigInt(mine.length - heldReserved),
    );
    expect(status.occupied).toBe(status.available === 0n);
  }
}

function runCommands(commands: readonly Command[]): {
  a: Allocator;
  lastRequest: Map<string, AllocationRequest>;
  pools: EipConfig[];
} {
  const a = new Allocator();
  let pools = POOLS;
  a.setPools(pools);
  const lastRequest = new Map<string, AllocationRequest>();
  for (const command of commands) {
    if (command.kind === 'pools') {
      pools = command.pools;
      const change = a.setPools(pools);
      for (const d of change.displaced) {
        const still = a.get(d.service)?.ips.some((i) => i.address === d.address) ?? false;
        expect(still).toBe(d.why === 'deleting');
      }
    } else if (command.kind === 'assign') {
      lastRequest.set(`${command.request.namespace}/${command.request.name}`, command.request);
      a.assign(command.request);
    } else {
      const before = new Map(a.poolStatuses().map((s) => [s.eip, s.available]));
      const held = a.get(command.key);
      const freed = new Map<string, bigint>();
      for (const i of held?.ips ?? []) {
        const exclusive = a.holdersOf(i.ip).length === 1;
        if (exclusive && !NETWORK_AND_BROADCAST.has(i.address))
          freed.set(i.eip, (freed.get(i.eip) ?? 0n) + 1n);
      }
      expect(a.release(command.key)).toEqual(held);
      // A release restores exactly the capacity the Service alone was using.
      for (const status of a.poolStatuses()) {
        expect(status.available).toBe((before.get(status.eip) ?? 0n) + (freed.get(status.eip) ?? 0n));
      }
      expect(a.get(command.key)).toBeUndefined();
    }
    checkInvariants(a, lastRequest);
  }
  return { a, lastRequest, pools };
}

describe('allocator properties', () => {
  it('no IP is held by two non-sharing Services; counters, releases and network/broadcast stay right', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 40 }), (commands) => {
        runCommands(commands);
      }),
      { numRuns: 300 },
    );
  });

  it('rebuilding from the assignments (restore) gives back the same assignments, in any order', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 40 }), fc.integer(), (commands, seed) => {
        const { a, lastRequest, pools } = runCommands(commands);
        const snapshot = a.allocations();
        const entries = snapshot.map((alloc) => ({
          request: lastRequest.get(alloc.service)!,
          ips: alloc.ips.map((i) => i.ip),
        }));
        // Any deterministic shuffle: a consistent ledger restores the same whatever the order.
        const shuffled = entries
          .map((e, i) => ({ e, k: (Math.imul(i + 1, seed | 1) >>> 0) % 997 }))
          .sort((x, y) => x.k - y.k)
          .map((x) => x.e);
        const rebuilt = new Allocator();
        rebuilt.setPools(pools);
        const report = rebuilt.restore(shuffled);
        expect(report.problems).toEqual([]);
        const byKey = (list: typeof snapshot) =>
          Object.fromEntries(
            list.map((x) => [x.service, x.ips.map((i) => `${i.eip} ${i.address} ${i.explicit}`)]),
          );
        expect(byKey(rebuilt.allocations())).toEqual(byKey(snapshot));
        for (const status of a.poolStatuses()) {
          const other = rebuilt.poolStatus(status.eip);
          expect(other?.inUse).toBe(status.inUse);
          expect(other?.available).toBe(status.available);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('selection memo property', () => {
  const variants = [
    eip('ws', '10.0.2.0/24', { namespaceSelector: { team: 'x' }, priority: 2 }),
    eip('ws-full', '10.0.3.0/24', { namespaceSelector: { team: 'x', tier: 'gold' } }),
    eip('ns-bound', '10.0.4.0/24', { namespaces: ['a'], priority: 5 }),
    eip('v6-default', '2001:db8::/64', { isDefault: true }),
    eip('v4-default', '10.0.5.0/24', { isDefault: true, disable: true }),
  ];
  const viewsArb = fc.array(fc.record({ config: fc.constantFrom(...variants), occupied: fc.boolean() }), {
    maxLength: 5,
  });
  const labelsArb = fc.dictionary(
    fc.constantFrom('team', 'tier', 'other'),
    fc.constantFrom('x', 'gold', 'y'),
  );

  it('answers exactly what selectEips answers, for any sequence of pool states and namespaces', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            reuseViews: fc.boolean(),
            views: viewsArb,
            namespace: fc.constantFrom('a', 'b'),
            labels: labelsArb,
            family: fc.constantFrom<('IPv4' | 'IPv6' | undefined)[]>('IPv4', 'IPv6', undefined),
          }),
          { maxLength: 30 },
        ),
        (steps) => {
          const memo = new SelectionMemo();
          let current: EipView[] = [];
          for (const step of steps) {
            // The allocator hands over the same array while nothing changed, a new one otherwise.
            if (!step.reuseViews) current = step.views;
            const request = svc(`${step.namespace}/s`, { namespaceLabels: step.labels });
            expect(memo.select(current, [], request, step.family)).toEqual(
              selectEips(current, [], request, step.family),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('free-address order property', () => {
  type Op = { kind: 'take' } | { kind: 'free' | 'claim' | 'block' | 'unblock'; offset: number };
  // Small, so sequences often exhaust the table and reach the release queue.
  const SIZE = 8;
  const RESERVED = [0, SIZE - 1];
  const at = (kind: 'free' | 'claim' | 'block' | 'unblock'): fc.Arbitrary<Op> =>
    fc.integer({ min: 0, max: SIZE - 1 }).map((offset) => ({ kind, offset }));
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.constant({ kind: 'take' as const }) },
    { weight: 3, arbitrary: at('free') },
    { weight: 1, arbitrary: at('claim') },
    { weight: 1, arbitrary: at('block') },
    { weight: 1, arbitrary: at('unblock') },
  );

  it('take() returns the lowest never-used unblocked address, else the unblocked one released longest ago', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const table = new FreeAddresses<true>(BigInt(SIZE), RESERVED);
        // Model: fresh offsets (never held, not yet passed), held offsets, released offsets with their
        // release time, blocked offsets, and parked ones: free offsets take() went past while they
        // were blocked, which come back as released when unblocked.
        const fresh = new Set(Array.from({ length: SIZE }, (_, i) => i).filter((i) => !RESERVED.includes(i)));
        const held = new Set<number>();
        const released = new Map<number, number>();
        const blocked = new Set<number>();
        const parked = new Set<number>();
        let clock = 0;
        const park = (offset: number): void => {
          fresh.delete(offset);
          released.delete(offset);
          parked.add(offset);
        };
        for (const op of ops) {
          if (op.kind === 'take') {
            const open = [...fresh].filter((o) => !blocked.has(o));
            let expected: number | undefined;
            if (open.length > 0) {
              expected = Math.min(...open);
              for (const o of fresh) if (o < expected && blocked.has(o)) park(o);
            } else {
              for (const o of fresh) park(o);
              for (const [o] of [...released].sort((x, y) => x[1] - y[1])) {
                if (!blocked.has(o)) {
                  expected = o;
                  break;
                }
                park(o);
              }
            }
            expect(table.take(true)).toBe(expected);
            if (expected !== undefined) {
              fresh.delete(expected);
              released.delete(expected);
              held.add(expected);
            }
          } else if (op.kind === 'free') {
            expect(table.free(op.offset)).toBe(held.has(op.offset));
            if (held.delete(op.offset) && !RESERVED.includes(op.offset)) released.set(op.offset, clock++);
          } else if (op.kind === 'claim') {
            expect(table.claim(op.offset, true)).toBe(!held.has(op.offset));
            fresh.delete(op.offset);
            released.delete(op.offset);
            parked.delete(op.offset);
            held.add(op.offset);
          } else if (op.kind === 'block') {
            expect(table.block(op.offset)).toBe(!blocked.has(op.offset));
            blocked.add(op.offset);
          } else {
            expect(table.unblock(op.offset)).toBe(blocked.delete(op.offset));
            if (parked.delete(op.offset)) released.set(op.offset, clock++);
          }
          expect(table.usedCount).toBe(held.size);
          const open = (o: number): boolean => !blocked.has(o);
          const available = [...fresh].filter(open).length + [...released.keys()].filter(open).length;
          expect(table.available).toBe(BigInt(available));
          expect(table.exhausted).toBe(available === 0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
