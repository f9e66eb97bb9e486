import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  electAll,
  electAnnouncer,
  RendezvousMemo,
  rendezvousOrder,
  rendezvousScore,
  type ElectionNode,
  type IpClaim,
  type NicVerdict,
} from '../../src/layer2/announce-election.js';

const OK = { ok: true } as const;
const anyNic: NicVerdict = () => OK;

function node(name: string, over: Partial<ElectionNode> = {}): ElectionNode {
  return { name, eligible: OK, alive: OK, ...over };
}

function claim(service: string, over: Partial<IpClaim> = {}): IpClaim {
  return { service, eip: 'pool', localOnly: false, anyReady: true, servingNodes: new Set(), ...over };
}

const NODES = ['node-a', 'node-b', 'node-c', 'node-d'].map((n) => node(n));

describe('rendezvous score', () => {
  it('is sha256 of node#ip in hex, as MetalLB computes it', () => {
    const expected = createHash('sha256').update('node-a#192.0.2.10').digest('hex');
    expect(rendezvousScore('node-a', '192.0.2.10')).toBe(expected);
  });

  it('orders by score, lowest first', () => {
    const order = rendezvousOrder(['node-a', 'node-b', 'node-c'], '192.0.2.10');
    const scores = order.map((n) => rendezvousScore(n, '192.0.2.10'));
    expect([...scores].sort()).toEqual(scores);
  });
});

describe('electAnnouncer', () => {
  const ip = '192.0.2.10';
  const winnerOfAll = rendezvousOrder(['node-a', 'node-b', 'node-c', 'node-d'], ip)[0];

  it('picks the first candidate in rendezvous order', () => {
    const e = electAnnouncer(ip, NODES, [claim('default/web')], anyNic);
    expect(e.announcer).toBe(winnerOfAll);
    expect(e.candidates).toHaveLength(4);
    expect(e.reason).toContain(`${String(winnerOfAll)} ranks first of 4`);
    expect(e.rejected).toEqual([]);
  });

  it.each([
    ['not Ready', { eligible: { ok: false, reason: 'Node x is not Ready' } as const }, 'not Ready'],
    ['dead speaker', { alive: { ok: false, reason: 'speaker Lease expired' } as const }, 'Lease expired'],
  ])('rejects a node that is %s, with its reason', (_label, over, reason) => {
    const nodes = NODES.map((n) => (n.name === winnerOfAll ? node(n.name, over) : n));
    const e = electAnnouncer(ip, nodes, [claim('default/web')], anyNic);
    expect(e.announcer).not.toBe(winnerOfAll);
    expect(e.candidates).toHaveLength(3);
    expect(e.rejected).toEqual([{ node: winnerOfAll, reason: expect.stringContaining(reason) as string }]);
  });

  it('rejects a node without a NIC for the Eip', () => {
    const nic: NicVerdict = (n, eip) =>
      n === 'node-b' ? { ok: false, reason: `no NIC for Eip ${eip} on ${n}` } : OK;
    const e = electAnnouncer(ip, NODES, [claim('default/web', { eip: 'lan' })], nic);
    expect(e.candidates).not.toContain('node-b');
    expect(e.rejected).toEqual([{ node: 'node-b', reason: 'no NIC for Eip lan on node-b' }]);
  });

  it('with externalTrafficPolicy Local only nodes with a serving endpoint are candidates', () => {
    const c = claim('default/web', { localOnly: true, servingNodes: new Set(['node-c']) });
    const e = electAnnouncer(ip, NODES, [c], anyNic);
    expect(e.announcer).toBe('node-c');
    expect(e.candidates).toEqual(['node-c']);
    expect(e.rejected.map((r) => r.node)).toEqual(['node-a', 'node-b', 'node-d']);
  });

  it('a Cluster Service without a ready endpoint is not announced', () => {
    const e = electAnnouncer(ip, NODES, [claim('default/web', { anyReady: false })], anyNic);
    expect(e.announcer).toBeUndefined();
    expect(e.reason).toBe(
      'no node can announce 192.0.2.10: default/web has no ready endpoint (on node-a, node-b, node-c and 1 more)',
    );
    expect(e.rejected[0]?.reason).toBe('default/web has no ready endpoint');
  });

  it("nobody can announce: the nodes' reasons are grouped, most common first", () => {
    const c = claim('default/web', { localOnly: true, servingNodes: new Set(['node-d']) });
    const nodes = NODES.map((n) =>
      n.name === 'node-d' ? node(n.name, { alive: { ok: false, reason: 'speaker Lease expired' } }) : n,
    );
    const e = electAnnouncer(ip, nodes, [c], anyNic);
    expect(e.announcer).toBeUndefined();
    expect(e.reason).toBe(
      'no node can announce 192.0.2.10: externalTrafficPolicy of default/web is Local and none of its serving ' +
        'endpoints is on the node (on node-a, node-b, node-c); speaker Lease expired (on node-d)',
    );
  });

  it('nobody can announce: beyond three reasons the rest are counted', () => {
    const nodes = NODES.map((n) =>
      node(n.name, { eligible: { ok: false, reason: `Node ${n.name} is not Ready` } }),
    );
    const e = electAnnouncer(ip, nodes, [claim('default/web')], anyNic);
    expect(e.reason).toBe(
      'no node can announce 192.0.2.10: Node node-a is not Ready (on node-a); Node node-b is not Ready (on node-b); ' +
        'Node node-c is not Ready (on node-c); 1 other reason(s)',
    );
  });

  it('a shared IP uses the union of the candidates of its Services', () => {
    const local1 = claim('default/a', { localOnly: true, servingNodes: new Set(['node-a']) });
    const local2 = claim('default/b', { localOnly: true, servingNodes: new Set(['node-d']) });
    const e = electAnnouncer(ip, NODES, [local1, local2], anyNic);
    expect(new Set(e.candidates)).toEqual(new Set(['node-a', 'node-d']));
    expect(e.announcer).toBe(rendezvousOrder(['node-a', 'node-d'], ip)[0]);
  });

  it('no claims or no nodes: nobody announces, with a reason', () => {
    expect(electAnnouncer(ip, NODES, [], anyNic).reason).toBe('no Service uses 192.0.2.10');
    const none = electAnnouncer(ip, [], [claim('default/web')], anyNic);
    expect(none.announcer).toBeUndefined();
    expect(none.reason).toContain('no node is known');
  });

  it('counts a node listed twice once', () => {
    const e = electAnnouncer(ip, [...NODES, node('node-a')], [claim('default/web')], anyNic);
    expect(e.candidates).toHaveLength(4);
  });
});

