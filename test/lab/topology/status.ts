// `lab status`: what the lab is (addresses, MACs, subnets, ASNs, kubeconfig) and how it is doing
// (process health, namespaces present, the router's view of its BGP sessions).

import { birdc } from './bird.js';
import { vtysh } from './frr.js';
import { labNamespaces } from './netns.js';
import type { LabPlan, Subnets } from './plan.js';
import { planLab, planNamespaces } from './plan.js';
import { alive } from './processes.js';
import { loadState, statePaths, type LabState } from './state.js';

export interface LabStatus {
  readonly stateDir: string;
  readonly kubeconfig: string;
  readonly kubeconfigInLab: string;
  readonly hostApiUrl?: string;
  readonly inLabApiUrl: string;
  readonly router: { kind: string; ns: string; asn: number; lan: Address; client: Address };
  readonly nodeAsn: number;
  readonly nodes: readonly (Address & { name: string; ns: string; mgmt: string })[];
  readonly client: Address & { ns: string };
  readonly subnets: Subnets;
  readonly namespaces: { expected: string[]; missing: string[] };
  readonly processes: readonly { role: string; ns: string; pid: number; alive: boolean; log: string }[];
  readonly healthy: boolean;
  /** The router's BGP summary (FRR `show bgp summary json`, or BIRD `show protocols` text). */
  readonly bgp: unknown;
}

interface Address {
  readonly v4: string;
  readonly v6?: string;
  readonly mac: string;
}

async function routerBgp(plan: LabPlan, dir: string): Promise<unknown> {
  if (plan.options.router === 'frr') {
    const r = await vtysh(plan, dir, ['show bgp summary json']);
    if (!r.ok) return { error: r.stderr.trim() };
    try {
      return JSON.parse(r.stdout) as unknown;
    } catch {
      return { error: 'vtysh returned no JSON', output: r.stdout };
    }
  }
  const r = await birdc(plan, dir, ['show', 'protocols']);
  return r.ok ? { protocols: r.stdout.trim().split('\n') } : { error: r.stderr.trim() };
}

/** The status of the lab in `stateDir`; a message when there is no (readable) lab. */
export async function labStatus(stateDir: string): Promise<LabStatus | { error: string }> {
  const state: LabState | undefined | { error: string } = loadState(stateDir);
  if (state === undefined)
    return { error: `no lab in ${statePaths(stateDir).dir} (start one with \`npm run lab -- up\`)` };
  if ('error' in state) return state;
  const plan = planLab(state.options);
  const present = new Set(await labNamespaces());
  const expected = planNamespaces(plan);
  const processes = state.processes.map((p) => ({
    role: p.role,
    ns: p.ns ?? 'host',
    pid: p.pid,
    alive: alive(p.pid),
    log: p.log,
  }));
  const missing = expected.filter((n) => !present.has(n));
  return {
    stateDir: state.stateDir,
    kubeconfig: state.kubeconfig,
    kubeconfigInLab: state.kubeconfigInLab,
    hostApiUrl: state.hostApiUrl,
    inLabApiUrl: state.inLabApiUrl,
    router: {
      kind: plan.options.router,
      ns: plan.ns.router,
      asn: plan.routerAsn,
      lan: plan.router.lan,
      client: plan.router.client,
    },
    nodeAsn: plan.nodeAsn,
    nodes: plan.nodes.map((n) => ({
      name: n.name,
      ns: n.ns,
      v4: n.lan.v4,
      v6: n.lan.v6,
      mac: n.lan.mac,
      mgmt: n.mgmt.v4,
    })),
    client: { ns: plan.ns.client, v4: plan.client.v4, v6: plan.client.v6, mac: plan.client.mac },
    subnets: plan.subnets,
    namespaces: { expected, missing },
    processes,
    healthy: missing.length === 0 && processes.every((p) => p.alive),
    bgp: missing.includes(plan.ns.router)
      ? { error: 'router namespace missing' }
      : await routerBgp(plan, statePaths(stateDir).router),
  };
}

interface FrrPeer {
  state?: string;
  pfxRcd?: number;
}

/** Human-readable status (the `--json` flag prints the object instead). */
export function formatStatus(s: LabStatus): string {
  const lines = [
    `lab in ${s.stateDir}: ${s.healthy ? 'healthy' : 'NOT healthy'}`,
    `kubeconfig (host):   ${s.kubeconfig}  -> ${s.hostApiUrl ?? '?'}`,
    `kubeconfig (in lab): ${s.kubeconfigInLab}  -> ${s.inLabApiUrl}`,
    `subnets: LAN ${s.subnets.lanV4} ${s.subnets.lanV6}; client ${s.subnets.clientV4} ${s.subnets.clientV6};` +
      ` pools ${s.subnets.poolV4} ${s.subnets.poolV6}; mgmt ${s.subnets.mgmtV4}`,
    `router  ${s.router.ns.padEnd(12)} ${s.router.kind} AS ${String(s.router.asn)}  LAN ${s.router.lan.v4} ${s.router.lan.v6 ?? ''} ${s.router.lan.mac}`,
    `client  ${s.client.ns.padEnd(12)} ${s.client.v4} ${s.client.v6 ?? ''} ${s.client.mac}`,
  ];
  for (const n of s.nodes)
    lines.push(
      `${n.name.padEnd(7)} ${n.ns.padEnd(12)} AS ${String(s.nodeAsn)}  LAN ${n.v4} ${n.v6 ?? ''} ${n.mac}  mgmt ${n.mgmt}`,
    );
  if (s.namespaces.missing.length > 0) lines.push(`missing namespaces: ${s.namespaces.missing.join(', ')}`);
  lines.push('processes:');
  for (const p of s.processes)
    lines.push(
      `  ${p.alive ? 'up  ' : 'DEAD'} ${p.role.padEnd(10)} ${p.ns.padEnd(12)} pid ${String(p.pid).padEnd(8)} ${p.log}`,
    );
  lines.push('bgp (router):');
  const bgp = s.bgp as {
    ipv4Unicast?: { peers?: Record<string, FrrPeer> };
    ipv6Unicast?: { peers?: Record<string, FrrPeer> };
  };
  const peers = { ...bgp.ipv4Unicast?.peers, ...bgp.ipv6Unicast?.peers };
  const protocols = (s.bgp as { protocols?: string[] }).protocols;
  if (protocols !== undefined) {
    for (const line of protocols.filter((l) => / BGP /.test(l))) lines.push(`  ${line.trim()}`);
  } else if (Object.keys(peers).length > 0) {
    for (const [addr, p] of Object.entries(peers))
      lines.push(
        `  ${addr.padEnd(24)} ${(p.state ?? '?').padEnd(12)} prefixes received ${String(p.pfxRcd ?? 0)}`,
      );
  } else {
    lines.push(`  ${JSON.stringify(s.bgp)}`);
  }
  return lines.join('\n');
}
