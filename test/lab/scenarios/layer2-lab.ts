// A Layer2 lab for the demo and the `layer2` benchmark: 3 nodes with the controller and speakers, the client
// plugged into the LAN (192.0.2.100 on its eth1), a layer2 Eip `lan` on 192.0.2.200-210 (never 192.0.2.2, the
// machine's own address elsewhere) and a Service with endpoints on every node. Also: restarting a speaker and
// waiting until the client's neighbour entry for an IP shows a given MAC.
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { CLIENT_LAN, addClientLanLeg } from '../topology/client-lan.js';
import { defaultSpeakerCommand, labUp, speakerFlags } from '../topology/lab.js';
import { DEFAULT_OPTIONS, planLab, type LabOptions, type LabPlan } from '../topology/plan.js';
import { spawnDetached } from '../topology/processes.js';
import { runIn, sleep } from '../topology/sh.js';
import { statePaths } from '../topology/state.js';
import { labKubeConfig, waitServiceIp, webService } from './bgp.js';
import { neighbourMac } from './layer2.js';
import { applyOpenElb } from './objects.js';

export const LAYER2_LAB_OPTIONS: LabOptions = { ...DEFAULT_OPTIONS, nodes: 3, router: 'frr' };
export const LAYER2_RANGE = '192.0.2.200-192.0.2.210';

/** A running Layer2 lab. `speakers` maps node name to the pid of its current speaker. */
export interface Layer2Lab {
  readonly plan: LabPlan;
  readonly stateDir: string;
  readonly kc: KubeConfig;
  readonly speakers: Map<string, number>;
}

/** Bring the lab up (labUp; call labDown(stateDir) in a finally) and plug the client into the LAN. */
export async function upLayer2Lab(stateDir: string, say?: (line: string) => void): Promise<Layer2Lab> {
  const state = await labUp({ options: LAYER2_LAB_OPTIONS, stateDir, say });
  const plan = planLab(LAYER2_LAB_OPTIONS);
  await addClientLanLeg(plan);
  const speakers = new Map<string, number>();
  for (const n of plan.nodes) {
    const p = state.processes.find((x) => x.role === 'speaker' && x.ns === n.ns);
    if (p !== undefined) speakers.set(n.name, p.pid);
  }
  return { plan, stateDir, kc: labKubeConfig(stateDir), speakers };
}

/** The layer2 Eip `lan` (NIC eth0 on every node) and Service default/`name`; resolves with its IP. */
export async function layer2Service(lab: Layer2Lab, name: string): Promise<string> {
  await applyOpenElb(lab.kc, 'eips', 'Eip', 'lan', {
    address: LAYER2_RANGE,
    protocol: 'layer2',
    interface: lab.plan.nodes[0]?.lan.name ?? 'eth0',
  });
  await webService(lab.kc, name, 'lan', lab.plan);
  return waitServiceIp(lab.kc, 'default', name, 15_000);
}

/** Start `node`'s speaker again (after a kill) the way `up` started it; records the new pid. */
export async function restartSpeaker(lab: Layer2Lab, node: string): Promise<void> {
  const n = lab.plan.nodes.find((x) => x.name === node);
  if (n === undefined) throw new Error(`no node ${node} in the lab plan`);
  const paths = statePaths(lab.stateDir);
  const spec = defaultSpeakerCommand(n, {
    plan: lab.plan,
    kubeconfig: paths.kubeconfigInLab,
    dir: paths.node(node),
    speakerFlags: await speakerFlags(),
  });
  const p = await spawnDetached(spec);
  lab.speakers.set(node, p.pid);
}

/** The pid of `node`'s current speaker. */
export function speakerPid(lab: Layer2Lab, node: string): number {
  const pid = lab.speakers.get(node);
  if (pid === undefined) throw new Error(`no speaker recorded for ${node}`);
  return pid;
}

/**
 * Pings `ip` from the client's LAN leg until the client's kernel neighbour entry for it shows `mac`; false after
 * `timeoutMs`. A ping makes the kernel resolve (or re-confirm) the entry; the answer itself does not matter.
 */
export async function waitClientNeighbour(
  plan: LabPlan,
  ip: string,
  mac: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await runIn(plan.ns.client, 'ping', ['-c', '1', '-W', '1', '-I', CLIENT_LAN.name, ip], 5000);
    if ((await neighbourMac(plan.ns.client, ip)) === mac) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

/** The kubeconfig file of the lab for kubectl on the host. */
export function hostKubeconfig(lab: Layer2Lab): string {
  return join(lab.stateDir, 'kubeconfig');
}
