// Shared steps of the lab integration tests (they need root, iproute2, gobgpd, FRR or BIRD, ping and
// curl, and a build in dist/). Missing prerequisites fail with a message saying what to install.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labNamespaces, nsPids } from '../lab/topology/netns.js';
import type { LabOptions, LabPlan } from '../lab/topology/plan.js';
import { labDown, labUp, upProblems } from '../lab/topology/lab.js';
import type { LabState } from '../lab/topology/state.js';
import { alive } from '../lab/topology/processes.js';
import { run, runIn, sleep } from '../lab/topology/sh.js';
export { httpFromClient, routerNextHops, waitNextHops } from '../lab/scenarios/probes.js';

const LOCK = join(tmpdir(), 'oelb-lab.lock');

/**
 * The lab's namespace names are fixed, so only one lab can exist per machine: every test file that
 * brings a lab up holds this lock (an atomic mkdir with the holder's pid; a dead holder's lock is
 * taken over) from before `up` until after `down`. Returns the release function.
 */
export async function acquireLabLock(timeoutMs = 90_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => {
        rmSync(LOCK, { recursive: true, force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: number | undefined;
    try {
      holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    } catch {
      holder = undefined; // being created right now
    }
    if (holder !== undefined && Number.isInteger(holder) && holder > 0 && !alive(holder))
      rmSync(LOCK, { recursive: true, force: true });
    if (Date.now() > deadline)
      throw new Error(`another lab test (pid ${String(holder)}) held ${LOCK} for ${String(timeoutMs)} ms`);
    await sleep(200);
  }
}

/** A fresh state dir for one test file. */
export function tempStateDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Throw a precise message when this machine cannot run the lab, or a lab is already up. */
export async function assertLabCanRun(options: LabOptions): Promise<void> {
  const problems = await upProblems(options);
  for (const tool of ['ping', 'curl'])
    if (!(await run('sh', ['-c', `command -v ${tool}`])).ok)
      problems.push(`${tool} is missing (apt-get install -y iputils-ping curl)`);
  if (problems.length > 0) throw new Error(`the lab tests cannot run here:\n${problems.join('\n')}`);
  const existing = await labNamespaces();
  if (existing.length > 0)
    throw new Error(
      `a lab is already running (${existing.join(', ')}); stop it with \`npm run lab -- down\``,
    );
}

/** One ping from `ns` to `address`; true when it was answered. */
export async function ping(ns: string, address: string): Promise<boolean> {
  return (await runIn(ns, 'ping', ['-c', '1', '-W', '1', address], 5000)).ok;
}

/** `gobgp global rib add|del <prefix>` inside every node. */
export async function announce(plan: LabPlan, op: 'add' | 'del', prefix: string): Promise<void> {
  const family = prefix.includes(':') ? 'ipv6' : 'ipv4';
  for (const node of plan.nodes) {
    const r = await runIn(node.ns, 'gobgp', ['global', 'rib', op, prefix, '-a', family]);
    if (!r.ok) throw new Error(`${r.cmd}: ${r.stderr}`);
  }
}

/** Pids still running in any lab namespace. */
export async function pidsInLabNamespaces(): Promise<number[]> {
  return (await Promise.all((await labNamespaces()).map(nsPids))).flat();
}

let heldLock: (() => void) | undefined;

/**
 * The start of every lab test file: take the lab lock, check the prerequisites, bring the lab up.
 * Pair it with `downTestLab` in afterAll (each test file runs in its own worker, so one lock each).
 */
export async function upTestLab(
  options: LabOptions,
  stateDir: string,
  lockTimeoutMs?: number,
): Promise<LabState> {
  heldLock = await acquireLabLock(lockTimeoutMs);
  await assertLabCanRun(options);
  return labUp({ options, stateDir });
}

/** Tear the lab down, remove its state and release the lock, even when `down` fails. */
export async function downTestLab(stateDir: string): Promise<void> {
  try {
    await labDown(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  } finally {
    heldLock?.();
    heldLock = undefined;
  }
}
