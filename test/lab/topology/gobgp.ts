// Each node's gobgpd 3.10. Two start modes: bare (gRPC only; the speaker calls StartBgp, as in the
// product's DaemonSet) or from a TOML file that already peers passively with the router (tests that
// need BGP without a speaker).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GobgpdMode, LabPlan, NodePlan } from './plan.js';
import type { ProcessRecord } from './processes.js';
import { spawnDetached } from './processes.js';

/** gobgpd's gRPC address inside every node namespace (each has its own loopback). */
export const GOBGP_API = '127.0.0.1:50051';

/**
 * A gobgpd config for `node`: listens on 179 and waits for the router (passive), because gobgpd's own
 * dial waits 5-10 s while the router connects within a second.
 */
export function renderNodeToml(plan: LabPlan, node: NodePlan): string {
  const neighbor = (address: string, family: string): string[] => [
    '[[neighbors]]',
    '  [neighbors.config]',
    `    neighbor-address = "${address}"`,
    `    peer-as = ${String(plan.routerAsn)}`,
    '  [neighbors.transport.config]',
    '    passive-mode = true',
    '  [[neighbors.afi-safis]]',
    '    [neighbors.afi-safis.config]',
    `      afi-safi-name = "${family}"`,
  ];
  const lines = [
    '[global.config]',
    `  as = ${String(plan.nodeAsn)}`,
    `  router-id = "${node.lan.v4}"`,
    '  port = 179',
    ...neighbor(plan.router.lan.v4, 'ipv4-unicast'),
  ];
  if (plan.options.ipv6 && plan.router.lan.v6 !== undefined)
    lines.push(...neighbor(plan.router.lan.v6, 'ipv6-unicast'));
  return lines.join('\n') + '\n';
}

/** Start gobgpd in the node namespace; logs and (in toml mode) the config live in `dir`. */
export function startGobgpd(
  plan: LabPlan,
  node: NodePlan,
  dir: string,
  mode: GobgpdMode,
): Promise<ProcessRecord> {
  const argv = ['gobgpd', `--api-hosts=${GOBGP_API}`, '--pprof-disable', '--log-plain'];
  if (mode === 'toml') {
    const file = join(dir, 'gobgpd.toml');
    writeFileSync(file, renderNodeToml(plan, node));
    argv.push('-f', file);
  }
  return spawnDetached({ role: 'gobgpd', ns: node.ns, argv, log: join(dir, 'gobgpd.log') });
}
