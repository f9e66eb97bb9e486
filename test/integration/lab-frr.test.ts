// The virtual lab end to end with FRR: `up` with 3 nodes, Nodes in the API, LAN reachability and
// sealing, router-opened BGP sessions to each node's gobgpd, ECMP through all nodes for IPv4 and IPv6,
// HTTP from the client spread over the nodes, and `down` leaving nothing behind. Needs root.

import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vtysh } from '../lab/topology/frr.js';
import { distPaths, labDown, labUp } from '../lab/topology/lab.js';
import { MAC_ANNOTATION } from '../lab/topology/nodes.js';
import { planLab, type LabOptions, type LabPlan } from '../lab/topology/plan.js';
import { alive } from '../lab/topology/processes.js';
import { run, waitFor } from '../lab/topology/sh.js';
import type { LabState } from '../lab/topology/state.js';
import { setVip } from '../lab/topology/vip.js';
import {
  acquireLabLock,
  announce,
  assertLabCanRun,
  httpFromClient,
  pidsInLabNamespaces,
  ping,
  tempStateDir,
  waitNextHops,
} from './lab-harness.js';

const exec = promisify(execFile);
const OPTIONS: LabOptions = { nodes: 3, router: 'frr', ipv6: true, gobgpd: 'toml', managers: true };
const plan: LabPlan = planLab(OPTIONS);
const stateDir = tempStateDir('oelb-lab-frr-');
let state: LabState | undefined;
let upMs = 0;

/** The lab CLI as users run it (from dist/). */
function labCli(...args: string[]): Promise<{ stdout: string; code: number }> {
  return exec(process.execPath, [distPaths().lab, ...args], { timeout: 20_000 }).then(
    (r) => ({ stdout: r.stdout, code: 0 }),
    (err: unknown) => {
      const e = err as { stdout?: string; code?: number };
      return { stdout: e.stdout ?? '', code: e.code ?? 1 };
    },
  );
}

interface FrrPeer {
  state: string;
}
interface FrrSummary {
  ipv4Unicast?: { peers?: Record<string, FrrPeer> };
  ipv6Unicast?: { peers?: Record<string, FrrPeer> };
}

async function establishedPeers(): Promise<string[]> {
  const r = await vtysh(plan, join(stateDir, 'router'), ['show bgp summary json']);
  if (!r.ok) return [];
  const s = JSON.parse(r.stdout) as FrrSummary;
  const peers = { ...s.ipv4Unicast?.peers, ...s.ipv6Unicast?.peers };
  return Object.entries(peers)
    .filter(([, p]) => p.state === 'Established')
    .map(([a]) => a)
    .sort();
}

let releaseLock: (() => void) | undefined;

beforeAll(async () => {
  releaseLock = await acquireLabLock();
  await assertLabCanRun(OPTIONS);
  const started = Date.now();
  state = await labUp({ options: OPTIONS, stateDir });
  upMs = Date.now() - started;
}, 150_000);

