// ContractDriver over the real kubectl (1.32 at /usr/bin/kubectl), one process per operation.

import { spawn, type ChildProcess } from 'node:child_process';
import type { ContractDriver, Obj, Outcome, Ref, WatchEvent } from './driver.js';

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run kubectl with `args` against `kubeconfig`, feeding `stdin` if given. Never rejects. */
export function runKubectl(
  kubeconfig: string,
  args: readonly string[],
  stdin?: string,
  timeoutMs = 20_000,
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/** kubectl's error line reduced to a reason: "Error from server (Conflict): ..." or "The Eip "x" is invalid". */
export function outcomeOf(r: KubectlResult): Outcome {
  if (r.code === 0) return { ok: true };
  const fromServer = /Error from server \((\w+)\)/.exec(r.stderr);
  const reason = fromServer?.[1] ?? (/ is invalid/.test(r.stderr) ? 'Invalid' : 'ClientError');
  return { ok: false, reason, message: r.stderr.trim() };
}

function target(ref: Omit<Ref, 'name'>): string {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  const version = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[1] : ref.apiVersion;
  return group === '' ? ref.resource : `${ref.resource}.${version ?? ''}.${group ?? ''}`;
}

function nsArgs(ref: { readonly namespace?: string }): string[] {
  return ref.namespace === undefined ? [] : ['-n', ref.namespace];
}

export class KubectlDriver implements ContractDriver {
  readonly client = 'kubectl';
  private readonly children = new Set<ChildProcess>();

  constructor(readonly kubeconfig: string) {}

  run(args: readonly string[], stdin?: string): Promise<KubectlResult> {
    return runKubectl(this.kubeconfig, args, stdin);
  }

  async apiResources(): Promise<string[]> {
    const r = await this.run(['api-resources', '-o', 'name']);
    if (r.code !== 0) throw new Error(`kubectl api-resources failed: ${r.stderr}`);
    return r.stdout.split('\n').filter((l) => l !== '');
  }

  async get(ref: Ref): Promise<Obj | undefined> {
    const r = await this.run(['get', target(ref), ref.name, ...nsArgs(ref), '-o', 'json']);
    if (r.code !== 0) {
      if (/\(NotFound\)/.test(r.stderr)) return undefined;
      throw new Error(`kubectl get failed: ${r.stderr}`);
    }
    return JSON.parse(r.stdout) as Obj;
  }

  async list(ref: Omit<Ref, 'name'>, labelSelector?: string): Promise<string[]> {
    const sel = labelSelector === undefined ? [] : ['-l', labelSelector];
    const r = await this.run([
      'get',
      target(ref),
      ...nsArgs(ref),
      ...sel,
      '-o',
      'jsonpath={.items[*].metadata.name}',
    ]);
    if (r.code !== 0) throw new Error(`kubectl get failed: ${r.stderr}`);
    return r.stdout.split(' ').filter((n) => n !== '');
  }

  async create(obj: Obj): Promise<Outcome> {
    return outcomeOf(await this.run(['create', '-f', '-'], JSON.stringify(obj)));
  }

  async apply(obj: Obj): Promise<Outcome> {
    return outcomeOf(await this.run(['apply', '-f', '-'], JSON.stringify(obj)));
  }

  async annotate(ref: Ref, key: string, value: string): Promise<Outcome> {
    return outcomeOf(
      await this.run(['annotate', target(ref), ref.name, ...nsArgs(ref), `${key}=${value}`, '--overwrite']),
    );
  }

  async label(ref: Ref, key: string, value: string): Promise<Outcome> {
    return outcomeOf(
      await this.run(['label', target(ref), ref.name, ...nsArgs(ref), `${key}=${value}`, '--overwrite']),
    );
  }

  async patchMerge(ref: Ref, patch: Obj): Promise<Outcome> {
    return outcomeOf(
      await this.run([
        'patch',
        target(ref),
        ref.name,
        ...nsArgs(ref),
        '--type=merge',
        '-p',
        JSON.stringify(patch),
      ]),
    );
  }

  async replace(obj: Obj): Promise<Outcome> {
    return outcomeOf(await this.run(['replace', '-f', '-'], JSON.stringify(obj)));
  }

  async deleteAndWait(ref: Ref, timeoutMs: number): Promise<Outcome> {
    const secs = Math.max(1, Math.round(timeoutMs / 1000));
    return outcomeOf(
      await this.run(['delete', target(ref), ref.name, ...nsArgs(ref), '--wait=true', `--timeout=${secs}s`]),
    );
  }

  /**
   * Starts `kubectl get -w --output-watch-events` and parses its EVENT and NAME columns. kubectl
   * prints nothing for an empty list, so callers wait for the ADDED event of a known object.
   */
  watch(
    ref: Omit<Ref, 'name'>,
    onEvent: (e: WatchEvent) => void,
    onLine?: (line: string) => void,
  ): Promise<{ stop: () => void }> {
    const child = spawn(
      'kubectl',
      [
        '--kubeconfig',
        this.kubeconfig,
        'get',
        target(ref),
        ...nsArgs(ref),
        '--watch',
        '--output-watch-events',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.children.add(child);
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        onLine?.(line);
        const [type, name] = line.trim().split(/\s+/);
        if (type !== undefined && name !== undefined && type !== 'EVENT') onEvent({ type, name });
      }
    });
    child.on('close', () => this.children.delete(child));
    return Promise.resolve({
      stop: () => {
        child.kill('SIGTERM');
        this.children.delete(child);
      },
    });
  }

  /** Kill any watch still running (afterAll). */
  close(): void {
    for (const c of this.children) c.kill('SIGKILL');
    this.children.clear();
  }
}
