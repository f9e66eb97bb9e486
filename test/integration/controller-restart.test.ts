// IP stability: a restarted controller rebuilds from Service status and changes no IP; two
// leader-elected controllers hand over under load with no IP assigned twice and none changed;
// watch drops and 410 Gone in the middle of a run lose nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, OPT_IN, startHarness, type Harness } from './controller-harness.js';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await h.stop();
});

interface Snapshot {
  readonly ips: Map<string, string[]>;
}

async function snapshot(ns: string): Promise<Snapshot> {
  const list = await h.raw<{
    items: { metadata: { name: string }; status?: { loadBalancer?: { ingress?: { ip?: string }[] } } }[];
  }>(`/api/v1/namespaces/${ns}/services`);
  const ips = new Map<string, string[]>();
  for (const s of list.items)
    ips.set(
      s.metadata.name,
      (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? ''),
    );
  return { ips };
}

/** Watches every Service of `ns` and fails on an IP that changes or is held by two Services. */
function guard(ns: string): { stop(): Promise<void>; problems: string[]; samples: () => number } {
  const first = new Map<string, string>();
  const problems: string[] = [];
  let samples = 0;
  const state = { running: true };
  const loop = (async () => {
    while (state.running) {
      const snap = await snapshot(ns);
      samples++;
      const holders = new Map<string, string>();
      for (const [name, ips] of snap.ips) {
        const ip = ips[0];
        if (ip === undefined) continue;
        const was = first.get(name);
        if (was === undefined) first.set(name, ip);
        else if (was !== ip) problems.push(`${name} changed ${was} -> ${ip}`);
        const other = holders.get(ip);
        if (other !== undefined) problems.push(`${ip} held by ${other} and ${name}`);
        holders.set(ip, name);
      }
      await new Promise((r) => setTimeout(r, 15));
    }
  })();
  return {
    problems,
    samples: () => samples,
    stop: async () => {
      state.running = false;
      await loop;
    },
  };
}

async function createMany(ns: string, names: string[]): Promise<void> {
  await Promise.all(names.map((n) => h.createService(ns, n, {})));
}

async function allAssigned(ns: string, count: number): Promise<Snapshot> {
  let snap = await snapshot(ns);
  await eventually(
    `${count} Services in ${ns} with IPs`,
    async () => {
      snap = await snapshot(ns);
      return [...snap.ips.values()].filter((ips) => ips.length > 0).length >= count;
    },
    15_000,
  );
  return snap;
}

const range = (prefix: string, from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}`);

describe('IP stability', () => {
  it('a restarted controller rebuilds from Service status: no IP changes, a pending Service cannot take a held IP', async () => {
    await h.createNamespace('stable');
    await h.createEip('stable-pool', { address: '192.0.2.0/26', namespaces: ['stable'] });
    await h.createEip('tiny', { address: '198.51.100.7' });
    // `older` is created first, pinned to an Eip that does not exist yet: it stays pending.
    await h.createService('stable', 'older', {
      annotations: { ...OPT_IN, 'eip.openelb.kubesphere.io/v1alpha2': 'later' },
    });
    const first = h.start();
    await h.createService('stable', 'holder', {
      annotations: { ...OPT_IN, 'eip.openelb.kubesphere.io/v1alpha2': 'tiny' },
    });
    await createMany('stable', range('svc', 0, 30));
    const before = await allAssigned('stable', 31);
    expect(before.ips.get('holder')).toEqual(['198.51.100.7']);
    await first.stop();

    // While no controller runs, the older pending Service now wants the one-address Eip.
    await h.core.patchNamespacedService({
      namespace: 'stable',
      name: 'older',
      body: [
        { op: 'replace', path: '/metadata/annotations/eip.openelb.kubesphere.io~1v1alpha2', value: 'tiny' },
      ],
    });
    const second = h.start();
    await eventually('second controller ready', () => Promise.resolve(second.controller.ready()), 10_000);
    await h.waitForEvent('stable', 'older', 'AssignIPFailed', /tiny|198\.51\.100\.7/);
    const after = await snapshot('stable');
    for (const [name, ips] of before.ips) expect(after.ips.get(name), name).toEqual(ips);
    expect(after.ips.get('older')).toEqual([]);
  });

  it('two controllers hand over leadership under load: no IP assigned twice, none changed', async () => {
    await h.createNamespace('load');
    await h.createEip('load-pool', { address: '10.1.0.0/24', namespaces: ['load'] });
    const a = h.start({ leaderElect: true });
    await eventually('a leads', () => Promise.resolve(a.controller.term !== undefined), 5000);
    const b = h.start({ leaderElect: true });
    const g = guard('load');
    await createMany('load', range('s', 0, 40));
    const creating = createMany('load', range('s', 40, 80));
    await a.stop(); // graceful: releases the Lease, b takes over at once
    await creating;
    await eventually('b leads', () => Promise.resolve(b.controller.term !== undefined), 5000);
    // Now b loses the API (partition): it must stop writing; c takes over after the Lease expires.
    const c = h.start({ leaderElect: true });
    await createMany('load', range('s', 80, 100));
    h.api.faults.partition({ user: b.user });
    await createMany('load', range('s', 100, 120));
    await eventually('c leads', () => Promise.resolve(c.controller.term !== undefined), 10_000);
    const final = await allAssigned('load', 120);
    h.api.faults.heal();
    await g.stop();
    expect(g.problems).toEqual([]);
    expect(g.samples()).toBeGreaterThan(5);
    const ips = [...final.ips.values()].map((x) => x[0]);
    expect(new Set(ips).size).toBe(120);
    await eventually(
      'Eip usage 120',
      async () => (await h.eip('load-pool'))?.status?.['usage'] === 120,
      5000,
    );
  });

  it('watch drops and 410 Gone in the middle of a run lose no change', async () => {
    await h.createNamespace('faults');
    await h.createEip('faults-pool', { address: '10.2.0.0/24', namespaces: ['faults'] });
    h.start();
    const g = guard('faults');
    await createMany('faults', range('f', 0, 20));
    h.api.faults.dropWatches();
    await createMany('faults', range('f', 20, 40));
    h.api.faults.goneOnNextWatch(3);
    h.api.faults.dropWatches();
    await createMany('faults', range('f', 40, 60));
    for (const name of range('f', 0, 10)) await h.core.deleteNamespacedService({ namespace: 'faults', name });
    h.api.faults.dropWatches();
    await createMany('faults', range('f', 60, 70));
    await allAssigned('faults', 60);
    await eventually('deleted Services gone', async () => (await snapshot('faults')).ips.size === 60, 10_000);
    await eventually(
      'Eip usage 60',
      async () => (await h.eip('faults-pool'))?.status?.['usage'] === 60,
      10_000,
    );
    await g.stop();
    expect(g.problems).toEqual([]);
  });
});