afterAll(async () => {
  // Also the cleanup when a test failed half-way; a no-op after the `down` test.
  try {
    await labDown(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  } finally {
    releaseLock?.();
  }
}, 30_000);

describe('lab up (FRR, 3 nodes)', () => {
  it('starts every process, and status reports them with the addresses', async () => {
    expect(state?.processes.map((p) => p.role).sort()).toEqual(
      [
        'api',
        'bgpd',
        'controller',
        'forward',
        'zebra',
        ...Array.from({ length: 3 }, () => ['gobgpd', 'responder', 'speaker']),
      ]
        .flat()
        .sort(),
    );
    expect(state?.processes.every((p) => alive(p.pid))).toBe(true);
    expect(upMs).toBeLessThan(15_000);
    const r = await labCli('status', '--json', '--state', stateDir);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout) as {
      kubeconfig: string;
      healthy: boolean;
      router: { asn: number; lan: { v4: string; mac: string } };
      nodes: { name: string; v4: string; mac: string }[];
    };
    expect(status.healthy).toBe(true);
    expect(status.kubeconfig).toBe(join(stateDir, 'kubeconfig'));
    expect(status.router).toMatchObject({ asn: 64500, lan: { v4: '192.0.2.1', mac: '02:00:00:01:00:01' } });
    expect(status.nodes.map((n) => [n.name, n.v4, n.mac])).toEqual([
      ['node1', '192.0.2.11', '02:00:00:01:00:0b'],
      ['node2', '192.0.2.12', '02:00:00:01:00:0c'],
      ['node3', '192.0.2.13', '02:00:00:01:00:0d'],
    ]);
  });

  it('registers every node as a Ready Kubernetes Node with its addresses and MAC', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(join(stateDir, 'kubeconfig'));
    const nodes = (await kc.makeApiClient(CoreV1Api).listNode()).items;
    const seen = nodes.map((n) => ({
      name: n.metadata?.name,
      ips: n.status?.addresses?.filter((a) => a.type === 'InternalIP').map((a) => a.address),
      ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status,
      mac: n.metadata?.annotations?.[MAC_ANNOTATION],
      hostname: n.metadata?.labels?.['kubernetes.io/hostname'],
    }));
    expect(seen).toEqual(
      plan.nodes.map((p) => ({
        name: p.name,
        ips: [p.lan.v4, p.lan.v6],
        ready: 'True',
        mac: p.lan.mac,
        hostname: p.name,
      })),
    );
    // The real kubectl from the host, through the loopback forwarder.
    const k = await exec('kubectl', [
      '--kubeconfig',
      join(stateDir, 'kubeconfig'),
      'get',
      'nodes',
      '-o',
      'name',
    ]);
    expect(k.stdout.trim().split('\n')).toEqual(['node/node1', 'node/node2', 'node/node3']);
  });

  it('connects router and nodes on the LAN (v4 and v6), and seals the nodes from the host', async () => {
    const pairs: [string, string][] = [];
    for (const n of plan.nodes) {
      pairs.push([plan.ns.router, n.lan.v4], [plan.ns.router, n.lan.v6 ?? ''], [n.ns, plan.router.lan.v4]);
    }
    pairs.push(
      [plan.ns.client, plan.nodes[0]?.lan.v4 ?? ''],
      [plan.nodes[0]?.ns ?? '', plan.nodes[1]?.lan.v4 ?? ''],
    );
    const results = await Promise.all(pairs.map(([ns, ip]) => ping(ns, ip)));
    expect(results.every(Boolean)).toBe(true);

    // No default route anywhere but via the lab, and the host's own addresses are not reachable.
    const hostAddrs = JSON.parse(
      (await run('ip', ['-j', '-4', 'addr', 'show', 'scope', 'global'])).stdout,
    ) as {
      addr_info: { local: string }[];
    }[];
    const host = hostAddrs.flatMap((i) => i.addr_info.map((a) => a.local));
    for (const n of plan.nodes) {
      expect((await run('ip', ['-n', n.ns, 'route', 'show', 'default'])).stdout.trim()).toBe('');
      expect((await run('ip', ['-n', n.ns, 'route', 'get', '8.8.8.8'])).ok).toBe(false);
    }
    const hostPings = await Promise.all(host.map((ip) => ping(plan.nodes[0]?.ns ?? '', ip)));
    expect(hostPings.some(Boolean)).toBe(false);
  });

  it('has the router open BGP sessions to every gobgpd within seconds', async () => {
    const want = plan.nodes.flatMap((n) => [n.lan.v4, n.lan.v6 ?? '']).sort();
    const up = await waitFor(async () => {
      const peers = await establishedPeers();
      return peers.join(',') === want.join(',') ? true : undefined;
    }, 5000);
    expect(up, `established: ${(await establishedPeers()).join(',')}`).toBe(true);
  });

  it('installs an ECMP route via all nodes and spreads client HTTP over them (IPv4 and IPv6)', async () => {
    const vip4 = '198.51.100.10';
    const vip6 = '2001:db8:100::10';
    for (const vip of [vip4, vip6])
      expect(
        await setVip(
          'add',
          vip,
          plan.nodes.map((n) => n.ns),
        ),
      ).toEqual([]);
    await announce(plan, 'add', `${vip4}/32`);
    await announce(plan, 'add', `${vip6}/128`);
    await waitNextHops(
      plan,
      vip4,
      plan.nodes.map((n) => n.lan.v4),
      5000,
    );
    await waitNextHops(
      plan,
      vip6,
      plan.nodes.map((n) => n.lan.v6 ?? ''),
      5000,
    );

    const names = plan.nodes.map((n) => n.name);
    const bodies = await httpFromClient(plan, `http://${vip4}/`, 60);
    expect(bodies).toHaveLength(60);
    expect(bodies.every((b) => names.includes(b))).toBe(true);
    // 60 connections with random source ports over 3 equal paths: missing one has p < 1e-10.
    expect(new Set(bodies).size).toBe(3);
    const bodies6 = await httpFromClient(plan, `http://[${vip6}]/`, 60);
    expect(new Set(bodies6).size).toBe(3);

    // Withdrawn from one node: the route narrows to the other two.
    const r = await run('ip', [
      'netns',
      'exec',
      plan.nodes[0]?.ns ?? '',
      'gobgp',
      'global',
      'rib',
      'del',
      `${vip4}/32`,
    ]);
    expect(r.ok).toBe(true);
    await waitNextHops(
      plan,
      vip4,
      plan.nodes.slice(1).map((n) => n.lan.v4),
      5000,
    );
  });

  it('exec accepts names with or without the prefix', async () => {
    const a = await labCli('exec', 'router', '--', 'ip', '-br', 'addr', 'show', 'eth0');
    const b = await labCli('exec', 'oelb-router', '--', 'ip', '-br', 'addr', 'show', 'eth0');
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('192.0.2.1/24');
    expect(b.stdout).toBe(a.stdout);
    expect((await labCli('exec', 'nosuch', '--', 'true')).code).not.toBe(0);
    // vtysh in the router finds the lab's FRR without being told where its socket is.
    const v = await labCli(
      'exec',
      '--state',
      stateDir,
      'router',
      '--',
      'vtysh',
      '-c',
      'show bgp summary json',
    );
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toHaveProperty('ipv4Unicast.as', 64500);
  });

  it('down removes every namespace, process and state file, and is idempotent', async () => {
    const pids = state?.processes.map((p) => p.pid) ?? [];
    const r = await labCli('down', '--state', stateDir);
    expect(r.code).toBe(0);
    expect(await pidsInLabNamespaces()).toEqual([]);
    expect((await run('ip', ['netns', 'list'])).stdout).not.toMatch(/oelb-/);
    // The host forwarder is killed by pid (and would exit by itself once the namespace is gone).
    const gone = await waitFor(() => Promise.resolve(pids.every((p) => !alive(p)) || undefined), 3000);
    expect(gone).toBe(true);
    expect(existsSync(join(stateDir, 'lab.json'))).toBe(false);
    expect(existsSync(join(stateDir, 'kubeconfig'))).toBe(false);
    const again = await labCli('down', '--state', stateDir);
    expect(again).toEqual({ stdout: 'no lab to remove\n', code: 0 });
  });
});
