// The benchmark's side of bench/runners/addpath-burst.ts: the runner started inside a node's
// namespace, waited for until it is connected to that node's gobgpd, then driven one command at a time.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export class AddPathRunner {
  private readonly child: ChildProcess;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';

  private constructor(namespace: string, args: readonly string[]) {
    const runner = fileURLToPath(new URL('./runners/addpath-burst.js', import.meta.url));
    this.child = spawn('ip', ['netns', 'exec', namespace, process.execPath, runner, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    if (this.child.stdout === null) throw new Error('addpath-burst has no stdout');
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
    this.child.on('exit', () => {
      for (const w of this.waiting.splice(0)) w('');
    });
  }

  /** Starts the runner; resolves once it is connected to gobgpd. */
  static async start(namespace: string, args: readonly string[], timeoutMs: number): Promise<AddPathRunner> {
    const runner = new AddPathRunner(namespace, args);
    await runner.expect('ready', timeoutMs);
    return runner;
  }

  /** Runs one burst (`add` or `delete`) and resolves when the runner has had every call answered. */
  async run(command: 'add' | 'delete', timeoutMs: number): Promise<void> {
    const done = this.expect(`done ${command}`, timeoutMs);
    this.child.stdin?.write(`${command}\n`);
    await done;
  }

  stop(): void {
    this.child.stdin?.end();
    this.child.kill();
  }

  private async expect(wanted: string, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const line = await Promise.race([
      new Promise<string>((resolve) => this.waiting.push(resolve)),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => {
          resolve('(timeout)');
        }, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (line !== wanted)
      throw new Error(`addpath-burst: expected "${wanted}", got "${line}": ${this.stderr}`);
  }
}
