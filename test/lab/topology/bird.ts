// The alternative lab router on BIRD 2: one BGP protocol per known node (BIRD opens the sessions, so
// they are up in about a second) plus a dynamic `neighbor range` for any other LAN speaker, and a
// kernel protocol with `merge paths` for ECMP.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPlan } from './plan.js';
import { alive } from './processes.js';
import { must, runIn, waitFor } from './sh.js';

/** bird.conf for the plan (pure). */
export function renderBirdConf(plan: LabPlan, logFile: string): string {
  const s = plan.subnets;
  const asn = String(plan.nodeAsn);
  const template = (name: string, family: 'ipv4' | 'ipv6', local: string): string[] => [
    `template bgp ${name} {`,
    `  local ${local} as ${String(plan.routerAsn)};`,
    '  hold time 9; keepalive time 3;',
    '  connect retry time 1; connect delay time 1; error wait time 1, 10;',
    `  ${family} { import all; export none; };`,
    '}',
  ];
  const lines = [
    `log "${logFile}" all;`,
    `router id ${plan.router.lan.v4};`,
    'protocol device { scan time 10; }',
    'protocol kernel kernel4 { ipv4 { import none; export where source = RTS_BGP; }; merge paths on limit 64; }',
    'protocol kernel kernel6 { ipv6 { import none; export where source = RTS_BGP; }; merge paths on limit 64; }',
    ...template('nodes4', 'ipv4', plan.router.lan.v4),
    ...template('nodes6', 'ipv6', plan.router.lan.v6 ?? '::'),
  ];
  for (const node of plan.nodes) {
    lines.push(`protocol bgp ${node.name} from nodes4 { neighbor ${node.lan.v4} as ${asn}; }`);
    if (plan.options.ipv6 && node.lan.v6 !== undefined)
      lines.push(`protocol bgp ${node.name}_v6 from nodes6 { neighbor ${node.lan.v6} as ${asn}; }`);
  }
  lines.push(
    `protocol bgp dyn4 from nodes4 { neighbor range ${s.lanV4} as ${asn}; dynamic name "dyn4_"; }`,
    `protocol bgp dyn6 from nodes6 { neighbor range ${s.lanV6} as ${asn}; dynamic name "dyn6_"; }`,
    '',
  );
  return lines.join('\n');
}

/** The control socket of the lab's BIRD (for birdc). */
export const birdSocket = (dir: string): string => join(dir, 'bird.ctl');

/** Start BIRD in the router namespace and wait until birdc answers. */
export async function startBird(
  plan: LabPlan,
  dir: string,
): Promise<{ pids: { role: string; pid: number }[] }> {
  const conf = join(dir, 'bird.conf');
  writeFileSync(conf, renderBirdConf(plan, join(dir, 'bird.log')));
  const pidFile = join(dir, 'bird.pid');
  await must('ip', [
    'netns',
    'exec',
    plan.ns.router,
    'bird',
    '-c',
    conf,
    '-s',
    birdSocket(dir),
    '-P',
    pidFile,
  ]);
  const ready = await waitFor(
    async () => ((await birdc(plan, dir, ['show', 'status'])).ok ? true : undefined),
    5000,
  );
  if (ready === undefined) throw new Error(`bird does not answer birdc; see ${join(dir, 'bird.log')}`);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return { pids: Number.isInteger(pid) && alive(pid) ? [{ role: 'bird', pid }] : [] };
}

/** Run one birdc command against the lab router. */
export function birdc(
  plan: LabPlan,
  dir: string,
  args: readonly string[],
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return runIn(plan.ns.router, 'birdc', ['-s', birdSocket(dir), ...args]);
}
