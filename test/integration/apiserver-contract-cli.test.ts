// `npm run lab -- apiserver`: the command's body, run in-process with an AbortSignal instead of SIGTERM.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runApiserver, type ApiserverInfo } from '../lab/commands/apiserver.js';
import { buildLabProgram } from '../lab/program.js';
import { runKubectl } from './contract/kubectl-driver.js';

const dir = mkdtempSync(join(tmpdir(), 'lab-cli-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('lab apiserver command', () => {
  it('writes a kubeconfig kubectl can use, serves the CRDs, and stops when aborted', async () => {
    const kubeconfig = join(dir, 'nested', 'kubeconfig');
    const ac = new AbortController();
    let info: ApiserverInfo | undefined;
    const running = runApiserver({ port: 0, host: '127.0.0.1', kubeconfig }, ac.signal, (i) => {
      info = i;
    });
    await expect.poll(() => info, { timeout: 5_000 }).toBeDefined();
    expect(info?.kubeconfig).toBe(kubeconfig);
    expect(readFileSync(kubeconfig, 'utf8')).toContain(info?.url ?? 'missing');
    const r = await runKubectl(kubeconfig, ['get', 'crd', '-o', 'name']);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'customresourcedefinition.apiextensions.k8s.io/bgpconfs.network.kubesphere.io',
      'customresourcedefinition.apiextensions.k8s.io/bgppeers.network.kubesphere.io',
      'customresourcedefinition.apiextensions.k8s.io/eips.network.kubesphere.io',
    ]);
    ac.abort();
    await running;
    const after = await fetch(`${info?.url ?? ''}/version`).then(
      () => 'reachable',
      () => 'closed',
    );
    expect(after).toBe('closed');
    expect(existsSync(kubeconfig)).toBe(true);
  });

  it('is registered with its options and rejects a bad port', () => {
    const program = buildLabProgram();
    const cmd = program.commands.find((c) => c.name() === 'apiserver');
    expect(cmd?.options.map((o) => o.long)).toEqual(['--port', '--host', '--kubeconfig', '--crd-dir']);
    expect(cmd?.getOptionValue('kubeconfig')).toMatch(/[/\\]\.lab[/\\]kubeconfig$/);
    program.exitOverride();
    cmd?.exitOverride().configureOutput({ writeErr: () => undefined });
    expect(() => program.parse(['node', 'lab', 'apiserver', '--port', 'x'])).toThrow(
      /must be an integer 0-65535/,
    );
  });
});
