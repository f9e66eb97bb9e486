// Long-lived lab processes: started detached inside a namespace (`ip netns exec` execs the program,
// so the pid we get is the program's), logs to a file in the state dir, found again by pid.

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface ProcessRecord {
  /** What it is, e.g. "gobgpd", "speaker", "api". */
  readonly role: string;
  /** Namespace it runs in; undefined = the host (only the loopback forwarder). */
  readonly ns?: string;
  readonly pid: number;
  readonly log: string;
  readonly argv: readonly string[];
}

export interface SpawnSpec {
  readonly role: string;
  readonly ns?: string;
  readonly argv: readonly string[];
  readonly log: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** Start a detached process that outlives `up`; stdout and stderr go to `spec.log`. */
export function spawnDetached(spec: SpawnSpec): Promise<ProcessRecord> {
  const [file, ...args] = spec.ns === undefined ? spec.argv : ['ip', 'netns', 'exec', spec.ns, ...spec.argv];
  if (file === undefined) return Promise.reject(new Error(`${spec.role}: empty command line`));
  const fd = openSync(spec.log, 'a');
  try {
    const child = spawn(file, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...spec.env },
    });
    return new Promise((resolvePromise, reject) => {
      child.once('error', (err) => {
        reject(new Error(`${spec.role}: cannot start ${file}: ${err.message}`));
      });
      child.once('spawn', () => {
        child.unref();
        const pid = child.pid;
        if (pid === undefined) reject(new Error(`${spec.role}: no pid for ${file}`));
        else resolvePromise({ role: spec.role, ns: spec.ns, pid, log: spec.log, argv: spec.argv });
      });
    });
  } finally {
    closeSync(fd);
  }
}

/** True when a process with this pid exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // Field 3, after the parenthesised command name, is the state; Z = zombie.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The command line of a live process, or undefined. */
export function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8')
      .split('\0')
      .join(' ')
      .trim();
  } catch {
    return undefined;
  }
}

/** Last `lines` lines of a log file, for error messages. */
export function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
