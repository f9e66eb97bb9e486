// The lab router on FRR 8.4: zebra + bgpd with per-daemon config files and a private vty socket
// directory in the state dir, so nothing touches /etc/frr or a system FRR.

import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPlan } from './plan.js';
import { alive } from './processes.js';
import { must, run, runIn, waitFor } from './sh.js';

export const FRR_DIR = '/usr/lib/frr';

/** BGP timers of the lab: fast enough that tests see session loss in seconds. */
const KEEPALIVE = 3;
const HOLD = 9;

/**
 * bgpd.conf: the router accepts any node of the LAN dynamically (`bgp listen range`) and also opens a
 * session to each known node itself, because gobgpd waits 5-10 s before dialing while a router-opened
 * session is up in about a second. `maximum-paths` gives ECMP over all nodes announcing a prefix.
 */
export function renderBgpdConf(plan: LabPlan, logFile: string): string {
  const s = plan.subnets;
  const lines = [
    'hostname router',
    `log file ${logFile} informational`,
    `router bgp ${String(plan.routerAsn)}`,
    ` bgp router-id ${plan.router.lan.v4}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ' bgp bestpath as-path multipath-relax',
  ];
  for (const [group, range] of [
    ['NODES', s.lanV4],
    ['NODES6', s.lanV6],
  ] as const) {
    lines.push(
      ` neighbor ${group} peer-group`,
      ` neighbor ${group} remote-as ${String(plan.nodeAsn)}`,
      ` neighbor ${group} timers ${String(KEEPALIVE)} ${String(HOLD)}`,
      ` neighbor ${group} timers connect 1`,
      ` bgp listen range ${range} peer-group ${group}`,
    );
  }
  for (const node of plan.nodes) {
    lines.push(` neighbor ${node.lan.v4} peer-group NODES`);
    if (plan.options.ipv6 && node.lan.v6 !== undefined)
      lines.push(` neighbor ${node.lan.v6} peer-group NODES6`);
  }
  lines.push(
    ' address-family ipv4 unicast',
    '  maximum-paths 64',
    '  neighbor NODES activate',
    ' exit-address-family',
    ' address-family ipv6 unicast',
    '  maximum-paths 64',
    '  neighbor NODES6 activate',
    ' exit-address-family',
    '',
  );
  return lines.join('\n');
}

export interface RouterRuntime {
  readonly pids: { readonly role: string; readonly pid: number }[];
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The vty socket directory of the lab router (for vtysh). */
export const frrRunDir = (dir: string): string => join(dir, 'run');

/** Write the configs and start zebra then bgpd inside the router namespace; wait until vtysh answers. */
export async function startFrr(plan: LabPlan, dir: string): Promise<RouterRuntime> {
  const runDir = frrRunDir(dir);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(
    join(dir, 'zebra.conf'),
    `hostname router\nlog file ${join(dir, 'zebra.log')} informational\n`,
  );
  writeFileSync(join(dir, 'bgpd.conf'), renderBgpdConf(plan, join(dir, 'bgpd.log')));
  // The daemons drop to user frr: it must own its directory (the parents need only be traversable).
  const frr = await run('id', ['-u', 'frr']);
  const gid = await run('id', ['-g', 'frr']);
  if (frr.ok && gid.ok) {
    for (const f of ['', 'run', 'zebra.conf', 'bgpd.conf'])
      chownSync(join(dir, f), Number(frr.stdout.trim()), Number(gid.stdout.trim()));
  }
  const common = (daemon: string): string[] => [
    '-d',
    '-f',
    join(dir, `${daemon}.conf`),
    '-i',
    join(runDir, `${daemon}.pid`),
    '-z',
    join(runDir, 'zserv.api'),
    '--vty_socket',
    runDir,
    '-P',
    '0',
    '-u',
    'frr',
    '-g',
    'frr',
  ];
  await must('ip', ['netns', 'exec', plan.ns.router, join(FRR_DIR, 'zebra'), ...common('zebra')]);
  const zserv = await waitFor(
    async () => Promise.resolve(existsSync(join(runDir, 'zserv.api')) || undefined),
    5000,
    20,
  );
  if (zserv === undefined) throw new Error(`zebra did not create its socket; see ${join(dir, 'zebra.log')}`);
  await must('ip', ['netns', 'exec', plan.ns.router, join(FRR_DIR, 'bgpd'), ...common('bgpd')]);
  const ready = await waitFor(async () => {
    const r = await vtysh(plan, dir, ['show bgp summary json']);
    return r.ok ? true : undefined;
  }, 5000);
  if (ready === undefined) throw new Error(`bgpd does not answer vtysh; see ${join(dir, 'bgpd.log')}`);
  const pids = [];
  for (const role of ['zebra', 'bgpd']) {
    const pid = readPid(join(runDir, `${role}.pid`));
    if (pid !== undefined && alive(pid)) pids.push({ role, pid });
  }
  return { pids };
}

/** Run vtysh commands against the lab router. */
export function vtysh(
  plan: LabPlan,
  dir: string,
  commands: readonly string[],
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return runIn(plan.ns.router, 'vtysh', [
    '--vty_socket',
    frrRunDir(dir),
    ...commands.flatMap((c) => ['-c', c]),
  ]);
}
