// The BGP part of `npm run demo` (root): a sealed lab with 3 nodes and an FRR router, the real
// controller and one `openelb-manager speaker` + gobgpd per node, with IPv4 and IPv6 sessions. It
// creates a BgpConf, BgpPeers, bgp Eips and a Service, then shows the Service's IP, the router's ECMP
// route through the three nodes and HTTP replies from the client namespace spread over them; then an
// IPv6 Service and its ECMP route over the IPv6 sessions; and tears everything down.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { labDown, labUp } from './topology/lab.js';
import { DEFAULT_OPTIONS, planLab, type LabOptions } from './topology/plan.js';
import { vtysh } from './topology/frr.js';
import { demoChecks, labDemoBlocker, type DemoResult } from './demo-support.js';
import { statePaths } from './topology/state.js';
import { setVip } from './topology/vip.js';
import { labKubeConfig, setupBgpInLab, waitServiceIp, webService } from './scenarios/bgp.js';
import { httpFromClient, waitNextHops } from './scenarios/probes.js';

const exec = promisify(execFile);
const OPTIONS: LabOptions = { ...DEFAULT_OPTIONS, nodes: 3, router: 'frr', ipv6: true };
/** What the lab needs from Debian, installed when missing. */
const DEBIAN_PACKAGES = ['gobgpd', 'frr', 'iproute2', 'iputils-ping', 'curl'];

export type BgpDemoResult = DemoResult;

/** Runs the lab demo, or says why it cannot run here (no root, a lab already up). */
export async function runBgpDemo(): Promise<BgpDemoResult> {
  const blocker = await labDemoBlocker(OPTIONS, DEBIAN_PACKAGES, 'the BGP lab');
  if (blocker !== undefined) return { skipped: blocker };

  // Under /tmp, not the checkout: FRR runs as user frr, which cannot enter a checkout under a 0700
  // directory such as /root.
  const stateDir = mkdtempSync(join(tmpdir(), 'oelb-demo-bgp-'));
  const plan = planLab(OPTIONS);
  const { check, result } = demoChecks();
  try {
    console.log(
      `\n== BGP in the lab: router ${plan.router.lan.v4} (AS ${plan.routerAsn}), nodes AS ${plan.nodeAsn}`,
    );
    const upStart = Date.now();
    await labUp({
      options: OPTIONS,
      stateDir,
      say: (line) => {
        console.log(`   ${line}`);
      },
    });
    check(true, `lab up with ${plan.nodes.length} nodes in ${Date.now() - upStart} ms`);
    const kc = labKubeConfig(stateDir);
    const kubeconfig = statePaths(stateDir).kubeconfig;
    await setupBgpInLab(kc, plan);
    await kubectl(kubeconfig, ['get', 'bgpconf,bgppeer,eip']);

    const created = Date.now();
    await webService(kc, 'web', 'pool', plan);
    const ip = await waitServiceIp(kc, 'default', 'web', 15_000);
    check(true, `Service default/web got ${ip} in ${Date.now() - created} ms`);
    const hops = plan.nodes.map((n) => n.lan.v4);
    await waitNextHops(plan, ip, hops, 20_000);
    check(
      true,
      `the router's kernel has an ECMP route via ${hops.join(', ')} ${Date.now() - created} ms after the Service was created`,
    );
    await kubectl(kubeconfig, ['get', 'svc', 'web']);
    const route = await vtysh(plan, statePaths(stateDir).router, [`show ip route ${ip}`]);
    console.log(`$ vtysh -c 'show ip route ${ip}'    # in the router namespace\n${route.stdout.trimEnd()}\n`);
    check(route.ok && hops.every((h) => route.stdout.includes(h)), 'FRR shows all three nodes as next hops');

    const vipErrors = await setVip(
      'add',
      ip,
      plan.nodes.map((n) => n.ns),
    );
    check(vipErrors.length === 0, `each node serves HTTP on ${ip} (stand-in for kube-proxy)`);
    const replies = await httpFromClient(plan, `http://${ip}/`, 30);
    const perNode = new Map<string, number>();
    for (const r of replies) perNode.set(r, (perNode.get(r) ?? 0) + 1);
    console.log(
      `30 HTTP GETs from the client namespace: ${[...perNode].map(([n, c]) => `${n} x${c}`).join(', ')}`,
    );
    check(perNode.size >= 2, "the replies are spread over the nodes by the router's ECMP");

    // IPv6, which OpenELB 0.6 does not announce: a /128 over the IPv6 sessions, each node's own
    // IPv6 address as next hop.
    const created6 = Date.now();
    await webService(kc, 'web6', 'pool6', plan, 'Cluster', 'IPv6');
    const ip6 = await waitServiceIp(kc, 'default', 'web6', 15_000);
    const hops6 = plan.nodes.map((n) => n.lan.v6 ?? '');
    await waitNextHops(plan, ip6, hops6, 20_000);
    check(
      true,
      `IPv6 Service default/web6 got ${ip6}; the router routes it via ${hops6.join(', ')} ${Date.now() - created6} ms after it was created`,
    );
    await kubectl(kubeconfig, ['get', 'svc', 'web', 'web6']);
    await showStatus(
      kubeconfig,
      ip,
      plan.nodes.map((n) => n.name),
      check,
    );
  } catch (err) {
    check(false, err instanceof Error ? err.message : String(err));
  } finally {
    const report = await labDown(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
    console.log(`lab down: ${JSON.stringify(report)}`);
  }
  const { passed, failed } = result();
  console.log(`bgp demo: ${String(passed)}/${String(passed + failed)} checks behaved as expected`);
  return { passed, failed };
}

/** What `openelb-manager status -o json` says about the lab; only the fields the demo checks. */
interface StatusJson {
  services: { name: string; addresses: { ip: string; announcers: string[] }[] }[];
  bgpSessions: { node: string; state: string }[];
}

/** `openelb-manager status` as a user runs it, then its JSON checked against the lab. */
async function showStatus(
  kubeconfig: string,
  ip: string,
  nodes: readonly string[],
  check: (ok: boolean, what: string) => void,
): Promise<void> {
  const cli = fileURLToPath(new URL('../../bundle/cli.js', import.meta.url));
  const text = await exec(process.execPath, [cli, 'status', '--kubeconfig', kubeconfig]);
  console.log(`$ openelb-manager status\n${text.stdout}`);
  const json = await exec(process.execPath, [cli, 'status', '--kubeconfig', kubeconfig, '-o', 'json']);
  const status = JSON.parse(json.stdout) as StatusJson;
  const announcers = status.services
    .find((s) => s.name === 'web')
    ?.addresses.find((a) => a.ip === ip)?.announcers;
  check(
    [...(announcers ?? [])].sort().join() === [...nodes].sort().join(),
    `status shows ${ip} announced by ${(announcers ?? []).join(', ')}`,
  );
  const established = status.bgpSessions.filter((x) => x.state === 'ESTABLISHED');
  check(
    established.length === status.bgpSessions.length &&
      nodes.every((n) => established.filter((x) => x.node === n).length === 2),
    `status shows ${String(established.length)} of ${String(status.bgpSessions.length)} BGP sessions Established (IPv4 and IPv6 on each node)`,
  );
}

async function kubectl(kubeconfig: string, args: readonly string[]): Promise<void> {
  console.log(`$ kubectl ${args.join(' ')}`);
  try {
    const { stdout } = await exec('kubectl', ['--kubeconfig', kubeconfig, ...args]);
    console.log(stdout);
  } catch (err) {
    console.log((err as { stderr?: string }).stderr ?? String(err));
  }
}
