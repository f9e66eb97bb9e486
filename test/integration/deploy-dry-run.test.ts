// The generated install applies cleanly with the real kubectl against the local Kubernetes API: first as
// a server-side dry run (which must persist nothing), then for real; and the samples apply once the CRDs
// exist.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const bundle = join(root, 'deploy', 'openelb.yaml');
const samplesDir = join(root, 'deploy', 'samples');

/**
 * stderr without the one warning only the local API causes: it pre-creates openelb-system (without
 * kubectl's last-applied annotation), so kubectl warns when the bundle's Namespace is applied over it.
 */
function unexpectedStderr(stderr: string): string[] {
  const known =
    /^Warning: resource namespaces\/openelb-system is missing the kubectl\.kubernetes\.io\/last-applied-configuration annotation/;
  return stderr.split('\n').filter((l) => l.trim() !== '' && !known.test(l));
}

interface Result {
  stdout: string;
  stderr: string;
  code: number;
}

/** A local API plus a kubectl bound to it (private kubeconfig and discovery cache). */
async function startCluster(crdDir: string | null): Promise<{
  api: LocalApi;
  kubectl: (...args: string[]) => Promise<Result>;
  stop: () => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-dry-run-'));
  const api = await startLocalApi({ crdDir });
  api.writeKubeconfig(join(dir, 'kubeconfig'));
  const kubectl = async (...args: string[]): Promise<Result> => {
    try {
      const r = await run(
        'kubectl',
        ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
        { timeout: 25_000 },
      );
      return { ...r, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code ?? 1 };
    }
  };
  const stop = async (): Promise<void> => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { api, kubectl, stop };
}

describe('kubectl apply -f deploy/openelb.yaml', () => {
  // No CRDs preinstalled: the bundle brings its own.
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  beforeAll(async () => {
    cluster = await startCluster(null);
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('passes a server-side dry run in one go and persists nothing', async () => {
    const r = await cluster.kubectl('apply', '--dry-run=server', '-f', bundle);
    expect(unexpectedStderr(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deployment.apps/openelb-controller created (server dry run)');
    expect(r.stdout).toContain('daemonset.apps/openelb-speaker created (server dry run)');
    expect(r.stdout).toContain(
      'validatingwebhookconfiguration.admissionregistration.k8s.io/openelb-webhook created (server dry run)',
    );
    const after = await cluster.kubectl('get', 'deploy,ds,crd', '-A', '-o', 'name');
    expect(after.code).toBe(0);
    expect(after.stdout.trim()).toBe('');
  });

  it('applies for real, and the workloads, RBAC, Lease and webhook are there', async () => {
    const r = await cluster.kubectl('apply', '-f', bundle);
    expect(unexpectedStderr(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(21);
    const workloads = await cluster.kubectl('get', 'deploy,ds', '-n', 'openelb-system', '-o', 'name');
    expect(workloads.stdout.trim().split('\n').sort()).toEqual([
      'daemonset.apps/openelb-speaker',
      'deployment.apps/openelb-controller',
    ]);
    const replicas = await cluster.kubectl(
      'get',
      'deploy',
      'openelb-controller',
      '-n',
      'openelb-system',
      '-o',
      'jsonpath={.spec.replicas}',
    );
    expect(replicas.stdout).toBe('2');
    const others = await cluster.kubectl(
      'get',
      'clusterrole/openelb-speaker',
      'role/openelb-speaker',
      'lease/openelb-manager',
      'svc/openelb-webhook',
      '-n',
      'openelb-system',
      '-o',
      'name',
    );
    expect(others.code).toBe(0);
    const crds = await cluster.kubectl('get', 'crd', '-o', 'name');
    expect(crds.stdout.trim().split('\n').sort()).toEqual([
      'customresourcedefinition.apiextensions.k8s.io/bgpconfs.network.kubesphere.io',
      'customresourcedefinition.apiextensions.k8s.io/bgppeers.network.kubesphere.io',
      'customresourcedefinition.apiextensions.k8s.io/eips.network.kubesphere.io',
    ]);
    const kubeSystem = await cluster.kubectl('get', 'role,rolebinding', '-n', 'kube-system', '-o', 'name');
    expect(kubeSystem.stdout).toContain('role.rbac.authorization.k8s.io/openelb-speaker');
  });

  it('applies again without changes (the manifests are what the server stores)', async () => {
    const r = await cluster.kubectl('apply', '-f', bundle);
    expect(r.code).toBe(0);
    const changed = r.stdout
      .trim()
      .split('\n')
      .filter((l) => !l.endsWith(' unchanged'));
    expect(changed).toEqual([]);
  });
});

describe('kubectl apply -f deploy/samples/*.yaml', () => {
  // The CRDs from deploy/crds are installed at start (the default); no webhook is configured here,
  // so this checks the samples against the API server's own CRD validation only.
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  beforeAll(async () => {
    cluster = await startCluster(join(root, 'deploy', 'crds'));
  });
  afterAll(async () => {
    await cluster.stop();
  });

  const samples = readdirSync(samplesDir).filter((f) => f.endsWith('.yaml'));

  it('has the BGP, layer2 and KubeSphere samples', () => {
    expect(samples.sort()).toEqual(['bgp.yaml', 'kubesphere.yaml', 'layer2.yaml']);
  });

  for (const file of samples) {
    // No dry run here: kubesphere.yaml creates a Namespace and objects in it, which a dry run cannot
    // do in one go on a real server either (the Namespace is not persisted).
    it(`${file} applies`, async () => {
      const path = join(samplesDir, file);
      const r = await cluster.kubectl('apply', '-f', path);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/created/);
    });
  }
});
