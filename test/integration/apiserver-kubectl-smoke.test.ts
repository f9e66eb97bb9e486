import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';

const run = promisify(execFile);

let api: LocalApi;
let dir: string;

/** kubectl against the local API, with a private discovery cache (ports are reused across tests). */
async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(
      'kubectl',
      ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
      {
        timeout: 20_000,
      },
    );
    return { ...r, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code ?? 1 };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubectl-smoke-'));
  api = await startLocalApi();
  api.writeKubeconfig(join(dir, 'kubeconfig'));
});

afterAll(async () => {
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('real kubectl against the local API (smoke)', () => {
  it('lists api-resources with short names and groups', async () => {
    const r = await kubectl('api-resources', '--no-headers');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^services\s+svc\s+v1\s+true\s+Service$/m);
    expect(r.stdout).toMatch(/^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
    expect(r.stdout).toMatch(
      /^customresourcedefinitions\s+crd,crds\s+apiextensions\.k8s\.io\/v1\s+false\s+CustomResourceDefinition$/m,
    );
  });

  it('gets namespaces', async () => {
    const r = await kubectl('get', 'namespaces', '-o', 'name');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'namespace/default',
      'namespace/kube-node-lease',
      'namespace/kube-public',
      'namespace/kube-system',
      'namespace/openelb-system',
    ]);
  });

  it('applies, annotates and deletes a Service with validation on', async () => {
    const file = join(dir, 'svc.yaml');
    writeFileSync(
      file,
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: smoke\nspec:\n  type: LoadBalancer\n  ports:\n  - port: 80\n',
    );
    expect((await kubectl('apply', '-f', file)).stdout).toContain('service/smoke created');
    expect((await kubectl('annotate', 'svc', 'smoke', 'a=b')).code).toBe(0);
    const np = await kubectl(
      'get',
      'svc',
      'smoke',
      '-o',
      'jsonpath={.spec.ports[0].nodePort} {.metadata.annotations.a}',
    );
    expect(np.stdout).toMatch(/^3\d{4} b$/);
    expect((await kubectl('delete', '-f', file)).stdout).toContain('service "smoke" deleted');
  });

  it('writes a kubeconfig that client-node loads too', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(join(dir, 'kubeconfig'));
    const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespace();
    expect(list.items.length).toBeGreaterThanOrEqual(5);
  });

  it('creates the kinds kubectl sends as protobuf (create namespace/configmap/secret/service)', async () => {
    expect((await kubectl('create', 'namespace', 'pb')).stdout).toContain('namespace/pb created');
    expect((await kubectl('-n', 'pb', 'create', 'configmap', 'cm', '--from-literal=k=v')).code).toBe(0);
    expect((await kubectl('-n', 'pb', 'create', 'secret', 'generic', 's', '--from-literal=u=x')).code).toBe(
      0,
    );
    expect((await kubectl('-n', 'pb', 'create', 'service', 'loadbalancer', 'lb', '--tcp=80:8080')).code).toBe(
      0,
    );
    const out = await kubectl(
      '-n',
      'pb',
      'get',
      'cm/cm',
      'secret/s',
      'svc/lb',
      '-o',
      'jsonpath={.items[0].data.k} {.items[1].data.u} {.items[2].spec.ports[0].targetPort} {.items[2].spec.selector.app}',
    );
    expect(out.stdout).toBe('v eA== 8080 lb');
    const ns = await kubectl('get', 'ns', 'pb', '-o', 'jsonpath={.metadata.labels}');
    expect(JSON.parse(ns.stdout)).toEqual({ 'kubernetes.io/metadata.name': 'pb' });
  });
});
