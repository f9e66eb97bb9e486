import { describe, expect, it } from 'vitest';
import { Allocator, type AllocationRequest, type AssignResult } from '../../src/ipam/index.js';
import { eip, ip, svc } from './ipam-fixtures.js';

function addresses(result: AssignResult): string[] {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.allocation.ips.map((i) => i.address);
}

function refusal(result: AssignResult): { code: string; message: string } {
  if (result.ok) throw new Error(`expected a refusal, got ${addresses(result).join(',')}`);
  return result.error;
}

function withDefault(address = '192.168.0.0/29'): Allocator {
  const a = new Allocator();
  a.setPools([eip('pool', address, { isDefault: true })]);
  return a;
}

describe('Allocator.assign: automatic allocation', () => {
  it('skips the network address of a CIDR and reports the rule that chose the Eip', () => {
    const a = withDefault();
    const r = a.assign(svc('ns/a'));
    expect(addresses(r)).toEqual(['192.168.0.1']);
    expect(r.ok && r.changed).toBe(true);
    expect(r.ok && r.reasons[0]).toMatchObject({ rule: 'default', eip: 'pool', family: 'IPv4' });
    expect(r.ok && r.allocation).toMatchObject({ service: 'ns/a', eip: 'pool' });
  });

  it('describes each IP with its address, Eip, explicitness and value, also in JSON', () => {
    const a = withDefault();
    const r = a.assign(svc('ns/a'));
    const only = r.ok ? r.allocation.ips[0] : undefined;
    expect(only?.ip).toEqual(ip('192.168.0.1'));
    const json = JSON.stringify(only, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    expect(JSON.parse(json)).toEqual({
      ip: { family: 'IPv4', value: '3232235521' },
      address: '192.168.0.1',
      eip: 'pool',
      explicit: false,
    });
    expect(a.release('ns/a')?.ips[0]?.ip).toEqual(ip('192.168.0.1'));
  });

  it('formats every address of a pool that spans several /24 blocks and starts mid-block', () => {
    const a = new Allocator();
    a.setPools([eip('pool', '10.0.0.250-10.0.2.3', { isDefault: true })]);
    const got = Array.from({ length: 6 + 256 + 4 }, (_, i) => addresses(a.assign(svc(`ns/s${i}`)))[0]);
    const dotted = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    expect(got).toEqual(Array.from({ length: 266 }, (_, i) => dotted(0x0a0000fa + i)));
    expect(a.release('ns/s7')?.ips[0]?.address).toBe('10.0.1.1');
  });

  it('is idempotent: a Service that holds a compatible allocation keeps it unchanged', () => {
    const a = withDefault();
    const first = a.assign(svc('ns/a'));
    const again = a.assign(svc('ns/a'));
    expect(addresses(again)).toEqual(addresses(first));
    expect(again.ok && again.changed).toBe(false);
    expect(again.ok && again.reasons[0]?.rule).toBe('kept');
    expect(a.poolStatus('pool')?.inUse).toBe(1);
  });

  it('never hands out network or broadcast automatically: a /29 gives 6, then EipExhausted', () => {
    const a = withDefault();
    const got = Array.from({ length: 6 }, (_, i) => addresses(a.assign(svc(`ns/s${i}`)))[0]);
    expect(got).toEqual([
      '192.168.0.1',
      '192.168.0.2',
      '192.168.0.3',
      '192.168.0.4',
      '192.168.0.5',
      '192.168.0.6',
    ]);
    const err = refusal(a.assign(svc('ns/late')));
    expect(err.code).toBe('EipExhausted');
    expect(err.message).toMatch(/Eip pool has no free IPv4 address/);
    expect(a.get('ns/late')).toBeUndefined();
  });

  it('hands them out when autoAssignNetworkAndBroadcast is set (OpenELB 0.6 behaviour)', () => {
    const a = new Allocator({ autoAssignNetworkAndBroadcast: true });
    a.setPools([eip('pool', '192.168.0.0/30', { isDefault: true })]);
    const got = Array.from({ length: 4 }, (_, i) => addresses(a.assign(svc(`ns/s${i}`)))[0]);
    expect(got).toEqual(['192.168.0.0', '192.168.0.1', '192.168.0.2', '192.168.0.3']);
  });

  it('never hands out the Subnet-Router anycast address (prefix::) of an IPv6 CIDR automatically', () => {
    const a = withDefault('2001:db8::/126');
    const v6 = (key: string, requestedIps: string[] = []): AllocationRequest =>
      svc(key, { ipFamilies: ['IPv6'], requestedIps });
    const got = ['ns/s0', 'ns/s1', 'ns/s2'].map((k) => addresses(a.assign(v6(k)))[0]);
    expect(got).toEqual(['2001:db8::1', '2001:db8::2', '2001:db8::3']);
    expect(refusal(a.assign(v6('ns/late'))).code).toBe('EipExhausted');
    // Asked for by name it is handed out: the user knows their link.
    expect(addresses(a.assign(v6('ns/explicit', ['2001:db8::'])))).toEqual(['2001:db8::']);
  });

  it('keeps prefix:: restored from status (handed out before this rule existed): no IP moves', () => {
    const a = withDefault('2001:db8::/64');
    const old = svc('ns/old', { ipFamilies: ['IPv6'] });
    expect(a.restore([{ request: old, ips: [ip('2001:db8::')] }]).problems).toEqual([]);
    const r = a.assign(old);
    expect(addresses(r)).toEqual(['2001:db8::']);
    expect(r.ok && r.changed).toBe(false);
  });

  it('an IPv6 /127, /128 or start-end range hands out every address', () => {
    for (const [address, expected] of [
      ['2001:db8::/127', ['2001:db8::', '2001:db8::1']],
      ['2001:db8::5/128', ['2001:db8::5']],
      ['2001:db8::-2001:db8::1', ['2001:db8::', '2001:db8::1']],
    ] as const) {
      const a = withDefault(address);
      const got = expected.map((_, i) => addresses(a.assign(svc(`ns/s${i}`, { ipFamilies: ['IPv6'] })))[0]);
      expect(got).toEqual(expected);
    }
  });

  it('a /31, a /32 and a start-end range hand out every address', () => {
    for (const [address, expected] of [
      ['10.0.0.0/31', ['10.0.0.0', '10.0.0.1']],
      ['10.0.0.5/32', ['10.0.0.5']],
      ['10.0.0.0-10.0.0.2', ['10.0.0.0', '10.0.0.1', '10.0.0.2']],
    ] as const) {
      const a = withDefault(address);
      const got = expected.map((_, i) => addresses(a.assign(svc(`ns/s${i}`)))[0]);
      expect(got).toEqual(expected);
      expect(refusal(a.assign(svc('ns/more'))).code).toBe('EipExhausted');
    }
  });

  it('does not hand a just-released IP out again while others are free (MetalLB #778)', () => {
    const a = withDefault();
    addresses(a.assign(svc('ns/a')));
    const b = addresses(a.assign(svc('ns/b')))[0];
    expect(a.release('ns/b')?.ips[0]?.address).toBe(b);
    expect(addresses(a.assign(svc('ns/c')))).toEqual(['192.168.0.3']);
  });

  it('tries namespace-bound Eips in order and moves on when one is full', () => {
    const a = new Allocator();
    a.setPools([
      eip('first', '10.0.0.1', { namespaces: ['ns'], priority: 1 }),
      eip('second', '10.0.1.1', { namespaces: ['ns'], priority: 2 }),
    ]);
    expect(addresses(a.assign(svc('ns/a')))).toEqual(['10.0.0.1']);
    expect(addresses(a.assign(svc('ns/b')))).toEqual(['10.0.1.1']);
    const err = refusal(a.assign(svc('ns/c')));
    expect(err.code).toBe('EipExhausted');
    expect(err.message).toMatch(/Eips first, second have no free IPv4 address/);
  });

  it('a bound Eip that frees up is preferred again (non-occupied first, then priority)', () => {
    const a = new Allocator();
    a.setPools([
      eip('first', '10.0.0.1', { namespaces: ['ns'], priority: 1 }),
      eip('second', '10.0.1.0/24', { namespaces: ['ns'], priority: 2 }),
    ]);
    expect(addresses(a.assign(svc('ns/a')))).toEqual(['10.0.0.1']);
    expect(addresses(a.assign(svc('ns/b')))).toEqual(['10.0.1.1']);
    a.release('ns/a');
    expect(addresses(a.assign(svc('ns/c')))).toEqual(['10.0.0.1']);
  });

  it('follows namespace label changes (KubeSphere workspace moves)', () => {
    const a = new Allocator();
    a.setPools([
      eip('ws1', '10.0.0.0/24', { namespaceSelector: { 'kubesphere.io/workspace': 'ws1' } }),
      eip('default', '10.0.1.0/24', { isDefault: true }),
    ]);
    const inWs = (key: string, ws: string) =>
      svc(key, { namespaceLabels: { 'kubesphere.io/workspace': ws } });
    expect(a.assign(inWs('p/a', 'ws1')).ok && a.get('p/a')?.eip).toBe('ws1');
    expect(a.assign(inWs('p/b', 'ws2')).ok && a.get('p/b')?.eip).toBe('default');
    expect(a.assign(inWs('p/c', 'ws1')).ok && a.get('p/c')?.eip).toBe('ws1');
  });

  it('release of an unknown Service returns undefined and changes nothing', () => {
    const a = withDefault();
    expect(a.release('ns/nobody')).toBeUndefined();
    expect(a.poolStatus('pool')?.inUse).toBe(0);
  });
});

describe('Allocator.assign: requested IPs and sharing', () => {
  const shared = (key: string, port: number, protocol = 'TCP'): AllocationRequest =>
    svc(key, { requestedIps: ['192.168.0.4'], ports: [{ protocol, port }] });

  it('gives a requested IP, explicit, and it may be the network address', () => {
    const a = withDefault();
    const r = a.assign(svc('ns/a', { requestedIps: ['192.168.0.0'] }));
    expect(addresses(r)).toEqual(['192.168.0.0']);
    expect(r.ok && r.allocation.ips[0]?.explicit).toBe(true);
    expect(r.ok && r.reasons[0]?.rule).toBe('requested');
    expect(a.poolStatus('pool')).toMatchObject({ inUse: 1, available: 6n });
  });

  it('automatic allocation skips an IP that was requested explicitly ahead of the cursor', () => {
    const a = withDefault();
    addresses(a.assign(svc('ns/a', { requestedIps: ['192.168.0.2'] })));
    expect(addresses(a.assign(svc('ns/b')))).toEqual(['192.168.0.1']);
    expect(addresses(a.assign(svc('ns/c')))).toEqual(['192.168.0.3']);
  });

  it('shares an IP when both Services request it and their ports differ', () => {
    const a = withDefault();
    addresses(a.assign(shared('ns/a', 80)));
    addresses(a.assign(shared('ns/b', 53, 'UDP')));
    expect(a.holdersOf(ip('192.168.0.4'))).toEqual(['ns/a', 'ns/b']);
    expect(a.poolStatus('pool')?.used).toEqual({ '192.168.0.4': 'ns/a;ns/b' });
    expect(a.poolStatus('pool')?.inUse).toBe(1);
  });

  it('refuses sharing on an overlapping (protocol, port), case-insensitively, naming the holder', () => {
    const a = withDefault();
    addresses(a.assign(shared('ns/a', 80)));
    const err = refusal(a.assign(shared('other/b', 80, 'tcp')));
    expect(err.code).toBe('IPInUse');
    expect(err.message).toMatch(/192\.168\.0\.4 is used by ns\/a on the same ports \(TCP\/80\)/);
    expect(a.holdersOf(ip('192.168.0.4'))).toEqual(['ns/a']);
  });

  it('TCP and UDP on the same port do not overlap', () => {
    const a = withDefault();
    addresses(a.assign(shared('ns/dns-tcp', 53, 'TCP')));
    addresses(a.assign(shared('ns/dns-udp', 53, 'UDP')));
    expect(a.holdersOf(ip('192.168.0.4'))).toHaveLength(2);
  });

  it('refuses an IP held by a Service that got it automatically', () => {
    const a = withDefault();
    addresses(a.assign(svc('ns/auto')));
    const err = refusal(
      a.assign(svc('ns/b', { requestedIps: ['192.168.0.1'], ports: [{ protocol: 'TCP', port: 443 }] })),
    );
    expect(err.code).toBe('IPInUse');
    expect(err.message).toMatch(/ns\/auto \(allocated automatically, so not shareable\)/);
  });

  it('a Service changing its ports to overlap on a shared IP loses the IP', () => {
    const a = withDefault();
    addresses(a.assign(shared('ns/a', 80)));
    addresses(a.assign(shared('ns/b', 81)));
    const r = a.assign(shared('ns/b', 80));
    expect(refusal(r).code).toBe('IPInUse');
    expect(r.released.map((i) => i.address)).toEqual(['192.168.0.4']);
    expect(a.get('ns/b')).toBeUndefined();
    expect(a.holdersOf(ip('192.168.0.4'))).toEqual(['ns/a']);
  });

  it('a new requested IP releases the old one', () => {
    const a = withDefault();
    addresses(a.assign(svc('ns/a', { requestedIps: ['192.168.0.2'] })));
    const r = a.assign(svc('ns/a', { requestedIps: ['192.168.0.3'] }));
    expect(addresses(r)).toEqual(['192.168.0.3']);
    expect(r.ok && r.released.map((i) => i.address)).toEqual(['192.168.0.2']);
    expect(a.poolStatus('pool')?.used).toEqual({ '192.168.0.3': 'ns/a' });
  });

  it('dropping the request keeps the IP (no move), but no longer explicit', () => {
    const a = withDefault();
    addresses(a.assign(svc('ns/a', { requestedIps: ['192.168.0.5'] })));
    const r = a.assign(svc('ns/a'));
    expect(addresses(r)).toEqual(['192.168.0.5']);
    expect(r.ok && r.allocation.ips[0]?.explicit).toBe(false);
    expect(r.ok && r.changed).toBe(true);
  });

  it('dropping the request for the network address moves the Service to an ordinary one', () => {
    const a = withDefault();
    addresses(a.assign(svc('ns/a', { requestedIps: ['192.168.0.0'] })));
    const r = a.assign(svc('ns/a'));
    expect(addresses(r)).toEqual(['192.168.0.1']);
    expect(r.ok && r.released.map((i) => i.address)).toEqual(['192.168.0.0']);
  });

  it('keeps a network address restored from status that OpenELB 0.6 handed out automatically', () => {
    const a = withDefault();
    const report = a.restore([{ request: svc('ns/old'), ips: [ip('192.168.0.0')] }]);
    expect(report.problems).toEqual([]);
    const r = a.assign(svc('ns/old'));
    expect(addresses(r)).toEqual(['192.168.0.0']);
    expect(r.ok && r.changed).toBe(false);
  });

  it('dropping the request on a shared IP moves the Service off it', () => {
    const a = withDefault();
    addresses(a.assign(shared('ns/a', 80)));
    addresses(a.assign(shared('ns/b', 81)));
    const r = a.assign(svc('ns/b', { ports: [{ protocol: 'TCP', port: 81 }] }));
    expect(addresses(r)).toEqual(['192.168.0.1']);
    expect(a.holdersOf(ip('192.168.0.4'))).toEqual(['ns/a']);
  });

  it('a refused request leaves the Service holding nothing, and says what it gave up', () => {
    const a = withDefault();
    addresses(a.assign(svc('ns/holder', { requestedIps: ['192.168.0.6'] })));
    addresses(a.assign(svc('ns/a')));
    const r = a.assign(svc('ns/a', { requestedIps: ['192.168.0.6'] }));
    expect(refusal(r).code).toBe('IPInUse');
    expect(r.released.map((i) => i.address)).toEqual(['192.168.0.1']);
    expect(a.get('ns/a')).toBeUndefined();
  });

  it('two requested IPs of one family are an InvalidRequest', () => {
    const a = withDefault();
    const err = refusal(a.assign(svc('ns/a', { requestedIps: ['192.168.0.2', '192.168.0.3'] })));
    expect(err.code).toBe('InvalidRequest');
    expect(err.message).toMatch(/at most one per family/);
  });
});

describe('Allocator.assign: pinned, disabled and family rules', () => {
  function twoPools(): Allocator {
    const a = new Allocator();
    a.setPools([eip('a', '10.0.0.0/24', { isDefault: true }), eip('b', '10.0.1.0/24')]);
    return a;
  }

  it('changing the pinned Eip moves the Service; removing the pin keeps it where it is', () => {
    const a = twoPools();
    expect(addresses(a.assign(svc('ns/s')))).toEqual(['10.0.0.1']);
    const moved = a.assign(svc('ns/s', { pinnedEips: ['b'] }));
    expect(addresses(moved)).toEqual(['10.0.1.1']);
    expect(moved.ok && moved.released.map((i) => i.eip)).toEqual(['a']);
    expect(addresses(a.assign(svc('ns/s')))).toEqual(['10.0.1.1']);
  });

  it('a disabled Eip keeps existing allocations and refuses new ones', () => {
    const a = twoPools();
    addresses(a.assign(svc('ns/old', { pinnedEips: ['b'] })));
    const change = a.setPools([
      eip('a', '10.0.0.0/24', { isDefault: true }),
      eip('b', '10.0.1.0/24', { disable: true }),
    ]);
    expect(change.displaced).toEqual([]);
    expect(addresses(a.assign(svc('ns/old', { pinnedEips: ['b'] })))).toEqual(['10.0.1.1']);
    expect(refusal(a.assign(svc('ns/new', { pinnedEips: ['b'] }))).code).toBe('EipDisabled');
    expect(a.poolStatus('b')).toMatchObject({ disabled: true, inUse: 1 });
  });

  it('a single-stack Service of the other family gets FamilyMismatch', () => {
    const a = twoPools();
    const err = refusal(a.assign(svc('ns/v6', { ipFamilies: ['IPv6'] })));
    expect(err.code).toBe('FamilyMismatch');
    const pinned = refusal(a.assign(svc('ns/v6', { ipFamilies: ['IPv6'], pinnedEips: ['a'] })));
    expect(pinned.code).toBe('FamilyMismatch');
    expect(pinned.message).toMatch(/Eip a is IPv4 but the Service wants IPv6/);
    const requested = refusal(a.assign(svc('ns/v4', { requestedIps: ['2001:db8::1'] })));
    expect(requested.code).toBe('FamilyMismatch');
  });

  it('a Service without spec.ipFamilies takes the family of its pin or requested IP', () => {
    const a = new Allocator();
    a.setPools([eip('v4', '10.0.0.0/24', { isDefault: true }), eip('v6', '2001:db8::/120')]);
    expect(addresses(a.assign(svc('ns/a', { ipFamilies: [], pinnedEips: ['v6'] })))).toEqual(['2001:db8::1']);
    expect(addresses(a.assign(svc('ns/b', { ipFamilies: [], requestedIps: ['2001:db8::9'] })))).toEqual([
      '2001:db8::9',
    ]);
    expect(addresses(a.assign(svc('ns/c', { ipFamilies: [] })))).toEqual(['10.0.0.1']);
  });

  it('pinning two Eips of one family is an InvalidRequest', () => {
    const a = twoPools();
    expect(refusal(a.assign(svc('ns/s', { pinnedEips: ['a', 'b'] }))).code).toBe('InvalidRequest');
  });
});

describe('Allocator.assign: dual-stack', () => {
  function dual(): Allocator {
    const a = new Allocator();
    a.setPools([
      eip('v4', '10.0.0.0/24', { isDefault: true }),
      eip('v6', '2001:db8::/64', { isDefault: true }),
    ]);
    return a;
  }

  it('RequireDualStack gets one IP per family in spec.ipFamilies order', () => {
    const a = dual();
    const r = a.assign(svc('ns/a', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] }));
    expect(addresses(r)).toEqual(['2001:db8::1', '10.0.0.1']);
    expect(r.ok && r.allocation.eip).toBe('v6');
    expect(a.poolStatus('v6')?.used).toEqual({ '2001:db8::1': 'ns/a' });
  });

  it('RequireDualStack fails when a family has no Eip, and holds nothing', () => {
    const a = withDefault();
    const r = a.assign(svc('ns/a', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] }));
    expect(refusal(r).code).toBe('FamilyMismatch');
    expect(a.get('ns/a')).toBeUndefined();
    expect(a.poolStatus('pool')?.inUse).toBe(0);
  });

  it('PreferDualStack takes what is available and adds the missing family later', () => {
    const a = withDefault('10.0.0.0/24');
    const request = svc('ns/a', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] });
    const first = a.assign(request);
    expect(addresses(first)).toEqual(['10.0.0.1']);
    expect(first.ok && first.missing.map((m) => [m.code, m.family])).toEqual([['FamilyMismatch', 'IPv6']]);
    a.setPools([
      eip('pool', '10.0.0.0/24', { isDefault: true }),
      eip('v6', '2001:db8::/64', { isDefault: true }),
    ]);
    const second = a.assign(request);
    expect(addresses(second)).toEqual(['10.0.0.1', '2001:db8::1']);
    expect(second.ok && second.changed).toBe(true);
  });

  it('PreferDualStack on a single-stack cluster (one family listed) asks for one IP', () => {
    const a = dual();
    expect(
      addresses(a.assign(svc('ns/a', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4'] }))),
    ).toEqual(['10.0.0.1']);
  });

  it('going back to SingleStack releases the second family', () => {
    const a = dual();
    addresses(a.assign(svc('ns/a', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] })));
    const r = a.assign(svc('ns/a', { ipFamilies: ['IPv4', 'IPv6'] }));
    expect(addresses(r)).toEqual(['10.0.0.1']);
    expect(r.ok && r.released.map((i) => i.address)).toEqual(['2001:db8::1']);
  });

  it('a dual-stack Service may pin one Eip per family', () => {
    const a = new Allocator();
    a.setPools([eip('v4', '10.0.0.0/24'), eip('v6', '2001:db8::/64')]);
    const r = a.assign(
      svc('ns/a', {
        ipFamilyPolicy: 'RequireDualStack',
        ipFamilies: ['IPv4', 'IPv6'],
        pinnedEips: ['v6', 'v4'],
      }),
    );
    expect(addresses(r)).toEqual(['10.0.0.1', '2001:db8::1']);
  });
});

