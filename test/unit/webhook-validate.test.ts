import { describe, expect, it } from 'vitest';
import { validateBgpConf, validateBgpPeer } from '../../src/controller/webhook/validate-bgp.js';
import { validateEip } from '../../src/controller/webhook/validate-eip.js';
import type { Operation, Verdict } from '../../src/controller/webhook/verdict.js';

const DEFAULT = 'eip.openelb.kubesphere.io/is-default-eip';

function eip(
  name: string,
  spec: Record<string, unknown>,
  o: { version?: string; annotations?: Record<string, string>; deleting?: boolean } = {},
): Record<string, unknown> {
  return {
    apiVersion: `network.kubesphere.io/${o.version ?? 'v1alpha2'}`,
    kind: 'Eip',
    metadata: {
      name,
      ...(o.annotations === undefined ? {} : { annotations: o.annotations }),
      ...(o.deleting === true ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec,
  };
}

const existing = [
  eip('v4-cidr', { address: '10.0.0.0/24' }),
  eip('v4-range', { address: '192.168.1.10-192.168.1.20' }, { version: 'v1alpha1' }),
  eip('v4-single', { address: '172.16.0.5' }),
  eip('v6', { address: '2001:db8::/120' }),
  eip('default', { address: '198.51.100.0/28' }, { annotations: { [DEFAULT]: 'TRUE' } }),
  eip('broken', { address: 'not-an-ip' }),
];

function message(v: Verdict): string {
  if (v.allowed) throw new Error(`expected a denial, got allowed (${v.warnings.join('; ')})`);
  return v.message;
}

describe('validateEip: CREATE', () => {
  const create = (object: unknown, others = existing): Verdict =>
    validateEip({ operation: 'CREATE', object, oldObject: undefined, others });

  it.each([
    ['a free v4 CIDR', eip('new', { address: '10.0.1.0/24' })],
    ['a free v4 range next to a CIDR', eip('new', { address: '10.0.1.0-10.0.1.255' })],
    ['a free v6 range', eip('new', { address: '2001:db8::100-2001:db8::1ff' })],
    ['a v1alpha1 object', eip('new', { address: '10.9.0.0/24' }, { version: 'v1alpha1' })],
    ['layer2 with an interface', eip('new', { address: '10.9.0.1', protocol: 'layer2', interface: 'eth0' })],
    ['overlap with an unparsable Eip is not judged', eip('new', { address: '10.99.0.1' })],
  ])('allows %s', (_what, object) => {
    expect(create(object).allowed).toBe(true);
  });

  it.each([
    ['a CIDR inside a CIDR', '10.0.0.128/25', 'v4-cidr', '10.0.0.0/24', '10.0.0.128-10.0.0.255'],
    ['a range across a CIDR edge', '10.0.0.250-10.0.1.5', 'v4-cidr', '10.0.0.0/24', '10.0.0.250-10.0.0.255'],
    [
      'a CIDR over a range',
      '192.168.1.0/24',
      'v4-range',
      '192.168.1.10-192.168.1.20',
      '192.168.1.10-192.168.1.20',
    ],
    [
      'a single IP inside a range',
      '192.168.1.15',
      'v4-range',
      '192.168.1.10-192.168.1.20',
      'on 192.168.1.15',
    ],
    ['a CIDR over a single IP', '172.16.0.0/29', 'v4-single', '172.16.0.5', 'on 172.16.0.5:'],
    ['v6 range against a v6 CIDR', '2001:db8::ff-2001:db8::1ff', 'v6', '2001:db8::/120', '2001:db8::ff'],
  ])('rejects %s, naming the other Eip and the shared addresses', (_what, address, other, theirs, shared) => {
    const text = message(create(eip('new', { address })));
    expect(text).toContain(`overlaps Eip "${other}" (${theirs})`);
    expect(text).toContain(shared);
    expect(text).toContain('choose a range outside');
  });

  it('a single IP over a single IP is an overlap', () => {
    expect(message(create(eip('new', { address: '172.16.0.5' })))).toContain('on 172.16.0.5:');
  });

  it('families never overlap (v4 vs v6 spanning the same integers)', () => {
    expect(create(eip('new', { address: '::a00:0/120' })).allowed).toBe(true);
  });

  it('an Eip does not overlap itself (same name in the cache, e.g. a retried create)', () => {
    expect(create(eip('v4-cidr', { address: '10.0.0.0/24' })).allowed).toBe(true);
  });

  it('says the other Eip is being deleted when it is', () => {
    const others = [eip('old', { address: '10.5.0.0/24' }, { deleting: true })];
    expect(message(create(eip('new', { address: '10.5.0.7' }), others))).toContain('being deleted');
  });

  it.each([
    ['an invalid address', { address: '10.0.0.300' }, 'spec.address'],
    ['host bits in a CIDR', { address: '10.1.0.1/24' }, 'did you mean 10.1.0.0/24'],
    ['an unknown protocol', { address: '10.1.0.0/24', protocol: 'ospf' }, 'spec.protocol'],
    [
      'layer2 without an interface',
      { address: '10.1.0.0/24', protocol: 'layer2' },
      'spec.interface: is required',
    ],
    ['the loopback interface', { address: '10.1.0.0/24', protocol: 'layer2', interface: 'lo' }, 'loopback'],
    ['a missing address', {}, 'spec.address'],
  ])('rejects %s with the field and the fix', (_what, spec, expected) => {
    const text = message(create(eip('bad', spec)));
    expect(text).toMatch(/^Eip "bad" is invalid: /);
    expect(text).toContain(expected);
  });

  it('rejects IPv6 in a v1alpha1 object (that version is IPv4 only)', () => {
    const text = message(create(eip('bad', { address: '2001:db8:1::/120' }, { version: 'v1alpha1' })));
    expect(text).toContain('spec.address: "2001:db8:1::/120"');
    expect(text).toContain('IPv4');
  });

  it('allows at most one default Eip per family, naming the other one', () => {
    const text = message(
      create(eip('second', { address: '10.7.0.0/24' }, { annotations: { [DEFAULT]: 'true' } })),
    );
    expect(text).toContain('only one IPv4 Eip may be the default: Eip "default" already has');
    // An IPv6 default next to the IPv4 one: a dual-stack Service that names no Eip gets both families.
    const v6 = eip('default-v6', { address: '2001:db8:7::/120' }, { annotations: { [DEFAULT]: 'true' } });
    expect(create(v6).allowed).toBe(true);
    expect(
      message(
        create(eip('third', { address: '2001:db8:8::/120' }, { annotations: { [DEFAULT]: 'true' } }), [
          ...existing,
          v6,
        ]),
      ),
    ).toContain('only one IPv6 Eip may be the default: Eip "default-v6"');
    // A default that does not parse serves nothing, so it blocks nothing.
    const broken = eip('broken-default', { address: 'not-an-ip' }, { annotations: { [DEFAULT]: 'true' } });
    const onlyBroken = [
      ...existing.filter((e) => (e['metadata'] as { name: string }).name !== 'default'),
      broken,
    ];
    expect(
      create(eip('fine', { address: '10.7.0.0/24' }, { annotations: { [DEFAULT]: 'true' } }), onlyBroken)
        .allowed,
    ).toBe(true);
    expect(
      create(eip('nodef', { address: '10.7.0.0/24' }, { annotations: { [DEFAULT]: 'false' } })).allowed,
    ).toBe(true);
    const noDefault = existing.filter((e) => (e['metadata'] as { name: string }).name !== 'default');
    expect(
      create(eip('first', { address: '10.7.0.0/24' }, { annotations: { [DEFAULT]: 'true' } }), noDefault)
        .allowed,
    ).toBe(true);
  });

  it('passes parse warnings on (vip is accepted but not announced)', () => {
    const v = create(eip('vip', { address: '10.8.0.1', protocol: 'vip', interface: 'eth0' }));
    expect(v).toEqual({ allowed: true, warnings: [expect.stringContaining('spec.protocol: vip')] });
  });
});

describe("validateEip: Nodes' own addresses", () => {
  const nodes = Array.from({ length: 7 }, (_, i) => ({
    metadata: { name: `n${String(i + 1)}` },
    status: {
      addresses: [
        { type: 'InternalIP', address: `10.9.0.${String(i + 2)}` },
        { type: 'Hostname', address: '10.9.0.200' },
        ...(i === 0 ? [{ type: 'ExternalIP', address: '2001:db8:9::7' }] : []),
      ],
    },
  }));
  const create = (address: string): Verdict =>
    validateEip({
      operation: 'CREATE',
      object: eip('lan', { address }),
      oldObject: undefined,
      others: existing,
      nodes,
    });

  it('a new Eip holding some is allowed with a warning naming them (Hostname entries are not addresses)', () => {
    const v = create('10.9.0.0/24');
    expect(v.allowed).toBe(true);
    const warning = v.allowed ? v.warnings.join('\n') : '';
    expect(warning).toContain("spec.address 10.9.0.0/24 contains Nodes' own addresses: 10.9.0.2 (Node n1),");
    expect(warning).toContain('10.9.0.6 (Node n5), and 2 more; they are never handed out');
    expect(warning).not.toContain('10.9.0.200');
    expect(create('2001:db8:9::/120')).toEqual({
      allowed: true,
      warnings: [expect.stringContaining('2001:db8:9::7 (Node n1)')],
    });
  });

  it('an Eip clear of them, or an update, gets no warning', () => {
    expect(create('10.9.1.0/24')).toEqual({ allowed: true, warnings: [] });
    const object = eip('lan', { address: '10.9.0.0/24', disable: true });
    const oldObject = eip('lan', { address: '10.9.0.0/24' });
    expect(validateEip({ operation: 'UPDATE', object, oldObject, others: existing, nodes })).toEqual({
      allowed: true,
      warnings: [],
    });
  });
});

describe('validateEip: UPDATE and DELETE', () => {
  const update = (object: unknown, oldObject: unknown, others = existing): Verdict =>
    validateEip({ operation: 'UPDATE', object, oldObject, others });

  it('spec.address is immutable and the message says what to do instead', () => {
    const text = message(update(eip('v4-cidr', { address: '10.0.0.0/23' }), existing[0]));
    expect(text).toContain(
      'spec.address is immutable: it is "10.0.0.0/24" and this update sets "10.0.0.0/23"',
    );
    expect(text).toContain('create a new Eip');
  });

  it('other spec changes are judged', () => {
    expect(update(eip('v4-cidr', { address: '10.0.0.0/24', disable: true }), existing[0]).allowed).toBe(true);
    expect(
      message(update(eip('v4-cidr', { address: '10.0.0.0/24', protocol: 'layer2' }), existing[0])),
    ).toContain('spec.interface');
  });

  it('metadata-only updates of an object that would not pass today are allowed (finalizers can be removed)', () => {
    const overlapping = eip('late', { address: '10.0.0.5' });
    const withLabel = { ...overlapping, metadata: { name: 'late', labels: { a: 'b' } } };
    expect(update(withLabel, overlapping).allowed).toBe(true);
    expect(update(eip('late', { address: '10.0.0.5' }, { deleting: true }), overlapping).allowed).toBe(true);
  });

  it('becoming the default is checked; staying the default is not', () => {
    const plain = eip('x', { address: '10.7.0.0/24' });
    const def = eip('x', { address: '10.7.0.0/24' }, { annotations: { [DEFAULT]: 'true' } });
    expect(message(update(def, plain))).toContain('Eip "default" already has');
    expect(update(def, def).allowed).toBe(true);
  });

  it.each<Operation>(['DELETE', 'CONNECT'])('%s is always allowed', (operation) => {
    expect(validateEip({ operation, object: null, oldObject: existing[0], others: existing }).allowed).toBe(
      true,
    );
  });
});

describe('validateBgpConf / validateBgpPeer', () => {
  const conf = (name: string, spec: unknown): unknown => ({
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'BgpConf',
    metadata: { name },
    spec,
  });
  const peer = (spec: unknown, version = 'v1alpha2'): unknown => ({
    apiVersion: `network.kubesphere.io/${version}`,
    kind: 'BgpPeer',
    metadata: { name: 'router' },
    spec,
  });

  it('allows a valid BgpConf and warns about a name the speakers ignore', () => {
    expect(
      validateBgpConf({
        operation: 'CREATE',
        object: conf('default', { as: 65000, listenPort: 17900 }),
        oldObject: undefined,
      }),
    ).toEqual({
      allowed: true,
      warnings: [],
    });
    const other = validateBgpConf({
      operation: 'CREATE',
      object: conf('mine', { as: 65000, listenPort: 17900 }),
      oldObject: undefined,
    });
    expect(other.allowed && other.warnings.join()).toContain('rename it to "default"');
  });

  it.each([
    ['as 0', { as: 0 }, 'spec.as'],
    ['an ASN above 32 bits', { as: 4294967296 }, 'spec.as'],
    ['a bad router id', { as: 65000, routerId: '1.2.3' }, 'spec.routerId'],
  ])('rejects a BgpConf with %s', (_what, spec, path) => {
    const text = message(
      validateBgpConf({ operation: 'CREATE', object: conf('default', spec), oldObject: undefined }),
    );
    expect(text).toMatch(/^BgpConf "default" is invalid: /);
    expect(text).toContain(path);
  });

  it.each([
    ['v1alpha2', 'v1alpha2', 'conf'],
    ['v1alpha1', 'v1alpha1', 'config'],
  ])('allows a valid %s BgpPeer', (_what, version, key) => {
    const v = validateBgpPeer({
      operation: 'CREATE',
      object: peer({ [key]: { peerAs: 65001, neighborAddress: '192.0.2.1' } }, version),
      oldObject: undefined,
    });
    expect(v.allowed).toBe(true);
  });

  it.each([
    [
      'a bad neighbour address',
      { conf: { peerAs: 65001, neighborAddress: '192.0.2.300' } },
      'spec.conf.neighborAddress',
    ],
    ['peerAs 0', { conf: { peerAs: 0, neighborAddress: '192.0.2.1' } }, 'spec.conf.peerAs'],
    [
      'hold time below keepalive',
      {
        conf: { peerAs: 65001, neighborAddress: '192.0.2.1' },
        timers: { config: { holdTime: 3, keepaliveInterval: 30 } },
      },
      'spec.timers',
    ],
  ])('rejects a BgpPeer with %s', (_what, spec, path) => {
    const text = message(validateBgpPeer({ operation: 'CREATE', object: peer(spec), oldObject: undefined }));
    expect(text).toMatch(/^BgpPeer "router" is invalid: /);
    expect(text).toContain(path);
  });

  it('allows a BgpPeer whose nodeSelector matches no Node, with a warning that says so', () => {
    const spec = {
      conf: { peerAs: 65001, neighborAddress: '192.0.2.1' },
      nodeSelector: { matchLabels: { rack: 'r9' } },
    };
    const nodes = [{ metadata: { labels: { rack: 'r1' } } }, { metadata: {} }];
    const v = validateBgpPeer({ operation: 'CREATE', object: peer(spec), oldObject: undefined, nodes });
    expect(v).toEqual({
      allowed: true,
      warnings: [
        'spec.nodeSelector: matches none of the 2 Node(s): no speaker peers with 192.0.2.1 until a Node has those labels',
      ],
    });
    const matched = [...nodes, { metadata: { labels: { rack: 'r9' } } }];
    expect(
      validateBgpPeer({ operation: 'CREATE', object: peer(spec), oldObject: undefined, nodes: matched }),
    ).toEqual({
      allowed: true,
      warnings: [],
    });
    // Nodes unknown (cache not synced, or none): nothing said.
    expect(validateBgpPeer({ operation: 'CREATE', object: peer(spec), oldObject: undefined })).toEqual({
      allowed: true,
      warnings: [],
    });
  });

  it('an update that leaves the spec alone is not judged; one that changes it is', () => {
    const bad = peer({ conf: { peerAs: 0, neighborAddress: '192.0.2.1' } });
    expect(validateBgpPeer({ operation: 'UPDATE', object: bad, oldObject: bad }).allowed).toBe(true);
    const good = peer({ conf: { peerAs: 65001, neighborAddress: '192.0.2.1' } });
    expect(validateBgpPeer({ operation: 'UPDATE', object: bad, oldObject: good }).allowed).toBe(false);
  });
});