describe('electAll', () => {
  it('elects every IP, sorted by IP', () => {
    const claims = new Map([
      ['192.0.2.20', [claim('default/b')]],
      ['192.0.2.10', [claim('default/a')]],
    ]);
    const result = electAll(NODES, claims, anyNic);
    expect([...result.keys()]).toEqual(['192.0.2.10', '192.0.2.20']);
    expect(result.get('192.0.2.20')?.announcer).toBe(
      rendezvousOrder(
        NODES.map((n) => n.name),
        '192.0.2.20',
      )[0],
    );
  });
});

describe('election properties', () => {
  const nodeNames = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/), {
    minLength: 1,
    maxLength: 12,
  });
  const ipArb = fc.ipV4();

  it('does not depend on the order of nodes or claims', () => {
    fc.assert(
      fc.property(nodeNames, ipArb, fc.integer(), (names, ip, seed) => {
        const nodes = names.map((n) => node(n));
        // A seed-driven permutation: sort by a hash that has nothing to do with the election's.
        const key = (n: ElectionNode): string => rendezvousScore(String(seed), n.name);
        const shuffled = [...nodes].sort((x, y) => (key(x) < key(y) ? -1 : 1));
        const claims = [
          claim('ns/a'),
          claim('ns/b', { localOnly: true, servingNodes: new Set(names.slice(1)) }),
        ];
        const a = electAnnouncer(ip, nodes, claims, anyNic);
        const b = electAnnouncer(ip, shuffled, [...claims].reverse(), anyNic);
        expect(b).toEqual(a);
      }),
    );
  });

  it('removing a node that is not the winner never moves the IP', () => {
    fc.assert(
      fc.property(nodeNames, ipArb, fc.nat(), (names, ip, pick) => {
        const nodes = names.map((n) => node(n));
        const before = electAnnouncer(ip, nodes, [claim('ns/a')], anyNic);
        const losers = names.filter((n) => n !== before.announcer);
        fc.pre(losers.length > 0);
        const removed = losers[pick % losers.length];
        const after = electAnnouncer(
          ip,
          nodes.filter((n) => n.name !== removed),
          [claim('ns/a')],
          anyNic,
        );
        expect(after.announcer).toBe(before.announcer);
      }),
    );
  });

  it('adding a node moves an IP only to the added node', () => {
    fc.assert(
      fc.property(nodeNames, ipArb, (names, ip) => {
        const [added, ...rest] = names;
        fc.pre(added !== undefined && rest.length > 0);
        const before = electAnnouncer(
          ip,
          rest.map((n) => node(n)),
          [claim('ns/a')],
          anyNic,
        );
        const after = electAnnouncer(
          ip,
          names.map((n) => node(n)),
          [claim('ns/a')],
          anyNic,
        );
        expect([before.announcer, added]).toContain(after.announcer);
      }),
    );
  });

  it('spreads IPs over the nodes', () => {
    const names = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];
    const claims = new Map<string, IpClaim[]>();
    for (let i = 1; i <= 500; i++)
      claims.set(`10.0.${String(i >> 8)}.${String(i & 255)}`, [claim(`ns/s${String(i)}`)]);
    const counts = new Map<string, number>();
    for (const e of electAll(
      names.map((n) => node(n)),
      claims,
      anyNic,
    ).values()) {
      counts.set(e.announcer ?? '', (counts.get(e.announcer ?? '') ?? 0) + 1);
    }
    // 100 expected per node; rendezvous hashing keeps each well within 60..140 for 500 IPs.
    expect(counts.size).toBe(5);
    for (const n of counts.values()) expect(n).toBeGreaterThan(60);
    for (const n of counts.values()) expect(n).toBeLessThan(140);
  });
});

