import { describe, expect, it } from 'vitest';
import { parseIp } from '../../src/ip/address.js';
import {
  describeNodeNic,
  parseNodeNicAnnotation,
  peerNicVerdict,
  resolveNic,
  type NicLookup,
} from '../../src/layer2/announce-nic.js';

const KEY = 'layer2.openelb.kubesphere.io/v1alpha1';

const failing: NicLookup = {
  holding: () => ({ ok: false, error: 'no NIC has it' }),
  holdingIn: () => ({ ok: false, error: 'no NIC in range' }),
  named: () => ({ ok: false, error: 'no such NIC' }),
  routeTo: () => ({ ok: false, error: 'no route' }),
};

describe('parseNodeNicAnnotation', () => {
  it.each([
    ['192.0.2.5', '192.0.2.5'],
    [' 2001:db8::5 ', '2001:db8::5'],
    ['192.0.2.0/24', '192.0.2.0/24'],
  ])('accepts %j', (value, described) => {
    const parsed = parseNodeNicAnnotation({ [KEY]: value });
    if (!parsed?.ok) throw new Error('expected ok');
    expect(describeNodeNic(parsed.value)).toBe(described);
  });

  it.each(['eth1', '192.0.2.0/33', '', '192.0.2.1-192.0.2.9'])(
    'rejects %j with a precise message',
    (value) => {
      const parsed = parseNodeNicAnnotation({ [KEY]: value });
      expect(parsed?.ok).toBe(false);
      expect(parsed?.ok === false && parsed.error).toContain(`${KEY}="${value}"`);
    },
  );

  it('is undefined when absent', () => {
    expect(parseNodeNicAnnotation(undefined)).toBeUndefined();
    expect(parseNodeNicAnnotation({ other: 'x' })).toBeUndefined();
  });
});

describe('resolveNic', () => {
  const ip = parseIp('192.0.2.1');
  if (!ip.ok) throw new Error(ip.error);

  it('explains each failing source', () => {
    const none = new Set<string>();
    const node = parseNodeNicAnnotation({ [KEY]: '192.0.2.5' });
    expect(resolveNic({ node, eip: undefined, eipName: 'lan' }, failing, none)).toEqual({
      ok: false,
      error: `no NIC holds 192.0.2.5 (from ${KEY}): no NIC has it`,
    });
    expect(resolveNic({ node: undefined, eip: undefined, eipName: 'lan' }, failing, none)).toEqual({
      ok: false,
      error: `Eip lan has no spec.interface and the node has no ${KEY} annotation`,
    });
    const canReach = { kind: 'canReach', ip: ip.value } as const;
    expect(resolveNic({ node: undefined, eip: canReach, eipName: 'lan' }, failing, none)).toEqual({
      ok: false,
      error: 'Eip lan asks for can_reach:192.0.2.1: no route',
    });
  });

  it('peers: a bad annotation or no source at all means no NIC; anything else is assumed', () => {
    const bad = parseNodeNicAnnotation({ [KEY]: 'eth1' });
    expect(peerNicVerdict({ node: bad, eip: { kind: 'name', name: 'eth1' }, eipName: 'lan' }).ok).toBe(false);
    expect(peerNicVerdict({ node: undefined, eip: undefined, eipName: 'lan' }).ok).toBe(false);
    expect(peerNicVerdict({ node: undefined, eip: { kind: 'name', name: 'eth1' }, eipName: 'lan' }).ok).toBe(
      true,
    );
  });
});
