// The lab's state file (<state>/lab.json): options, kubeconfig paths and every process started. The
// topology itself is re-derived from the options with planLab, so there is one source of names.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