describe('RendezvousMemo', () => {
  const nodeNames = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/), {
    minLength: 1,
    maxLength: 12,
  });

  it('gives every election the result it has without the memo, across runs and node-set changes', () => {
    const memo = new RendezvousMemo();
    fc.assert(
      fc.property(
        nodeNames,
        fc.uniqueArray(fc.ipV4(), { minLength: 1, maxLength: 8 }),
        fc.func(fc.boolean()),
        (names, ips, serves) => {
          const nodes = names.map((n) => node(n));
          // Each IP's Service is served by an arbitrary subset of the nodes (Local policy).
          const claims = new Map(
            ips.map((ip) => [
              ip,
              [
                claim(`ns/${ip}`, {
                  localOnly: true,
                  servingNodes: new Set(names.filter((n) => serves(n, ip))),
                }),
              ],
            ]),
          );
          const plain = electAll(nodes, claims, anyNic);
          expect(electAll(nodes, claims, anyNic, memo)).toEqual(plain);
          // Again from the memo's entries (no hashing), still the same.
          expect(electAll(nodes, claims, anyNic, memo)).toEqual(plain);
        },
      ),
    );
  });

  it('reuses its order when the same nodes come in another order, and filters it to the candidates', () => {
    const memo = new RendezvousMemo();
    const claims = new Map([['192.0.2.10', [claim('ns/a')]]]);
    const first = memo.begin(NODES.map((n) => n.name));
    const a = first.order(['node-a', 'node-c'], '192.0.2.10');
    first.end();
    const second = memo.begin([...NODES].reverse().map((n) => n.name));
    const b = second.order(['node-a', 'node-c'], '192.0.2.10');
    expect(b).toEqual(a);
    expect(b).toEqual(rendezvousOrder(['node-a', 'node-c'], '192.0.2.10'));
    expect(electAll(NODES, claims, anyNic, memo)).toEqual(electAll(NODES, claims, anyNic));
  });
});
