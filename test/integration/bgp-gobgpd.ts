/**
 * A real gobgpd 3.10 for integration tests: started with no config, gRPC on 127.0.0.1 only, pprof
 * off. Fails loudly when gobgpd is not installed (CI installs it: apt-get install gobgpd).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free TCP port on 127.0.0.1 (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Throws a clear error when gobgpd is missing, so the tests fail instead of skipping. */
export function requireGobgpd(): void {
  const found = spawnSync('gobgpd', ['--version'], { encoding: 'utf8' });
  if (found.error !== undefined || found.status !== 0 || !found.stdout.includes('3.10')) {
    throw new Error(
      'gobgpd 3.10 is required for the BGP integration tests: apt-get install -y --no-install-recommends gobgpd ' +
        `(got: ${found.error?.message ?? found.stdout.trim()})`,
    );
  }
}

/** One gobgpd process; restartable on the same port. */
export class Gobgpd {
  private child: ChildProcess | undefined;
  log = '';

  constructor(readonly port: number) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts gobgpd and waits until its gRPC port accepts connections. */
  async start(): Promise<void> {
    const child = spawn('gobgpd', [`--api-hosts=${this.address}`, '--pprof-disable', '--log-level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    // If the test worker goes away without afterAll (crash, timeout), take gobgpd with it.
    process.once('exit', this.killOnExit);
    child.stdout.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (this.log += d.toString()));
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) throw new Error(`gobgpd exited ${child.exitCode}: ${this.log}`);
      if (await this.accepting()) return;
      await sleep(10);
    }
    throw new Error(`gobgpd did not listen on ${this.address}: ${this.log}`);
  }

  /** SIGKILLs gobgpd and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    process.off('exit', this.killOnExit);
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        resolve();
      }),
    );
    child.kill('SIGKILL');
    await exited;
  }

  private readonly killOnExit = (): void => {
    this.child?.kill('SIGKILL');
  };

  private async accepting(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
  }
}