describe('Allocator pool counters', () => {
  it('reports size, reserved, usage, availability and the used map in OpenELB format', () => {
    const a = withDefault('192.168.0.0/30');
    expect(a.poolStatus('pool')).toEqual({
      eip: 'pool',
      family: 'IPv4',
      v4: true,
      firstIP: '192.168.0.0',
      lastIP: '192.168.0.3',
      size: 4n,
      reserved: 2n,
      nodeAddresses: 0,
      inUse: 0,
      available: 2n,
      occupied: false,
      used: {},
      disabled: false,
      deleting: false,
      revision: 0,
    });
    addresses(a.assign(svc('ns/a')));
    addresses(a.assign(svc('ns/b')));
    const full = a.poolStatus('pool');
    expect(full).toMatchObject({ inUse: 2, available: 0n, occupied: true });
    expect(full?.used).toEqual({ '192.168.0.1': 'ns/a', '192.168.0.2': 'ns/b' });
    // An explicit request for the broadcast address still works on an "occupied" pool.
    addresses(a.assign(svc('ns/c', { requestedIps: ['192.168.0.3'] })));
    expect(a.poolStatus('pool')).toMatchObject({ inUse: 3, available: 0n });
    expect((full?.revision ?? 0) < (a.poolStatus('pool')?.revision ?? 0)).toBe(true);
    expect(a.servicesIn('pool').sort()).toEqual(['ns/a', 'ns/b', 'ns/c']);
    expect(a.poolStatuses().map((s) => s.eip)).toEqual(['pool']);
    expect(a.poolStatus('nope')).toBeUndefined();
  });

  it('an IPv6 /64 reports 2^64 addresses and allocates without materialising them', () => {
    const a = new Allocator();
    a.setPools([eip('v6', '2001:db8:1:2::/64', { isDefault: true })]);
    for (let i = 0; i < 1000; i++) addresses(a.assign(svc(`ns/s${i}`, { ipFamilies: ['IPv6'] })));
    expect(a.get('ns/s999')?.ips[0]?.address).toBe('2001:db8:1:2::3e8');
    const last = a.assign(
      svc('ns/top', { ipFamilies: ['IPv6'], requestedIps: ['2001:db8:1:2:ffff:ffff:ffff:ffff'] }),
    );
    expect(addresses(last)).toEqual(['2001:db8:1:2:ffff:ffff:ffff:ffff']);
    expect(a.poolStatus('v6')).toMatchObject({
      size: 1n << 64n,
      reserved: 1n,
      inUse: 1001,
      available: (1n << 64n) - 1001n - 1n,
    });
  });
});
