import { describe, expect, it } from 'vitest';
import { Allocator, type AssignResult, type NodeAddress } from '../../src/ipam/index.js';
import { eip, ip, svc } from './ipam-fixtures.js';

function addresses(result: AssignResult): string[] {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.allocation.ips.map((i) => i.address);
}

const node = (address: string, name: string): NodeAddress => ({ ip: ip(address), node: name });

function fill(a: Allocator, prefix: string, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(...addresses(a.assign(svc(`ns/${prefix}${String(i)}`))));
  return out;
}

describe("Allocator: Nodes' own addresses", () => {
  it('never hands them out automatically and counts them as unavailable', () => {
    const a = new Allocator();
    a.setPools([eip('lan', '192.168.0.0/29', { isDefault: true })]);
    expect(a.setNodeAddresses([node('192.168.0.1', 'node1'), node('192.168.0.4', 'node2')])).toEqual(['lan']);
    expect(a.poolStatus('lan')).toMatchObject({ nodeAddresses: 2, available: 4n, occupied: false });
    expect(fill(a, 's', 4)).toEqual(['192.168.0.2', '192.168.0.3', '192.168.0.5', '192.168.0.6']);
    const full = a.assign(svc('ns/late'));
    expect(full.ok ? undefined : full.error).toMatchObject({
      code: 'EipExhausted',
      message: expect.stringContaining("(2 of its addresses are Nodes' own, never handed out)") as unknown,
    });
    expect(a.poolStatus('lan')).toMatchObject({ inUse: 4, available: 0n, occupied: true });
  });

  it('refuses a request for one, naming the Node and the Eip', () => {
    const a = new Allocator();
    a.setPools([eip('lan', '192.168.0.0/24')]);
    a.setNodeAddresses([node('192.168.0.11', 'worker-1')]);
    const r = a.assign(svc('ns/web', { requestedIps: ['192.168.0.11'] }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'NodeAddress', ip: '192.168.0.11', eip: 'lan', family: 'IPv4' });
    expect(r.error.message).toContain('Node worker-1');
    expect(r.error.message).toContain('Eip lan');
    expect(a.get('ns/web')).toBeUndefined();
  });

  it('a Service that held the address before it became a node address keeps it (no IP moves)', () => {
    const a = new Allocator();
    a.setPools([eip('lan', '192.168.0.0/29', { isDefault: true })]);
    expect(addresses(a.assign(svc('ns/old')))).toEqual(['192.168.0.1']);
    expect(a.setNodeAddresses([node('192.168.0.1', 'node1')])).toEqual(['lan']);
    const again = a.assign(svc('ns/old'));
    expect(addresses(again)).toEqual(['192.168.0.1']);
    expect(again.ok && again.changed).toBe(false);
    expect(a.poolStatus('lan')).toMatchObject({ inUse: 1, nodeAddresses: 1, available: 5n });
    // Once released, it is not handed out again while it is the node's.
    a.release('ns/old');
    expect(fill(a, 's', 5)).not.toContain('192.168.0.1');
    expect(a.poolStatus('lan')?.occupied).toBe(true);
    // The node gives the address up: it is free again.
    expect(a.setNodeAddresses([])).toEqual(['lan']);
    expect(addresses(a.assign(svc('ns/next')))).toEqual(['192.168.0.1']);
  });

  it('restored holders of a node address keep it', () => {
    const a = new Allocator();
    a.setPools([eip('lan', '192.168.0.0/29', { isDefault: true })]);
    a.setNodeAddresses([node('192.168.0.3', 'node1')]);
    const report = a.restore([{ request: svc('ns/migrated'), ips: [ip('192.168.0.3')] }]);
    expect(report.problems).toEqual([]);
    expect(addresses(a.assign(svc('ns/migrated')))).toEqual(['192.168.0.3']);
    expect(a.poolStatus('lan')).toMatchObject({ inUse: 1, available: 5n });
  });

  it('applies them to Eips created later, ignores addresses outside every Eip, reports only changes', () => {
    const a = new Allocator();
    a.setPools([eip('a', '10.0.0.0/30')]);
    const nodes = [node('10.0.1.2', 'node1'), node('172.16.0.1', 'node2'), node('2001:db8::5', 'node3')];
    expect(a.setNodeAddresses(nodes)).toEqual([]);
    a.setPools([eip('a', '10.0.0.0/30'), eip('b', '10.0.1.0/24'), eip('v6', '2001:db8::/120')]);
    expect(a.nodeAddressesIn('b')).toEqual([{ address: '10.0.1.2', node: 'node1' }]);
    expect(a.nodeAddressesIn('v6')).toEqual([{ address: '2001:db8::5', node: 'node3' }]);
    expect(a.nodeAddressesIn('a')).toEqual([]);
    expect(a.setNodeAddresses(nodes)).toEqual([]);
    expect(a.setNodeAddresses([node('10.0.1.2', 'renamed'), nodes[2] as NodeAddress])).toEqual(['b']);
    expect(a.nodeAddressesIn('b')).toEqual([{ address: '10.0.1.2', node: 'renamed' }]);
    const v6 = a.assign(svc('ns/v6', { ipFamilies: ['IPv6'], pinnedEips: ['v6'] }));
    expect(addresses(v6)).toEqual(['2001:db8::1']);
    const wanted = a.assign(svc('ns/bad', { ipFamilies: ['IPv6'], requestedIps: ['2001:db8::5'] }));
    expect(wanted.ok ? 'ok' : wanted.error.code).toBe('NodeAddress');
  });
});
