import { describe, expect, it } from 'vitest';
import { formatRange, rangeSize } from '../../src/ip/range.js';
import { formatInterface, parseEip, type EipConfig } from '../../src/api/parse/eip.js';
import type { FieldError } from '../../src/api/errors.js';

const eip = (
  spec: unknown,
  extra: Record<string, unknown> = {},
  apiVersion = 'network.kubesphere.io/v1alpha2',
) => ({
  apiVersion,
  kind: 'Eip',
  metadata: { name: 'pool', ...extra },
  spec,
});

function valid(obj: unknown): EipConfig {
  const r = parseEip(obj);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

function errors(obj: unknown): readonly FieldError[] {
  const r = parseEip(obj);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}

describe('parseEip: valid Eips', () => {
  it('applies OpenELB defaults', () => {
    const c = valid(eip({ address: '192.0.2.0/24' }));
    expect(c).toMatchObject({
      name: 'pool',
      apiVersion: 'v1alpha2',
      protocol: 'bgp',
      disable: false,
      priority: 0,
      namespaces: [],
      namespaceSelector: undefined,
      isDefault: false,
      interface: undefined,
      cni: undefined,
      deleting: false,
    });
    expect(rangeSize(c.range)).toBe(256n);
  });

  it('reads every field', () => {
    const c = valid(
      eip(
        {
          address: '2001:db8::10-2001:db8::20',
          protocol: 'layer2',
          interface: 'eth1',
          disable: true,
          priority: -3,
          namespaces: ['a', 'b', 'a'],
          namespaceSelector: { 'kubesphere.io/workspace': 'ws1' },
        },
        {
          annotations: { 'eip.openelb.kubesphere.io/is-default-eip': 'TRUE' },
          labels: { 'openelb.kubesphere.io/cni': 'calico' },
          generation: 4,
          deletionTimestamp: '2025-01-01T00:00:00Z',
        },
      ),
    );
    expect(c).toMatchObject({
      protocol: 'layer2',
      interface: { kind: 'name', name: 'eth1' },
      disable: true,
      priority: -3,
      namespaces: ['a', 'b'],
      namespaceSelector: { 'kubesphere.io/workspace': 'ws1' },
      isDefault: true,
      cni: 'calico',
      generation: 4,
      deleting: true,
    });
    expect(formatRange(c.range)).toBe('2001:db8::10-2001:db8::20');
  });

  it('parses can_reach:<ip> into a route-lookup selector', () => {
    const c = valid(eip({ address: '192.0.2.10', protocol: 'layer2', interface: 'can_reach:192.0.2.1' }));
    expect(c.interface).toEqual({ kind: 'canReach', ip: { family: 'IPv4', value: 0xc0000201n } });
    expect(formatInterface(c.interface!)).toBe('can_reach:192.0.2.1');
  });

  it('accepts v1alpha1 Eips (IPv4, layer2 without interface: the node annotation picks the NIC)', () => {
    const c = valid(
      eip({ address: '192.0.2.1-192.0.2.9', protocol: 'layer2' }, {}, 'network.kubesphere.io/v1alpha1'),
    );
    expect(c).toMatchObject({ apiVersion: 'v1alpha1', protocol: 'layer2', interface: undefined });
  });

  it.each([
    ['true', true],
    ['True', true],
    ['false', false],
    [undefined, false],
  ])('default-eip annotation %j -> %s', (value, isDefault) => {
    const annotations = value === undefined ? {} : { 'eip.openelb.kubesphere.io/is-default-eip': value };
    expect(valid(eip({ address: '192.0.2.1' }, { annotations })).isDefault).toBe(isDefault);
  });

  it('warns about values that have no effect', () => {
    const r = parseEip(
      eip(
        { address: '192.0.2.1', protocol: 'vip', interface: 'eth0', usingKnownIPs: true },
        { annotations: { 'eip.openelb.kubesphere.io/is-default-eip': 'yes' } },
      ),
    );
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.warnings.map((w) => w.path)).toEqual([
        'spec.protocol',
        'metadata.annotations["eip.openelb.kubesphere.io/is-default-eip"]',
        'spec.usingKnownIPs',
      ]);
      expect(r.value.isDefault).toBe(false);
    }
  });
});

