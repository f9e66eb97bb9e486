// The Layer2 part of `npm run demo` (root): a lab with 3 nodes where the client shares the LAN segment with
// them. A layer2 Eip and a Service; the client resolves the Service IP with arping to the MAC of the node the
// election picks, curl reaches that node, and after kill -9 of that node's speaker the client's neighbour
// entry moves to the next node. It also shows why kube-proxy's strictARP matters: with the Service IP on every
// node's `lo` and the kernel defaults, every node's kernel answers ARP for it. Last, the client takes the Service
// IP itself, and the announcing speaker reports the address conflict.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { labDown } from './topology/lab.js';
import { CLIENT_LAN } from './topology/client-lan.js';
import { runIn, sleep } from './topology/sh.js';
import { demoChecks, labDemoBlocker, type DemoResult } from './demo-support.js';
import { setVip } from './topology/vip.js';
import { join } from 'node:path';
import {
  arpingOnce,
  arpingReplyMacs,
  captureLan,
  expectedAnnouncer,
  macOfNode,
  nodeByMac,
  setStrictArp,
  waitNeighbourChange,
} from './scenarios/layer2.js';
import {
  LAYER2_LAB_OPTIONS,
  hostKubeconfig,
  layer2Service,
  speakerPid,
  upLayer2Lab,
  waitClientNeighbour,
  type Layer2Lab,
} from './scenarios/layer2-lab.js';

const exec = promisify(execFile);
/** Debian packages of the tools the Layer2 demo runs (iputils' arping: its output is what we parse). */
const DEBIAN_PACKAGES = ['iputils-arping', 'tcpdump', 'curl'];

export type Layer2DemoResult = DemoResult;

