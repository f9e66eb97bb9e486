// The layer2 side's idle cost in a large cluster (no root, no I/O): one speaker's desiredLayer2 over
// N nodes and S layer2 Services (one IP each, Cluster policy, one ready endpoint each), without and
// with the RendezvousMemo kept between reconciles, side by side in this run; and how many of the
// speaker Lease updates of 10 s of renewals (every node renews every 500 ms) start a reconcile, with
// the relevance rule (lease-relevance.ts) and without it (every update did). Sizes: BENCH_L2_NODES,
// BENCH_L2_SERVICES.
import { RendezvousMemo } from '../src/layer2/announce-election.js';
import type { NicLookup } from '../src/layer2/announce-nic.js';
import { desiredLayer2, type Layer2World } from '../src/speaker/desired-layer2.js';
import { leaseChangeMatters } from '../src/speaker/lease-relevance.js';
import type { EipObject, EndpointSliceObject, LeaseWire, NodeObject } from '../src/speaker/objects.js';
import type { ServiceObject } from '../src/controller/objects.js';

const NODES = Number(process.env['BENCH_L2_NODES'] ?? 100);
const SERVICES = Number(process.env['BENCH_L2_SERVICES'] ?? 1000);
const RUNS = 20;
const RENEW_MS = 500;

const micro = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');

function lease(node: string, renewedMs: number): LeaseWire {
  return {
    metadata: { name: `openelb-speaker-${node}`, namespace: 'openelb-system' },
    spec: { holderIdentity: node, leaseDurationSeconds: 2, renewTime: micro(renewedMs) },
  };
}

function world(nowMs: number): Layer2World {
  const names = Array.from({ length: NODES }, (_, i) => `node${String(i)}`);
  const nodes: NodeObject[] = names.map((name, i) => ({
    metadata: { name },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: `10.1.${String(i >> 8)}.${String(i & 255)}` }],
    },
  }));
  const eips = [
    {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'Eip',
      metadata: { name: 'l2' },
      spec: { address: '10.2.0.0/16', protocol: 'layer2', interface: 'eth0' },
    },
  ] as EipObject[];
  const services: ServiceObject[] = Array.from({ length: SERVICES }, (_, i) => ({
    metadata: {
      name: `s${String(i)}`,
      namespace: 'default',
      labels: { 'eip.openelb.kubesphere.io/v1alpha2': 'l2' },
    },
    spec: { type: 'LoadBalancer' },
    status: { loadBalancer: { ingress: [{ ip: `10.2.${String(i >> 8)}.${String(i & 255)}` }] } },
  }));
  const endpointSlices = services.map((s, i): EndpointSliceObject => ({
    metadata: {
      name: `${s.metadata?.name ?? ''}-x`,
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': s.metadata?.name ?? '' },
    },
    endpoints: [{ addresses: ['10.244.0.1'], conditions: { ready: true }, nodeName: names[i % NODES] }],
  }));
  const ok = (value: string): { ok: true; value: string } => ({ ok: true, value });
  const nic: NicLookup = {
    holding: () => ok('eth0'),
    holdingIn: () => ok('eth0'),
    named: ok,
    routeTo: () => ok('eth0'),
  };
  const leases = names.map((n) => lease(n, nowMs));
  return { nodeName: 'node0', nowMs, nodes, services, eips, endpointSlices, leases, nic };
}

function msPerReconcile(w: Layer2World): number {
  for (let i = 0; i < 3; i++) desiredLayer2(w); // warm-up (and, with a memo, its first fill)
  const start = performance.now();
  for (let i = 0; i < RUNS; i++) desiredLayer2(w);
  return (performance.now() - start) / RUNS;
}

/** Lease updates in 10 s of renewals by every node, and how many the relevance rule lets through. */
function renewalStream(startMs: number): { updates: number; relevant: number } {
  let updates = 0;
  let relevant = 0;
  for (let t = RENEW_MS; t <= 10_000; t += RENEW_MS) {
    for (let i = 0; i < NODES; i++) {
      const node = `node${String(i)}`;
      updates++;
      const now = startMs + t;
      if (leaseChangeMatters(lease(node, now - RENEW_MS), lease(node, now), now)) relevant++;
    }
  }
  return { updates, relevant };
}

/** Runs the benchmark; see the file comment. */
export async function layer2ElectionsBench(): Promise<Record<string, number>> {
  await Promise.resolve();
  const now = Date.now();
  const w = world(now);
  const plain = msPerReconcile(w);
  const memo = msPerReconcile({ ...w, rendezvous: new RendezvousMemo() });
  const same =
    JSON.stringify([...desiredLayer2(w).elections]) ===
    JSON.stringify([...desiredLayer2({ ...w, rendezvous: new RendezvousMemo() }).elections]);
  if (!same) throw new Error('the memo changed an election');
  const stream = renewalStream(now);
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    nodes: NODES,
    services: SERVICES,
    reconcile_ms_without_memo: round(plain),
    reconcile_ms_with_memo: round(memo),
    memo_speedup: round(plain / memo),
    lease_updates_in_10s: stream.updates,
    reconciles_from_lease_updates_before: stream.updates,
    reconciles_from_lease_updates_now: stream.relevant,
    // Cores the old rule asked for at idle; the queue coalesces, so the speaker sat at one core.
    idle_cpu_cores_demanded_before: round((stream.updates / 10) * (plain / 1000)),
  };
}
