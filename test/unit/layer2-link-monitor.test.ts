import type { NetworkInterfaceInfo } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIp } from '../../src/ip/address.js';
import { formatRange } from '../../src/ip/range.js';
import {
  ANNOTATION_LAYER2_EIPS,
  formatAvailability,
  parseAvailability,
} from '../../src/layer2/availability.js';
import { hostNicLookup, subnetOf, type HostView } from '../../src/layer2/host-nics.js';
import { LinkMonitor, linkUsable, sysfsLinkReader, type LinkState } from '../../src/layer2/link-monitor.js';
import { FakeClock } from '../support/fake-clock.js';

const UP: LinkState = { operstate: 'up', carrier: true };
const DOWN: LinkState = { operstate: 'down', carrier: undefined };

describe('linkUsable', () => {
  it.each([
    [UP, true],
    [{ operstate: 'unknown', carrier: true }, true],
    [{ operstate: 'unknown', carrier: false }, false],
    [{ operstate: 'up', carrier: false }, false],
    [{ operstate: 'lowerlayerdown', carrier: false }, false],
    [DOWN, false],
  ] as const)('%o → %s', (state, usable) => {
    expect(linkUsable('eth0', state).ok).toBe(usable);
  });

  it('says why, naming the NIC', () => {
    expect(linkUsable('eth0', DOWN)).toEqual({
      ok: false,
      error: 'eth0 is not usable (operstate down, carrier unknown)',
    });
    expect(linkUsable('eth9', undefined)).toEqual({ ok: false, error: 'this host has no NIC named eth9' });
  });
});

describe('sysfsLinkReader', () => {
  const root = mkdtempSync(join(tmpdir(), 'oelb-sysfs-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('reads operstate and carrier, tolerating an unreadable carrier and refusing odd names', () => {
    mkdirSync(join(root, 'eth0'));
    writeFileSync(join(root, 'eth0', 'operstate'), 'up\n');
    writeFileSync(join(root, 'eth0', 'carrier'), '1\n');
    mkdirSync(join(root, 'eth1'));
    writeFileSync(join(root, 'eth1', 'operstate'), 'down\n');
    const read = sysfsLinkReader(root);
    expect(read('eth0')).toEqual(UP);
    expect(read('eth1')).toEqual(DOWN);
    expect(read('eth2')).toBeUndefined();
    expect(read('../eth0')).toBeUndefined();
  });
});

describe('LinkMonitor', () => {
  it('reports a NIC going down and coming back once each, on the next poll', async () => {
    const clock = new FakeClock();
    const states = new Map<string, LinkState | undefined>([
      ['eth0', UP],
      ['eth1', UP],
    ]);
    const reports: string[][] = [];
    const monitor = new LinkMonitor({
      read: (nic) => states.get(nic),
      clock,
      intervalMs: 200,
      onChange: (changed) => reports.push([...changed]),
    });
    monitor.watch(['eth0', 'eth1']);
    const stop = new AbortController();
    const run = monitor.run(stop.signal);
    await clock.advance(200);
    expect(reports).toEqual([]);
    states.set('eth0', DOWN);
    await clock.advance(199);
    expect(reports).toEqual([]);
    await clock.advance(1);
    expect(reports).toEqual([['eth0']]);
    await clock.advance(400);
    expect(reports).toEqual([['eth0']]);
    states.set('eth0', UP);
    await clock.advance(200);
    expect(reports).toEqual([['eth0'], ['eth0']]);
    stop.abort();
    await run;
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps watching a down NIC and forgets one that disappeared', () => {
    const states = new Map<string, LinkState | undefined>([['eth0', DOWN]]);
    const reports: string[][] = [];
    const monitor = new LinkMonitor({
      read: (nic) => states.get(nic),
      clock: new FakeClock(),
      onChange: (c) => reports.push([...c]),
    });
    monitor.watch(['eth0', 'eth1']);
    expect(monitor.watched()).toEqual(['eth0', 'eth1']);
    expect(monitor.poll()).toEqual([]); // eth1 never existed: dropped silently
    expect(monitor.watched()).toEqual(['eth0']);
    states.set('eth0', UP);
    expect(monitor.poll()).toEqual(['eth0']);
    states.delete('eth0');
    expect(monitor.poll()).toEqual(['eth0']);
    expect(monitor.watched()).toEqual([]);
  });
});

function info(address: string, cidr: string): NetworkInterfaceInfo {
  return { address, cidr, family: address.includes(':') ? 'IPv6' : 'IPv4', internal: false } as never;
}

describe('hostNicLookup with link state', () => {
  const links = new Map<string, LinkState>([
    ['eth0', UP],
    ['eth1', DOWN],
  ]);
  const host: HostView = {
    interfaces: () => ({
      eth0: [info('192.0.2.11', '192.0.2.11/24'), info('fe80::1', 'fe80::1/64')],
      eth1: [info('198.51.100.5', '198.51.100.5/24')],
    }),
    linkType: (name) => (name.startsWith('eth') ? 1 : undefined),
    routeGet: () => ({ ok: true, value: { dev: 'eth1' } }),
    linkState: (name) => links.get(name),
  };
  const lookup = hostNicLookup(host);
  const ip = (t: string): NonNullable<ReturnType<typeof parseIp> & { ok: true }>['value'] => {
    const p = parseIp(t);
    if (!p.ok) throw new Error(p.error);
    return p.value;
  };

  it('a NIC without link is not found, by name or by address', () => {
    expect(lookup.named('eth0')).toEqual({ ok: true, value: 'eth0' });
    expect(lookup.named('eth1')).toEqual({
      ok: false,
      error: 'eth1 is not usable (operstate down, carrier unknown)',
    });
    expect(lookup.holding(ip('198.51.100.5')).ok).toBe(false);
    expect(lookup.routeTo(ip('198.51.100.1'), new Set()).ok).toBe(false);
  });

  it('lists the subnets of a NIC, host bits cleared, link-local left out', () => {
    expect((lookup.subnets?.('eth0') ?? []).map(formatRange)).toEqual(['192.0.2.0/24']);
    expect(subnetOf('2001:db8:0:1::11/64')).toMatchObject({ family: 'IPv6', prefixLength: 64 });
    expect(subnetOf('nonsense/24')).toBeUndefined();
    expect(subnetOf(null)).toBeUndefined();
  });
});

describe('published availability', () => {
  it('formats sorted and deduplicated, and parses back', () => {
    expect(formatAvailability(['b', 'a', 'b'])).toBe('a,b');
    expect(parseAvailability({ [ANNOTATION_LAYER2_EIPS]: 'a,b' })).toEqual(new Set(['a', 'b']));
    expect(parseAvailability({ [ANNOTATION_LAYER2_EIPS]: '' })).toEqual(new Set());
    expect(parseAvailability({ [ANNOTATION_LAYER2_EIPS]: ' a , ,b' })).toEqual(new Set(['a', 'b']));
    expect(parseAvailability({})).toBeUndefined();
    expect(parseAvailability(undefined)).toBeUndefined();
  });
});