/** Runs the Layer2 lab demo, or says why it cannot run here (no root, a lab already up). */
export async function runLayer2Demo(): Promise<Layer2DemoResult> {
  const blocker = await labDemoBlocker(LAYER2_LAB_OPTIONS, DEBIAN_PACKAGES, 'the Layer2 demo');
  if (blocker !== undefined) return { skipped: blocker };

  // Under /tmp, not the checkout: FRR runs as user frr, which cannot enter a checkout under a 0700
  // directory such as /root.
  const stateDir = mkdtempSync(join(tmpdir(), 'oelb-demo-layer2-'));
  const { check, result } = demoChecks();
  try {
    console.log(
      `\n== Layer2 in the lab: 3 nodes; the client on the LAN as ${CLIENT_LAN.v4} (${CLIENT_LAN.name})`,
    );
    const upStart = Date.now();
    const lab = await upLayer2Lab(stateDir, (line) => {
      console.log(`   ${line}`);
    });
    check(true, `lab up with the client on the nodes' LAN segment in ${String(Date.now() - upStart)} ms`);
    await steps(lab, check);
  } catch (err) {
    check(false, err instanceof Error ? err.message : String(err));
  } finally {
    const report = await labDown(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
    console.log(`lab down: ${JSON.stringify(report)}`);
  }
  const { passed, failed } = result();
  console.log(`layer2 demo: ${String(passed)}/${String(passed + failed)} checks behaved as expected`);
  return { passed, failed };
}

type Check = (ok: boolean, what: string) => void;

async function steps(lab: Layer2Lab, check: Check): Promise<void> {
  const { plan } = lab;
  const nodes = plan.nodes.map((n) => n.name);
  const byMac = nodeByMac(plan);
  const named = (macs: readonly string[]): string => {
    const count = new Map<string, number>();
    for (const m of macs) count.set(byMac.get(m) ?? m, (count.get(byMac.get(m) ?? m) ?? 0) + 1);
    return [...count].map(([n, c]) => `${n} x${String(c)}`).join(', ');
  };
  const created = Date.now();
  const ip = await layer2Service(lab, 'web-l2');
  check(true, `Service default/web-l2 got ${ip} from the layer2 Eip in ${String(Date.now() - created)} ms`);
  await kubectl(hostKubeconfig(lab), ['get', 'eip', 'lan']);
  await kubectl(hostKubeconfig(lab), ['get', 'svc', 'web-l2']);
  const owner = expectedAnnouncer(ip, nodes) ?? '';
  const ownerMac = macOfNode(plan, owner);
  console.log(`the election (rendezvous hash of node and IP) picks ${owner} (${ownerMac})`);

  // kube-proxy puts Service IPs on every node (kube-ipvs0); the lab's stand-in is `lo` plus the HTTP responder.
  const vipErrors = await setVip(
    'add',
    ip,
    plan.nodes.map((n) => n.ns),
  );
  check(vipErrors.length === 0, `each node serves HTTP on ${ip} (stand-in for kube-proxy)`);
  await setStrictArp(lab.plan, false);
  const loose = await whoAnswers(lab, ip);
  console.log(
    `without strictARP, one ARP request for ${ip} was answered ${String(loose.length)} times: ${named(loose)}`,
  );
  check(
    new Set(loose).size > 1,
    "without strictARP the nodes' kernels answer too (so kube-proxy needs strictARP)",
  );
  await setStrictArp(lab.plan, true);
  await runIn(plan.ns.client, 'ip', ['neigh', 'flush', 'dev', CLIENT_LAN.name]);

  const args = ['-b', '-c', '3', '-w', '4', '-I', CLIENT_LAN.name, ip];
  console.log(`$ arping ${args.join(' ')}    # in the client namespace`);
  const arping = await runIn(plan.ns.client, 'arping', args, 10_000);
  console.log(arping.stdout.trimEnd());
  const arpingMacs = arpingReplyMacs(arping.stdout);
  const strict = await whoAnswers(lab, ip);
  console.log(
    `with strictARP (arp_ignore=1, arp_announce=2), one ARP request was answered by: ${named(strict)}`,
  );
  check(
    strict.length === 1 &&
      strict[0] === ownerMac &&
      arpingMacs.length === 3 &&
      arpingMacs.every((m) => m === ownerMac),
    `${ip} resolves to ${ownerMac}, the MAC of ${owner}, the elected node, and no other node answers`,
  );

  const curl = await runIn(plan.ns.client, 'curl', ['-s', '--max-time', '3', `http://${ip}/`], 10_000);
  console.log(`$ curl -s http://${ip}/    # in the client namespace\n${curl.stdout.trimEnd()}`);
  check(curl.stdout.trim() === owner, `curl from the client reaches ${owner}, the node answering ARP`);

  // Linux ignores neighbour updates within `locktime` (1 s) of the last one: let the entry age first.
  const primed = await waitClientNeighbour(plan, ip, ownerMac, 5000);
  await sleep(1100);
  const next = expectedAnnouncer(
    ip,
    nodes.filter((n) => n !== owner),
  );
  console.log(`$ kill -9 <speaker of ${owner}>    # its Lease must expire; ${next ?? '?'} is next`);
  const t0 = Date.now();
  process.kill(speakerPid(lab, owner), 'SIGKILL');
  const moved = await waitNeighbourChange(plan, ip, ownerMac, t0, 8000, plan.ns.client);
  console.log(
    `the client's neighbour entry for ${ip} became ${moved.mac} (${byMac.get(moved.mac) ?? '?'}) after ${String(moved.ms)} ms`,
  );
  check(
    primed && byMac.get(moved.mac) === next && moved.ms < 3000,
    `after kill -9 of ${owner}'s speaker, ${next ?? '?'} took over in ${String(moved.ms)} ms (target 3 s; MetalLB: ~10 s)`,
  );
  const after = await runIn(plan.ns.client, 'curl', ['-s', '--max-time', '3', `http://${ip}/`], 10_000);
  check(after.stdout.trim() === next, `curl from the client now reaches ${after.stdout.trim() || 'nothing'}`);
  await conflictStep(lab, ip, next ?? '', check);
}

/**
 * A host on the LAN that is also configured with the Service IP (an Eip overlapping a DHCP pool or a static
 * address): the client takes the IP and sends one ARP request from it, and the announcing speaker reports it.
 */
async function conflictStep(lab: Layer2Lab, ip: string, announcer: string, check: Check): Promise<void> {
  const { plan } = lab;
  const client = plan.ns.client;
  const target = plan.nodes.find((n) => n.name === announcer)?.lan.v4 ?? '';
  console.log(
    `$ ip addr add ${ip}/32 dev ${CLIENT_LAN.name}; arping -c 1 -s ${ip} ${target}    # in the client`,
  );
  await runIn(client, 'ip', ['addr', 'add', `${ip}/32`, 'dev', CLIENT_LAN.name]);
  try {
    const started = Date.now();
    await runIn(client, 'arping', ['-c', '1', '-w', '2', '-I', CLIENT_LAN.name, '-s', ip, target], 10_000);
    const expected = `another host, ${CLIENT_LAN.mac.toLowerCase()} on eth0, also uses ${ip}`;
    let seen = false;
    while (!seen && Date.now() - started < 5000) {
      const r = await exec('kubectl', [
        '--kubeconfig',
        hostKubeconfig(lab),
        'get',
        'events',
        '--field-selector',
        'reason=Layer2AddressConflict',
        '-o',
        'jsonpath={range .items[*]}{.involvedObject.name}: {.message}{"\\n"}{end}',
      ]);
      seen = r.stdout.split('\n').some((line) => line.startsWith('web-l2: ') && line.includes(expected));
      if (seen) console.log(r.stdout.trimEnd());
      else await sleep(100);
    }
    check(
      seen,
      `a host that also uses ${ip} is reported: Warning Layer2AddressConflict on web-l2 names its MAC (${String(Date.now() - started)} ms)`,
    );
  } finally {
    await runIn(client, 'ip', ['addr', 'del', `${ip}/32`, 'dev', CLIENT_LAN.name]);
  }
}

/** The MACs of every ARP reply to one broadcast request from the client (captured on its LAN leg). */
async function whoAnswers(lab: Layer2Lab, ip: string): Promise<string[]> {
  const capture = await captureLan(lab.plan, { ns: lab.plan.ns.client, iface: CLIENT_LAN.name });
  await arpingOnce(lab.plan.ns.client, CLIENT_LAN.name, ip);
  return (
    (await capture.stop())
      // Answers to the request are unicast to the client. The owner's gratuitous ARP bursts (every 1.1 s
      // for 5 s after it gains the IP) are broadcast replies and may fall into this window: not answers.
      .filter(
        (r) =>
          r.kind === 'arp' && r.line.includes(`Reply ${ip} is-at`) && !r.line.includes('> ff:ff:ff:ff:ff:ff'),
      )
      .map((r) => r.srcMac)
  );
}

async function kubectl(kubeconfig: string, args: readonly string[]): Promise<void> {
  console.log(`$ kubectl ${args.join(' ')}`);
  try {
    const { stdout } = await exec('kubectl', ['--kubeconfig', kubeconfig, ...args]);
    console.log(stdout.trimEnd());
  } catch (err) {
    console.log((err as { stderr?: string }).stderr ?? String(err));
  }
}

/** Installs the Debian packages of missing tools; returns what is still missing. */