describe('parseEip: ranges next to the special blocks', () => {
  // Only the blocks themselves are refused: private, shared, documentation and reserved ranges are
  // in use for Services, and the neighbours of each block must stay valid.
  it.each([
    '126.255.255.0/24',
    '128.0.0.0/24',
    '0.0.0.1-0.0.0.9',
    '169.253.255.255',
    '169.255.0.0/16',
    '223.255.255.0/24',
    '240.0.0.0/8',
    '255.255.255.254',
    '100.64.0.0/10',
    '10.0.0.0/8',
    '::2-::ff',
    '::fffe:ffff:ffff',
    'fe7f::/16',
    'fec0::/10',
    'fd00::/8',
    'fe00::/9',
  ])('%s is valid', (address) => {
    expect(parseEip(eip({ address })).ok).toBe(true);
  });
});

describe('parseEip: every error path', () => {
  const cases: [string, unknown, string, string][] = [
    ['not an object', 'nope', '<object>', 'must be a Eip object'],
    [
      'wrong apiVersion',
      { ...eip({ address: '192.0.2.1' }), apiVersion: 'v1' },
      'apiVersion',
      'network.kubesphere.io/v1alpha2',
    ],
    ['wrong kind', { ...eip({ address: '192.0.2.1' }), kind: 'Service' }, 'kind', 'use Eip'],
    ['no name', { ...eip({ address: '192.0.2.1' }), metadata: {} }, 'metadata.name', 'is required'],
    ['no spec', { ...eip(undefined) }, 'spec', 'is required'],
    ['spec not an object', eip([1]), 'spec', 'must be an object'],
    ['no address', eip({}), 'spec.address', 'is required (The pool'],
    ['address not a string', eip({ address: 42 }), 'spec.address', 'must be a string, got 42'],
    ['empty address', eip({ address: '' }), 'spec.address', 'must not be empty'],
    ['non-canonical CIDR', eip({ address: '192.0.2.1/24' }), 'spec.address', 'did you mean 192.0.2.0/24?'],
    [
      'reversed range',
      eip({ address: '192.0.2.9-192.0.2.1' }),
      'spec.address',
      'did you mean 192.0.2.1-192.0.2.9?',
    ],
    ['mixed families', eip({ address: '192.0.2.1-2001:db8::1' }), 'spec.address', 'mixes families'],
    ['garbage address', eip({ address: 'zz' }), 'spec.address', 'has an invalid format'],
    ['hex garbage address', eip({ address: 'a.b.c.d' }), 'spec.address', 'is not an IPv4 or IPv6 address'],
    ['bad octet', eip({ address: '192.0.2.300' }), 'spec.address', 'is not an IPv4 or IPv6 address'],
    [
      'bad protocol',
      eip({ address: '192.0.2.1', protocol: 'foo' }),
      'spec.protocol',
      'use one of "bgp", "layer2", "vip"',
    ],
    [
      'layer2 without interface',
      eip({ address: '192.0.2.1', protocol: 'layer2' }),
      'spec.interface',
      'is required when spec.protocol is layer2',
    ],
    [
      'vip without interface',
      eip({ address: '192.0.2.1', protocol: 'vip' }),
      'spec.interface',
      'is required when spec.protocol is vip',
    ],
    [
      'bad can_reach',
      eip({ address: '192.0.2.1', protocol: 'layer2', interface: 'can_reach:x' }),
      'spec.interface',
      'has an invalid format',
    ],
    [
      'can_reach bad ip',
      eip({ address: '192.0.2.1', protocol: 'layer2', interface: 'can_reach:1.2.3' }),
      'spec.interface',
      'needs an IP address',
    ],
    [
      'loopback',
      eip({ address: '192.0.2.1', protocol: 'layer2', interface: 'lo' }),
      'spec.interface',
      'loopback',
    ],
    [
      'NIC name too long',
      eip({ address: '192.0.2.1', protocol: 'layer2', interface: 'a-very-long-nic-name' }),
      'spec.interface',
      'has an invalid format',
    ],
    [
      'priority not an integer',
      eip({ address: '192.0.2.1', priority: 1.5 }),
      'spec.priority',
      'must be a whole number',
    ],
    [
      'priority too large',
      eip({ address: '192.0.2.1', priority: 2 ** 31 }),
      'spec.priority',
      'must be between -2147483648 and 2147483647',
    ],
    [
      'disable not a bool',
      eip({ address: '192.0.2.1', disable: 'yes' }),
      'spec.disable',
      'must be true or false',
    ],
    [
      'bad namespace',
      eip({ address: '192.0.2.1', namespaces: ['Bad_NS'] }),
      'spec.namespaces[0]',
      'has an invalid format',
    ],
    [
      'namespaces not a list',
      eip({ address: '192.0.2.1', namespaces: 'a' }),
      'spec.namespaces',
      'must be a list',
    ],
    [
      'bad selector key',
      eip({ address: '192.0.2.1', namespaceSelector: { 'bad key': 'x' } }),
      'spec.namespaceSelector["bad key"]',
      'label key',
    ],
    [
      'bad selector value',
      eip({ address: '192.0.2.1', namespaceSelector: { ws: 'not ok' } }),
      'spec.namespaceSelector.ws',
      'label value',
    ],
    [
      'selector value not a string',
      eip({ address: '192.0.2.1', namespaceSelector: { ws: 1 } }),
      'spec.namespaceSelector.ws',
      'must be a string',
    ],
    [
      'v1alpha1 IPv6',
      eip({ address: '2001:db8::1' }, {}, 'network.kubesphere.io/v1alpha1'),
      'spec.address',
      'has an invalid format',
    ],
    [
      'v1alpha1 vip',
      eip({ address: '192.0.2.1', protocol: 'vip' }, {}, 'network.kubesphere.io/v1alpha1'),
      'spec.protocol',
      'use one of "bgp", "layer2"',
    ],
    ['loopback', eip({ address: '127.0.0.0/30' }), 'spec.address', 'includes 127.0.0.0/8 (loopback)'],
    [
      'unspecified in a range',
      eip({ address: '0.0.0.0-0.0.0.9' }),
      'spec.address',
      '0.0.0.0/32 (the unspecified',
    ],
    ['everything', eip({ address: '0.0.0.0/0' }), 'spec.address', '0.0.0.0/32 (the unspecified'],
    ['link-local', eip({ address: '169.254.10.0/24' }), 'spec.address', '169.254.0.0/16 (link-local)'],
    ['multicast', eip({ address: '239.1.1.1' }), 'spec.address', '224.0.0.0/4 (multicast)'],
    ['broadcast', eip({ address: '255.255.255.250-255.255.255.255' }), 'spec.address', 'limited broadcast'],
    ['IPv6 unspecified', eip({ address: '::/0' }), 'spec.address', '::/128 (the unspecified'],
    ['IPv6 loopback', eip({ address: '::1' }), 'spec.address', '::1/128 (loopback)'],
    ['IPv4-mapped', eip({ address: '::ffff:192.0.2.0/120' }), 'spec.address', 'use an IPv4 Eip'],
    ['IPv6 link-local', eip({ address: 'fe80::/64' }), 'spec.address', 'fe80::/10 (link-local)'],
    ['IPv6 multicast', eip({ address: 'ff02::1:ff00:0/104' }), 'spec.address', 'ff00::/8 (multicast)'],
  ];

  it.each(cases)('%s', (_name, obj, path, fragment) => {
    const errs = errors(obj);
    const hit = errs.find((e) => e.path === path);
    expect(hit, JSON.stringify(errs)).toBeDefined();
    expect(hit!.message).toContain(fragment);
  });

  it('reports several problems at once, one per field', () => {
    const errs = errors(eip({ address: '192.0.2.1/24', protocol: 'foo', priority: 'x' }));
    expect(errs.map((e) => e.path).sort()).toEqual(['spec.address', 'spec.priority', 'spec.protocol']);
  });

  it('never throws on hostile input', () => {
    for (const input of [null, undefined, 0, [], { spec: null }, eip({ address: { a: 1 } }), eip(null)]) {
      expect(() => parseEip(input)).not.toThrow();
      expect(parseEip(input).ok).toBe(false);
    }
  });
});
