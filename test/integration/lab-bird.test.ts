// The lab with BIRD 2 as the router (`up --router bird`): BIRD opens the sessions to each node's
// gobgpd, merges equal BGP paths into one ECMP kernel route, and the client reaches every node. Root.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { birdc } from '../lab/topology/bird.js';
import { labDown, labUp } from '../lab/topology/lab.js';
import { planLab, type LabOptions } from '../lab/topology/plan.js';
import { alive } from '../lab/topology/processes.js';
import { waitFor } from '../lab/topology/sh.js';
import type { LabState } from '../lab/topology/state.js';
import { setVip } from '../lab/topology/vip.js';
import {
  acquireLabLock,
  announce,
  assertLabCanRun,
  httpFromClient,
  pidsInLabNamespaces,
  tempStateDir,
  waitNextHops,
} from './lab-harness.js';

const OPTIONS: LabOptions = { nodes: 3, router: 'bird', ipv6: true, gobgpd: 'toml', managers: false };
const plan = planLab(OPTIONS);
const stateDir = tempStateDir('oelb-lab-bird-');

/** Names of BIRD's Established BGP protocols. */
async function established(): Promise<string[]> {
  const r = await birdc(plan, join(stateDir, 'router'), ['show', 'protocols']);
  return r.stdout
    .split('\n')
    .filter((l) => / BGP /.test(l) && l.includes('Established'))
    .map((l) => l.split(/\s+/)[0] ?? '')
    .sort();
}

let state: LabState | undefined;
let releaseLock: (() => void) | undefined;

beforeAll(async () => {
  releaseLock = await acquireLabLock();
  await assertLabCanRun(OPTIONS);
  state = await labUp({ options: OPTIONS, stateDir });
}, 150_000);

afterAll(async () => {
  try {
    await labDown(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  } finally {
    releaseLock?.();
  }
}, 30_000);

describe('lab up --router bird', () => {
  it('opens a v4 and a v6 session to every gobgpd', async () => {
    const want = plan.nodes.flatMap((n) => [n.name, `${n.name}_v6`]).sort();
    const ok = await waitFor(
      async () => ((await established()).join() === want.join() ? true : undefined),
      5000,
    );
    expect(ok, `established: ${(await established()).join(',')}`).toBe(true);
  });

  it('merges the nodes into one ECMP route and the client reaches every node', async () => {
    const vip4 = '198.51.100.30';
    const vip6 = '2001:db8:100::30';
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
    expect(new Set(await httpFromClient(plan, `http://${vip4}/`, 60))).toEqual(
      new Set(plan.nodes.map((n) => n.name)),
    );
  });

  it('down cleans up after a crash that lost the state file', async () => {
    const processes = state?.processes ?? [];
    const forwarder = processes.find((p) => p.ns === undefined);
    expect(forwarder !== undefined && alive(forwarder.pid)).toBe(true);
    rmSync(join(stateDir, 'lab.json'));
    const r = await labDown(stateDir);
    expect(r.namespaces.sort()).toEqual([
      'oelb-client',
      'oelb-lan',
      'oelb-mgmt',
      'oelb-node1',
      'oelb-node2',
      'oelb-node3',
      'oelb-router',
    ]);
    expect(await pidsInLabNamespaces()).toEqual([]);
    // Unknown to `down` without the state file, the host relay notices the namespace is gone and exits.
    const gone = await waitFor(
      () => Promise.resolve(processes.every((p) => !alive(p.pid)) || undefined),
      4000,
    );
    expect(gone).toBe(true);
  });
});
