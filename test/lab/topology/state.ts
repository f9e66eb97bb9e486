// The lab's state file (<state>/lab.json): options, kubeconfig paths and every process started. The
// topology itself is re-derived from the options with planLab, so there is one source of names.

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { LabOptions } from './plan.js';
import type { ProcessRecord } from './processes.js';

export const STATE_FILE = 'lab.json';

export interface LabState {
  readonly version: 1;
  readonly stateDir: string;
  readonly options: LabOptions;
  readonly createdAt: string;
  /** For the host (127.0.0.1 forwarder) and for processes inside the lab namespaces. */
  readonly kubeconfig: string;
  readonly kubeconfigInLab: string;
  /** http://127.0.0.1:<port> on the host; undefined until the forwarder is up. */
  readonly hostApiUrl?: string;
  readonly inLabApiUrl: string;
  readonly processes: readonly ProcessRecord[];
}

/** Paths inside the state dir. */
export function statePaths(stateDir: string): {
  dir: string;
  file: string;
  kubeconfig: string;
  kubeconfigInLab: string;
  router: string;
  mgmt: string;
  apiSocket: string;
  forwardPort: string;
  node: (name: string) => string;
} {
  const dir = resolve(stateDir);
  return {
    dir,
    file: join(dir, STATE_FILE),
    kubeconfig: join(dir, 'kubeconfig'),
    kubeconfigInLab: join(dir, 'kubeconfig.lab'),
    router: join(dir, 'router'),
    mgmt: join(dir, 'mgmt'),
    apiSocket: join(dir, 'mgmt', 'api.sock'),
    forwardPort: join(dir, 'mgmt', 'forward.port'),
    node: (name: string) => join(dir, name),
  };
}

/** Write atomically, so a crash never leaves half a state file. */
export function saveState(state: LabState): void {
  const { dir, file } = statePaths(state.stateDir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}

/** The state, undefined when there is none, or an error message when it is unreadable. */
export function loadState(stateDir: string): LabState | undefined | { error: string } {
  const { file } = statePaths(stateDir);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LabState>;
    if (parsed.version !== 1 || parsed.options === undefined || !Array.isArray(parsed.processes))
      return { error: `${file} is not a lab state file of this version` };
    return parsed as LabState;
  } catch (err) {
    return { error: `cannot read ${file}: ${(err as Error).message}` };
  }
}

/**
 * Where `up` notes the running lab's state dir. The lab's namespaces have fixed names, so there is one
 * lab per host and the note is host-wide too: `status`, `exec`, `vip` and `down` without `--state` find
 * a lab started with `--state DIR` (else `down` would leave its host forwarder running and `exec router
 * -- vtysh` would look for the wrong socket). /run is cleared at boot, as the namespaces are.
 */
export const ACTIVE_LAB_NOTE = '/run/openelb-lab/state-dir';

/** Notes `stateDir` as the running lab's. Best effort: the lab works without the note. */
export function noteActiveLab(stateDir: string, note = ACTIVE_LAB_NOTE): void {
  try {
    mkdirSync(dirname(note), { recursive: true });
    writeFileSync(note, resolve(stateDir) + '\n');
  } catch {
    // Without the note, commands fall back to the default state dir, as before.
  }
}

/** The noted state dir, if the note exists and a lab state file is still there. */
export function activeLabDir(note = ACTIVE_LAB_NOTE): string | undefined {
  try {
    const dir = readFileSync(note, 'utf8').trim();
    return dir !== '' && existsSync(statePaths(dir).file) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the note (after `down`, no lab is left running). */
export function forgetActiveLab(note = ACTIVE_LAB_NOTE): void {
  rmSync(note, { force: true });
}
