// `openelb-manager cleanup` and `kubectl openelb cleanup` (the BUILT bundle, as child processes) against
// the local Kubernetes API: after the controller is stopped, a Service and an Eip it marked can be
// deleted only because cleanup released their finalizers; while a controller leads, cleanup refuses.
// Build first: npm run build.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './controller-harness.js';
import { standaloneBundle } from '../support/standalone-bundle.js';

const run = promisify(execFile);
const { cli, plugin } = standaloneBundle();

let h: Harness;
let dir: string;
let kubeconfig: string;
let controller: ReturnType<Harness['start']>;

/** Runs a command; resolves with its exit code and output whatever the code. */
async function exec(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(file, args, { timeout: 20_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cleanup-cli-'));
  kubeconfig = join(dir, 'kubeconfig');
  h = await startHarness();
  h.api.writeKubeconfig(kubeconfig);
  controller = h.start({ leaderElect: true });
  await h.createEip(
    'pool',
    { address: '192.168.50.0/28' },
    { 'eip.openelb.kubesphere.io/is-default-eip': 'true' },
  );
  await h.createService('default', 'web', {});
  await h.waitForIps('default', 'web');
});

afterAll(async () => {
  await h.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('openelb-manager cleanup', () => {
  it('refuses while a controller holds the leader Lease, and says how to stop it', async () => {
    const r = await exec('node', [cli, 'cleanup', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/holds the leader Lease openelb-system\/openelb-manager/);
    expect(r.stderr).toMatch(/scale deployment openelb-controller --replicas=0/);
    expect((await h.service('default', 'web'))?.metadata?.finalizers).toEqual([
      'finalizer.lb.kubesphere.io/v1alpha1',
    ]);
  });

  it('after the controller stopped: --dry-run lists, cleanup releases, and deletes then complete', async () => {
    await controller.stop();
    const dry = await exec(plugin, ['cleanup', '--kubeconfig', kubeconfig, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would release Service default/web');
    expect(dry.stdout).toContain('would release Eip pool');
    expect((await h.service('default', 'web'))?.metadata?.finalizers).toEqual([
      'finalizer.lb.kubesphere.io/v1alpha1',
    ]);

    const r = await exec('node', [cli, 'cleanup', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('released Service default/web');
    expect(r.stdout).toContain('released Eip pool');
    expect(r.stdout).toContain('released 2 of 2 object(s)');
    const svc = await h.service('default', 'web');
    expect(svc?.metadata?.finalizers ?? []).toEqual([]);
    // The IP and label stay, so a later install rebuilds the same allocation.
    expect(svc?.status?.loadBalancer?.ingress?.[0]?.ip).toMatch(/^192\.168\.50\./);
    expect(svc?.metadata?.labels?.['eip.openelb.kubesphere.io/v1alpha2']).toBe('pool');

    for (const args of [
      ['delete', 'service', 'web', '-n', 'default', '--timeout=10s'],
      ['delete', 'eip', 'pool', '--timeout=10s'],
    ]) {
      const del = await exec('kubectl', ['--kubeconfig', kubeconfig, ...args]);
      expect(del.code, del.stderr).toBe(0);
    }
    expect(await h.service('default', 'web')).toBeUndefined();
    expect((await exec('node', [cli, 'cleanup', '--kubeconfig', kubeconfig])).stdout).toContain(
      'no Service or Eip carries an openelb-manager finalizer',
    );
  });
});
