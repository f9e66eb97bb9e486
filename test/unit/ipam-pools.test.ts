import { describe, expect, it } from 'vitest';
import { Allocator, type RestoreEntry } from '../../src/ipam/index.js';
import { eip, ip, svc } from './ipam-fixtures.js';

const addressOf = (a: Allocator, key: string): string[] | undefined => a.get(key)?.ips.map((i) => i.address);

describe('Allocator.setPools', () => {
  it('rejects an Eip overlapping one accepted before it, and a pin on it says so', () => {
    const a = new Allocator();
    const change = a.setPools([
      eip('first', '10.0.0.0/24'),
      eip('second', '10.0.0.128/25'),
      eip('v6', '::1'),
    ]);
    expect(change.rejected).toHaveLength(1);
    expect(change.rejected[0]).toMatchObject({ eip: 'second', code: 'EipOverlap', overlaps: 'first' });
    expect(change.rejected[0]?.message).toMatch(/10\.0\.0\.128\/25 overlaps Eip first \(10\.0\.0\.0\/24\)/);
    expect(a.poolStatus('second')).toBeUndefined();
    const r = a.assign(svc('ns/a', { pinnedEips: ['second'] }));
    expect(r.ok ? 'ok' : r.error.code).toBe('EipInvalid');
  });

  it('a pin on an Eip the controller could not parse gets its reason', () => {
    const a = new Allocator();
    a.setPools([], [{ name: 'bad', reason: 'spec.address: "x" is not an IPv4 or IPv6 address' }]);
    const r = a.assign(svc('ns/a', { pinnedEips: ['bad'] }));
    expect(r.ok ? '' : r.error.message).toMatch(/Eip bad is invalid \(spec\.address: "x"/);
  });

  it('a removed Eip displaces its Services, which then get a new IP elsewhere', () => {
    const a = new Allocator();
    a.setPools([eip('old', '10.0.0.0/24', { isDefault: true }), eip('new', '10.0.1.0/24')]);
    a.assign(svc('ns/a'));
    const change = a.setPools([eip('new', '10.0.1.0/24', { isDefault: true })]);
    expect(change.displaced).toEqual([
      expect.objectContaining({ service: 'ns/a', eip: 'old', address: '10.0.0.1', why: 'removed' }),
    ]);
    expect(a.get('ns/a')).toBeUndefined();
    expect(a.allocations()).toEqual([]);
    a.assign(svc('ns/a'));
    expect(addressOf(a, 'ns/a')).toEqual(['10.0.1.1']);
  });

  it('an Eip turned invalid displaces with why=invalid', () => {
    const a = new Allocator();
    a.setPools([eip('p', '10.0.0.0/24', { isDefault: true })]);
    a.assign(svc('ns/a'));
    const change = a.setPools([], [{ name: 'p', reason: 'broken' }]);
    expect(change.displaced.map((d) => d.why)).toEqual(['invalid']);
  });

  it('a deleting Eip keeps its IPs until each Service is assigned again, then moves it', () => {
    const a = new Allocator();
    a.setPools([
      eip('going', '10.0.0.0/24', { namespaces: ['ns'] }),
      eip('default', '10.0.1.0/24', { isDefault: true }),
    ]);
    a.assign(svc('ns/a'));
    const change = a.setPools([
      eip('going', '10.0.0.0/24', { namespaces: ['ns'], deleting: true }),
      eip('default', '10.0.1.0/24', { isDefault: true }),
    ]);
    expect(change.displaced).toEqual([expect.objectContaining({ service: 'ns/a', why: 'deleting' })]);
    expect(addressOf(a, 'ns/a')).toEqual(['10.0.0.1']);
    const moved = a.assign(svc('ns/a'));
    expect(moved.ok && moved.allocation.ips.map((i) => `${i.eip}:${i.address}`)).toEqual([
      'default:10.0.1.1',
    ]);
    expect(a.servicesIn('going')).toEqual([]);
  });

  it('a range change keeps the IPs still inside and displaces the others', () => {
    const a = new Allocator();
    a.setPools([eip('p', '10.0.0.0-10.0.0.3', { isDefault: true })]);
    a.assign(svc('ns/a'));
    a.assign(svc('ns/b'));
    a.assign(svc('ns/c'));
    const change = a.setPools([eip('p', '10.0.0.1-10.0.0.9', { isDefault: true })]);
    expect(change.displaced.map((d) => [d.service, d.why])).toEqual([['ns/a', 'outOfRange']]);
    expect(change.rehomed).toEqual([]);
    expect(addressOf(a, 'ns/b')).toEqual(['10.0.0.1']);
    expect(a.poolStatus('p')?.inUse).toBe(2);
    // The new pool does not hand out addresses Services already hold.
    a.assign(svc('ns/d'));
    expect(addressOf(a, 'ns/d')).toEqual(['10.0.0.3']);
  });

  it('an IP whose Eip is renamed (same range, new name) stays with its Service', () => {
    const a = new Allocator();
    a.setPools([eip('before', '10.0.0.0/24', { isDefault: true })]);
    a.assign(svc('ns/a', { requestedIps: ['10.0.0.7'] }));
    const change = a.setPools([eip('after', '10.0.0.0/24', { isDefault: true })]);
    expect(change.rehomed).toEqual([{ service: 'ns/a', address: '10.0.0.7', from: 'before', to: 'after' }]);
    expect(change.displaced).toEqual([]);
    expect(a.get('ns/a')?.ips).toEqual([
      expect.objectContaining({ eip: 'after', address: '10.0.0.7', explicit: true }),
    ]);
    const r = a.assign(svc('ns/a', { requestedIps: ['10.0.0.7'] }));
    expect(r.ok && r.changed).toBe(false);
  });

  it('editing priority or bindings keeps the pool, its allocations and its cursor', () => {
    const a = new Allocator();
    a.setPools([eip('p', '10.0.0.0/24', { isDefault: true })]);
    a.assign(svc('ns/a'));
    a.setPools([eip('p', '10.0.0.0/24', { isDefault: true, priority: 7, namespaces: ['x'] })]);
    expect(addressOf(a, 'ns/a')).toEqual(['10.0.0.1']);
    a.assign(svc('ns/b'));
    expect(addressOf(a, 'ns/b')).toEqual(['10.0.0.2']);
  });
});

describe('Allocator.restore', () => {
  const entry = (key: string, ips: string[], extra: Parameters<typeof svc>[1] = {}): RestoreEntry => ({
    request: svc(key, extra),
    ips: ips.map(ip),
  });

  function pools(): Allocator {
    const a = new Allocator();
    a.setPools([
      eip('p', '10.0.0.0/24', { isDefault: true }),
      eip('v6', '2001:db8::/64', { isDefault: true }),
    ]);
    return a;
  }

  it('puts allocations back as recorded, and assign keeps them', () => {
    const a = pools();
    const report = a.restore([
      entry('ns/a', ['10.0.0.9']),
      entry('ns/b', ['10.0.0.0'], { requestedIps: ['10.0.0.0'] }),
    ]);
    expect(report.problems).toEqual([]);
    expect(report.restored.map((r) => [r.service, r.ips[0]?.address, r.ips[0]?.explicit])).toEqual([
      ['ns/a', '10.0.0.9', false],
      ['ns/b', '10.0.0.0', true],
    ]);
    const again = a.assign(svc('ns/a'));
    expect(again.ok && again.changed).toBe(false);
    // A pending Service assigned after the restore does not take a restored IP.
    a.assign(svc('ns/pending'));
    expect(addressOf(a, 'ns/pending')).toEqual(['10.0.0.1']);
  });

  it('reports a conflicting claim instead of accepting it; the first claimant keeps the IP', () => {
    const a = pools();
    const report = a.restore([entry('ns/first', ['10.0.0.5']), entry('ns/second', ['10.0.0.5'])]);
    expect(report.restored.map((r) => r.service)).toEqual(['ns/first']);
    expect(report.problems).toEqual([
      expect.objectContaining({
        service: 'ns/second',
        code: 'IPInUse',
        address: '10.0.0.5',
        conflicts: [expect.objectContaining({ service: 'ns/first' })],
      }),
    ]);
    expect(a.holdersOf(ip('10.0.0.5'))).toEqual(['ns/first']);
  });

  it('restores a valid share (both explicit, different ports) and refuses an overlapping one', () => {
    const a = pools();
    const share = (key: string, port: number): RestoreEntry =>
      entry(key, ['10.0.0.5'], { requestedIps: ['10.0.0.5'], ports: [{ protocol: 'TCP', port }] });
    const report = a.restore([share('ns/a', 80), share('ns/b', 443), share('ns/c', 80)]);
    expect(report.restored.map((r) => r.service)).toEqual(['ns/a', 'ns/b']);
    expect(report.problems.map((p) => [p.service, p.code])).toEqual([['ns/c', 'IPInUse']]);
    expect(a.poolStatus('p')?.used).toEqual({ '10.0.0.5': 'ns/a;ns/b' });
  });

  it('reports IPs outside every Eip and a second IP of one family', () => {
    const a = pools();
    const report = a.restore([
      entry('ns/a', ['192.0.2.1']),
      entry('ns/b', ['10.0.0.2', '10.0.0.3', '2001:db8::5']),
    ]);
    expect(report.problems.map((p) => [p.service, p.code, p.address])).toEqual([
      ['ns/a', 'IPNotInAnyEip', '192.0.2.1'],
      ['ns/b', 'DuplicateFamily', '10.0.0.3'],
    ]);
    expect(addressOf(a, 'ns/b')).toEqual(['10.0.0.2', '2001:db8::5']);
    expect(a.get('ns/a')).toBeUndefined();
  });

  it('is idempotent: restoring twice changes nothing', () => {
    const a = pools();
    const entries = [entry('ns/a', ['10.0.0.9']), entry('ns/b', ['10.0.0.10', '2001:db8::1'])];
    const first = a.restore(entries);
    const before = a.poolStatuses().map((s) => ({ ...s, revision: 0 }));
    const second = a.restore(entries);
    expect(second).toEqual(first);
    expect(a.poolStatuses().map((s) => ({ ...s, revision: 0 }))).toEqual(before);
  });

  it('restoring a Service with different IPs than it holds replaces them', () => {
    const a = pools();
    a.restore([entry('ns/a', ['10.0.0.9'])]);
    a.restore([entry('ns/a', ['10.0.0.10'])]);
    expect(addressOf(a, 'ns/a')).toEqual(['10.0.0.10']);
    expect(a.poolStatus('p')?.used).toEqual({ '10.0.0.10': 'ns/a' });
  });
});
