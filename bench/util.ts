// Small helpers the benchmarks share.
import { spawn, type ChildProcess } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Runs `task(0..count-1)` with at most `width` in flight. */
export async function inParallel(
  count: number,
  width: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/** `value` rounded to `digits` decimals, for figures in a JSON line. */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * A full GC now, so garbage left by earlier phases is not collected inside the next timed one (each
 * phase's own garbage still is). `gc` is exposed only inside a throwaway context.
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc === 'function') (gc as () => void)();
}

/**
 * Starts `node <args>` (one of the shipped program's roles with `--metrics-addr 127.0.0.1:0`) and
 * resolves once it logs the port it serves /metrics on. Its errors and fatal lines go to stderr.
 */
export function spawnServing(
  role: string,
  args: readonly string[],
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      buf += chunk;
      const port = /"metricsPort":(\d+)/.exec(buf)?.[1];
      if (port !== undefined) resolve({ child, port: Number(port) });
      if (buf.length > 1_000_000) buf = buf.slice(-10_000);
      for (const line of chunk.split('\n')) if (/"level":(50|60)/.test(line)) console.error(line);
    });
    child.once('exit', (code) => {
      reject(new Error(`${role} exited with ${String(code)}`));
    });
  });
}
