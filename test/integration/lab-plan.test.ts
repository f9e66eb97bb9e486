// The lab's pure parts: topology plan, router and gobgpd configs, Node objects, VIP prefixes.
// These need no root; the end-to-end tests are lab-frr and lab-bird.

import { rootProblem } from '../lab/topology/sh.js';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { distPaths } from '../lab/topology/lab.js';
import { renderBirdConf } from '../lab/topology/bird.js';
import { renderBgpdConf } from '../lab/topology/frr.js';
import { renderNodeToml } from '../lab/topology/gobgp.js';
import { MAC_ANNOTATION, nodeObject } from '../lab/topology/nodes.js';
import {
  DEFAULT_OPTIONS,
  labMac,
  MAX_NODES,
  nsName,
  planLab,
  planNamespaces,
  validateOptions,
} from '../lab/topology/plan.js';
import { hostPrefix } from '../lab/topology/vip.js';

describe('lab plan', () => {
  it('gives every interface a unique, stable MAC and address', () => {
    const plan = planLab({ ...DEFAULT_OPTIONS, nodes: MAX_NODES });
    const ifaces = [
      plan.router.lan,
      plan.router.client,
      plan.client,
      plan.mgmtBridge,
      ...plan.nodes.flatMap((n) => [n.lan, n.mgmt]),
    ];
    expect(new Set(ifaces.map((i) => i.mac)).size).toBe(ifaces.length);
    expect(new Set(ifaces.map((i) => i.v4)).size).toBe(ifaces.length);
    expect(plan.nodes[0]).toMatchObject({
      name: 'node1',
      ns: 'oelb-node1',
      lan: { v4: '192.0.2.11', mac: '02:00:00:01:00:0b' },
    });
    expect(plan.nodes[49]?.lan.v4).toBe('192.0.2.60');
    expect(labMac(0xff, 0x0b)).toBe('02:00:00:ff:00:0b');
    expect(planNamespaces(plan).every((n) => n.startsWith('oelb-'))).toBe(true);
  });

  it('rejects node counts it cannot address', () => {
    expect(validateOptions({ ...DEFAULT_OPTIONS, nodes: 0 })).toMatch(/--nodes must be an integer 1-50/);
    expect(validateOptions({ ...DEFAULT_OPTIONS, nodes: 51 })).toMatch(/got 51/);
    expect(validateOptions({ ...DEFAULT_OPTIONS, nodes: 2.5 })).toBeDefined();
    expect(validateOptions(DEFAULT_OPTIONS)).toBeUndefined();
  });

  it('accepts namespace names with or without the prefix', () => {
    expect(nsName('router')).toBe('oelb-router');
    expect(nsName('oelb-node2')).toBe('oelb-node2');
  });
});

describe('router configs', () => {
  it('FRR: dynamic neighbours, a router-opened session per node, ECMP', () => {
    const v4only = renderBgpdConf(planLab({ ...DEFAULT_OPTIONS, nodes: 2 }), '/s/bgpd.log');
    expect(v4only).toContain('router bgp 64500');
    expect(v4only).toContain(' bgp listen range 192.0.2.0/24 peer-group NODES');
    expect(v4only).toContain(' bgp listen range 2001:db8:0:1::/64 peer-group NODES6');
    expect(v4only).toContain(' neighbor 192.0.2.12 peer-group NODES');
    expect(v4only).not.toContain(' neighbor 192.0.2.13 ');
    expect(v4only).not.toContain(' neighbor 2001:db8:0:1::11 peer-group');
    expect(v4only).toContain(' neighbor NODES timers connect 1');
    expect(v4only.match(/maximum-paths 64/g)).toHaveLength(2);
    const dual = renderBgpdConf(planLab({ ...DEFAULT_OPTIONS, nodes: 2, ipv6: true }), '/s/bgpd.log');
    expect(dual).toContain(' neighbor 2001:db8:0:1::12 peer-group NODES6');
  });

  it('BIRD: a protocol per node, dynamic ranges, merged kernel paths', () => {
    const conf = renderBirdConf(
      planLab({ ...DEFAULT_OPTIONS, nodes: 2, router: 'bird', ipv6: true }),
      '/s/bird.log',
    );
    expect(conf).toContain('protocol bgp node2 from nodes4 { neighbor 192.0.2.12 as 64512; }');
    expect(conf).toContain('protocol bgp node1_v6 from nodes6 { neighbor 2001:db8:0:1::11 as 64512; }');
    expect(conf).toContain('neighbor range 192.0.2.0/24 as 64512; dynamic name "dyn4_";');
    expect(conf.match(/merge paths on limit 64/g)).toHaveLength(2);
  });

  it('gobgpd TOML: listens on 179 and waits passively for the router', () => {
    const plan = planLab({ ...DEFAULT_OPTIONS, ipv6: true });
    const node = plan.nodes[1];
    if (node === undefined) throw new Error('no node2');
    const toml = renderNodeToml(plan, node);
    expect(toml).toContain('router-id = "192.0.2.12"');
    expect(toml).toContain('port = 179');
    expect(toml.match(/passive-mode = true/g)).toHaveLength(2);
    expect(toml).toContain('neighbor-address = "2001:db8:0:1::1"');
    expect(renderNodeToml(planLab(DEFAULT_OPTIONS), node)).not.toContain('ipv6-unicast');
  });
});

describe('Node objects and VIPs', () => {
  it('describes a node as a kubelet would, with its MAC', () => {
    const node = planLab(DEFAULT_OPTIONS).nodes[2];
    if (node === undefined) throw new Error('no node3');
    const obj = nodeObject(node, new Date(0));
    expect(obj.metadata?.labels?.['kubernetes.io/hostname']).toBe('node3');
    expect(obj.metadata?.annotations?.[MAC_ANNOTATION]).toBe('02:00:00:01:00:0d');
    expect(obj.status?.addresses).toEqual([
      { type: 'InternalIP', address: '192.0.2.13' },
      { type: 'InternalIP', address: '2001:db8:0:1::13' },
      { type: 'Hostname', address: 'node3' },
    ]);
    expect(obj.status?.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'True' });
  });

  it('puts VIPs on lo as host prefixes and refuses non-addresses', () => {
    expect(hostPrefix('198.51.100.7')).toBe('198.51.100.7/32');
    expect(hostPrefix('2001:db8:100::7')).toBe('2001:db8:100::7/128');
    expect(hostPrefix('198.51.100.0/24')).toEqual({ error: 'not an IP address: "198.51.100.0/24"' });
  });
});

describe('root check', () => {
  it('every root command explains why and exits 1 without root', () => {
    // As root (CI), the CLI is told it runs as nobody: switching users would fail wherever the
    // checkout is not readable by nobody (e.g. a clone under a mode-0700 mktemp directory).
    for (const args of [
      ['up'],
      ['down'],
      ['status'],
      ['exec', 'router', '--', 'true'],
      ['vip', 'add', '192.0.2.9'],
    ]) {
      const r = spawnSync(process.execPath, [distPaths().lab, ...args], {
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, OELB_LAB_UID: '65534' },
      });
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toContain('the lab needs root');
    }
  }, 30_000);

  it('accepts uid 0 and refuses any other uid', () => {
    expect(rootProblem(0)).toBeUndefined();
    expect(rootProblem(65534)).toContain('the lab needs root');
  });
});
