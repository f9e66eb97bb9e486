// Running the system tools the lab is built from (ip, vtysh, gobgp, ...). Failures come back as values
// with the command line and stderr, so callers can decide what is fatal (teardown tolerates a lot).

import { execFile } from 'node:child_process';

export interface RunResult {
  readonly ok: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The command line, for messages. */
  readonly cmd: string;
}

/** Run `file args...` without a shell; never throws. */
export function run(file: string, args: readonly string[], timeoutMs = 15_000): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    execFile(file, [...args], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolvePromise({
        ok: err === null,
        code,
        stdout,
        stderr: err !== null && stderr === '' ? err.message : stderr,
        cmd: [file, ...args].join(' '),
      });
    });
  });
}

/** Run and throw a precise error when the command fails (setup steps, where failure aborts `up`). */
export async function must(file: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await run(file, args, timeoutMs);
  if (!r.ok) throw new Error(`${r.cmd} failed (exit ${String(r.code)}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** `ip netns exec <ns> file args...` */
export function runIn(
  ns: string,
  file: string,
  args: readonly string[],
  timeoutMs?: number,
): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, file, ...args], timeoutMs);
}

/**
 * The uid the root check uses. OELB_LAB_UID overrides it so a test running as root can exercise the
 * non-root path without switching users (another user may not be able to read the checkout).
 */
function labUid(): number | undefined {
  const forced = process.env['OELB_LAB_UID'];
  return forced !== undefined && /^\d+$/.test(forced) ? Number(forced) : process.getuid?.();
}

/** Why the lab cannot run here, or undefined when it can (root). */
export function rootProblem(uid: number | undefined = labUid()): string | undefined {
  if (uid === 0) return undefined;
  return 'the lab needs root: it creates network namespaces, veth links and runs routing daemons (try sudo)';
}

/** Find a program in PATH (or an absolute path that exists); undefined when missing. */
export async function which(program: string): Promise<string | undefined> {
  const r = await run('sh', ['-c', 'command -v "$1"', 'which', program]);
  const path = r.stdout.trim();
  return r.ok && path !== '' ? path : undefined;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `check` until it returns a value or `timeoutMs` passes (then undefined). */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) return undefined;
    await sleep(intervalMs);
  }
}
