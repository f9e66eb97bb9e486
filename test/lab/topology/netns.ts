// Build and remove the lab's namespaces and links with iproute2. Nothing here touches the host's own
// interfaces: every link is created directly inside a lab namespace, and no namespace gets a default
// route, so the lab cannot reach the host's network.

import type { Iface, LabPlan } from './plan.js';
import { NS_PREFIX, planNamespaces } from './plan.js';
import { must, run, sleep } from './sh.js';

const ipn = (ns: string, ...args: string[]): Promise<string> => must('ip', ['-n', ns, ...args]);

async function sysctl(ns: string, ...settings: string[]): Promise<void> {
  await must('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', ...settings]);
}

/** A veth pair with one end in each namespace, both up; `a` gets the MAC of `iface`. */
async function veth(nsA: string, iface: Iface, nsB: string, nameB: string): Promise<void> {
  await must('ip', [
    'link',
    'add',
    iface.name,
    'netns',
    nsA,
    'type',
    'veth',
    'peer',
    'name',
    nameB,
    'netns',
    nsB,
  ]);
  await ipn(nsA, 'link', 'set', iface.name, 'address', iface.mac, 'up');
  await ipn(nsB, 'link', 'set', nameB, 'up');
}

async function addresses(ns: string, iface: Iface): Promise<void> {
  await ipn(ns, 'addr', 'add', `${iface.v4}/${String(iface.v4Len)}`, 'dev', iface.name);
  if (iface.v6 !== undefined)
    await ipn(ns, 'addr', 'add', `${iface.v6}/${String(iface.v6Len ?? 64)}`, 'dev', iface.name, 'nodad');
}

/** Create every namespace and link of the plan. Throws on the first failing command (then call teardown). */
export async function buildTopology(plan: LabPlan): Promise<void> {
  for (const ns of planNamespaces(plan)) {
    await must('ip', ['netns', 'add', ns]);
    await ipn(ns, 'link', 'set', 'lo', 'up');
  }
  const { lan, mgmt, router, client } = plan.ns;

  // The LAN switch and the management switch: plain bridges, no addresses on the LAN one.
  await ipn(lan, 'link', 'add', 'br-lan', 'type', 'bridge');
  await ipn(lan, 'link', 'set', 'br-lan', 'up');
  await ipn(mgmt, 'link', 'add', plan.mgmtBridge.name, 'type', 'bridge');
  await ipn(mgmt, 'link', 'set', plan.mgmtBridge.name, 'address', plan.mgmtBridge.mac, 'up');
  await addresses(mgmt, plan.mgmtBridge);

  await veth(router, plan.router.lan, lan, plan.router.lanPort);
  await ipn(lan, 'link', 'set', plan.router.lanPort, 'master', 'br-lan');
  await addresses(router, plan.router.lan);
  await veth(router, plan.router.client, client, plan.client.name);
  await ipn(client, 'link', 'set', plan.client.name, 'address', plan.client.mac);
  await addresses(router, plan.router.client);
  await addresses(client, plan.client);
  // Forwarding for the data plane; L4 hashing so one client spreads its connections over ECMP paths.
  await sysctl(
    router,
    'net.ipv4.ip_forward=1',
    'net.ipv6.conf.all.forwarding=1',
    'net.ipv4.fib_multipath_hash_policy=1',
    'net.ipv6.fib_multipath_hash_policy=1',
  );
  // The client reaches the LAN and the Service pools through the router, and nothing else.
  const s = plan.subnets;
  for (const dst of [s.lanV4, s.poolV4]) await ipn(client, 'route', 'add', dst, 'via', plan.router.client.v4);
  for (const dst of [s.lanV6, s.poolV6])
    await ipn(client, '-6', 'route', 'add', dst, 'via', plan.router.client.v6 ?? '');

  for (const node of plan.nodes) {
    await veth(node.ns, node.lan, lan, node.lanPort);
    await ipn(lan, 'link', 'set', node.lanPort, 'master', 'br-lan');
    await addresses(node.ns, node.lan);
    await veth(node.ns, node.mgmt, mgmt, node.mgmtPort);
    await ipn(mgmt, 'link', 'set', node.mgmtPort, 'master', plan.mgmtBridge.name);
    await addresses(node.ns, node.mgmt);
    // Replies to the client go back through the router; no default route on purpose.
    await ipn(node.ns, 'route', 'add', s.clientV4, 'via', plan.router.lan.v4);
    await ipn(node.ns, '-6', 'route', 'add', s.clientV6, 'via', plan.router.lan.v6 ?? '');
  }
}

/** Names of every existing namespace with the lab prefix (the ground truth after a crash). */
export async function labNamespaces(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  if (!r.ok) return [];
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(NS_PREFIX));
}

/** Pids of every process whose network namespace is `ns`. */
export async function nsPids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns]);
  if (!r.ok) return [];
  return r.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone: that is the goal.
  }
}

/**
 * Stop every process in the lab namespaces (TERM, then KILL after `graceMs`) and delete the namespaces.
 * Works when nothing exists. Returns what it removed.
 */
export async function teardownNamespaces(graceMs = 2000): Promise<{ namespaces: string[]; killed: number }> {
  const namespaces = await labNamespaces();
  const pidsOf = async (): Promise<number[]> => (await Promise.all(namespaces.map(nsPids))).flat();
  const first = await pidsOf();
  for (const pid of first) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let left = first;
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = await pidsOf();
  }
  for (const pid of left) signal(pid, 'SIGKILL');
  if (left.length > 0) await sleep(100);
  for (const ns of namespaces) await run('ip', ['netns', 'del', ns]);
  return { namespaces, killed: first.length };
}
