// Contract tests of the local API through the real kubectl 1.32: the shared scenarios, plus what
// only kubectl shows (printer columns, Service columns, exit codes and error texts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';
import { eventually } from './contract/driver.js';
import { KubectlDriver } from './contract/kubectl-driver.js';
import { defineContractScenarios, eip, eipRef } from './contract/scenarios.js';

let api: LocalApi;
let dir: string;
let driver: KubectlDriver;

beforeAll(async () => {
  api = await startLocalApi();
  dir = mkdtempSync(join(tmpdir(), 'contract-kubectl-'));
  const kubeconfig = join(dir, 'kubeconfig');
  api.writeKubeconfig(kubeconfig);
  driver = new KubectlDriver(kubeconfig);
});

afterAll(async () => {
  driver.close();
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Split kubectl's table output into trimmed columns per line. */
function table(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s{2,}/));
}

describe('local API contract through kubectl 1.32', () => {
  defineContractScenarios(() => driver);
});

describe('what kubectl prints', () => {
  it('create -f FILE, then get eip shows the printer columns (CIDR, PROTOCOL, USAGE, TOTAL, DISABLED, AGE)', async () => {
    const file = join(dir, 'eip.yaml');
    writeFileSync(file, stringify(eip('k-columns', { disable: true })));
    const created = await driver.run(['create', '-f', file]);
    expect(created).toMatchObject({ code: 0, stdout: 'eip.network.kubesphere.io/k-columns created\n' });
    const r = await driver.run(['get', 'eip', 'k-columns']);
    expect(r.code).toBe(0);
    const [head, row] = table(r.stdout);
    expect(head).toEqual(['NAME', 'CIDR', 'PROTOCOL', 'USAGE', 'TOTAL', 'DISABLED', 'AGE']);
    // USAGE and TOTAL come from status, which nothing has written yet: kubectl leaves them blank.
    expect(row?.[0]).toBe('k-columns');
    expect(row?.slice(1, 3)).toEqual(['192.168.10.0/24', 'bgp']);
    expect(row?.[3]).toBe('true');
    expect(row?.[4]).toMatch(/^\d+s$/);
    const wide = await driver.run(['get', 'eip', 'k-columns', '-o', 'wide']);
    expect(table(wide.stdout)[0]).toEqual(['NAME', 'CIDR', 'PROTOCOL', 'USAGE', 'TOTAL', 'DISABLED', 'AGE']);
  });

  it('get svc shows <pending> and node ports for a LoadBalancer Service; -o wide adds SELECTOR', async () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'k-svc', namespace: 'default' },
      spec: { type: 'LoadBalancer', selector: { app: 'k' }, ports: [{ port: 80 }] },
    };
    expect((await driver.run(['apply', '-f', '-'], JSON.stringify(svc))).code).toBe(0);
    const r = await driver.run(['get', 'svc', 'k-svc', '-o', 'wide']);
    const [head, row] = table(r.stdout);
    expect(head).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    expect(row?.[1]).toBe('LoadBalancer');
    expect(row?.[2]).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(row?.[3]).toBe('<pending>');
    expect(row?.[4]).toMatch(/^80:3\d{4}\/TCP$/);
    expect(row?.[6]).toBe('app=k');
  });

  it('get ns lists the default namespaces as Active', async () => {
    const r = await driver.run(['get', 'ns']);
    const rows = table(r.stdout);
    expect(rows[0]).toEqual(['NAME', 'STATUS', 'AGE']);
    const names = rows.slice(1).map((x) => x[0]);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'openelb-system']));
    expect(rows.find((x) => x[0] === 'default')?.[1]).toBe('Active');
  });

  it('replace with a stale resourceVersion exits 1 with the Conflict message', async () => {
    expect((await driver.create(eip('k-stale'))).ok).toBe(true);
    const stale = await driver.get(eipRef('k-stale'));
    expect((await driver.label(eipRef('k-stale'), 'a', 'b')).ok).toBe(true);
    const r = await driver.run(['replace', '-f', '-'], JSON.stringify(stale));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on eips.network.kubesphere.io "k-stale": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('an invalid Eip exits 1 and names the field', async () => {
    const r = await driver.run(['create', '-f', '-'], JSON.stringify(eip('k-bad', { protocol: 'layer2' })));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'The Eip "k-bad" is invalid: spec.interface: Required value: spec.interface is required when spec.protocol is layer2 or vip',
    );
  });

  it('an unknown resource type is an error', async () => {
    const r = await driver.run(['get', 'foos']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: the server doesn\'t have a resource type "foos"');
    const raw = await driver.run(['get', '--raw', '/apis/network.kubesphere.io/v1alpha2/foos']);
    expect(raw.code).toBe(1);
    expect(raw.stderr.trim()).toBe(
      'Error from server (NotFound): the server could not find the requested resource',
    );
  });

  it("creating an unknown kind fails in kubectl's mapping step, as with missing CRDs", async () => {
    const foo = { apiVersion: 'network.kubesphere.io/v1alpha2', kind: 'Foo', metadata: { name: 'x' } };
    const r = await driver.run(['create', '-f', '-'], JSON.stringify(foo));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'error: resource mapping not found for name: "x" namespace: "" from "STDIN": no matches for kind "Foo" in version "network.kubesphere.io/v1alpha2"\nensure CRDs are installed first',
    );
  });

  it('the KubeSphere console detection request succeeds (get --raw v1alpha1 bgpconfs)', async () => {
    const r = await driver.run(['get', '--raw', '/apis/network.kubesphere.io/v1alpha1/bgpconfs']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      kind: 'BgpConfList',
      apiVersion: 'network.kubesphere.io/v1alpha1',
    });
  });

  it('get -w prints a header and one line per change with the printer columns', async () => {
    expect((await driver.create(eip('k-watch-a'))).ok).toBe(true);
    const lines: string[] = [];
    const w = await driver.watch(
      { apiVersion: 'network.kubesphere.io/v1alpha2', kind: 'Eip', resource: 'eips' },
      () => undefined,
      (l) => lines.push(l),
    );
    try {
      await eventually(() => {
        expect(lines.some((l) => /^ADDED\s+k-watch-a\s/.test(l))).toBe(true);
      }, 10_000);
      expect(table(lines[0] ?? '')[0]).toEqual([
        'EVENT',
        'NAME',
        'CIDR',
        'PROTOCOL',
        'USAGE',
        'TOTAL',
        'DISABLED',
        'AGE',
      ]);
      expect((await driver.patchMerge(eipRef('k-watch-a'), { spec: { disable: true } })).ok).toBe(true);
      await eventually(() => {
        expect(lines.some((l) => /^MODIFIED\s+k-watch-a\s+192\.168\.10\.0\/24\s+bgp\s+true\s/.test(l))).toBe(
          true,
        );
      }, 10_000);
    } finally {
      w.stop();
    }
  });

  it('delete prints "deleted" and returns once finalizers are gone', async () => {
    expect((await driver.create(eip('k-del', {}, { finalizers: ['example.com/x'] }))).ok).toBe(true);
    const deleting = driver.run(['delete', 'eip', 'k-del', '--timeout=15s']);
    await eventually(async () => {
      expect((await driver.get(eipRef('k-del')))?.['metadata']).toHaveProperty('deletionTimestamp');
    });
    expect((await driver.patchMerge(eipRef('k-del'), { metadata: { finalizers: [] } })).ok).toBe(true);
    const r = await deleting;
    expect(r).toMatchObject({ code: 0, stdout: 'eip.network.kubesphere.io "k-del" deleted\n' });
  });
});
