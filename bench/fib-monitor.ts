// Watches a namespace's kernel routing table with `ip monitor route` and records when each prefix
// first appeared, so route latency is measured where traffic would use it: in the router's FIB. It
// also tracks which prefixes are in the FIB now, so a benchmark can wait for withdrawals and measure
// the same prefixes again.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export class FibMonitor {
  private readonly firstSeen = new Map<string, number>();
  private readonly present = new Set<string>();
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  constructor(namespace: string) {
    this.child = spawn('ip', ['-n', namespace, 'monitor', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
    if (this.child.stdout === null) throw new Error('ip monitor has no stdout');
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      // Added routes start with the prefix, removed ones with `Deleted <prefix>`; continuation lines
      // (nexthop ...) are indented.
      if (line === '' || line.startsWith(' ') || line.startsWith('\t')) return;
      const deleted = line.startsWith('Deleted ');
      const words = line.split(' ');
      const prefix = (words[deleted ? 1 : 0] ?? '').replace(/\/32$|\/128$/, '');
      if (deleted) this.present.delete(prefix);
      else {
        this.present.add(prefix);
        if (!this.firstSeen.has(prefix)) this.firstSeen.set(prefix, performance.now());
      }
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }

  /** Resolves with the time (performance.now()) `prefix` first appeared. */
  async waitFor(prefix: string, timeoutMs: number): Promise<number> {
    return this.waitUntil(
      () => this.firstSeen.get(prefix),
      timeoutMs,
      `route ${prefix} did not reach the FIB`,
    );
  }

  /** Resolves with the time the last of `prefixes` first appeared. */
  async waitForAll(prefixes: readonly string[], timeoutMs: number): Promise<number> {
    return this.waitUntil(
      () => {
        let last = 0;
        for (const p of prefixes) {
          const t = this.firstSeen.get(p);
          if (t === undefined) return undefined;
          last = Math.max(last, t);
        }
        return last;
      },
      timeoutMs,
      `${prefixes.length} routes (${prefixes.filter((p) => !this.firstSeen.has(p)).length} missing) did not reach the FIB`,
    );
  }

  /** Resolves once none of `prefixes` is in the FIB (with the time the last one went). */
  async waitForNone(prefixes: readonly string[], timeoutMs: number): Promise<number> {
    return this.waitUntil(
      () => (prefixes.some((p) => this.present.has(p)) ? undefined : performance.now()),
      timeoutMs,
      `${prefixes.filter((p) => this.present.has(p)).length} of ${prefixes.length} routes did not leave the FIB`,
    );
  }

  /** Forgets when `prefixes` first appeared, so the next waitFor/waitForAll times their next arrival. */
  forget(prefixes: readonly string[]): void {
    for (const p of prefixes) this.firstSeen.delete(p);
  }

  /** When `prefix` first appeared, if it did. */
  seenAt(prefix: string): number | undefined {
    return this.firstSeen.get(prefix);
  }

  stop(): void {
    this.child.kill();
  }

  private async waitUntil(probe: () => number | undefined, timeoutMs: number, what: string): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const t = probe();
      if (t !== undefined) return t;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
