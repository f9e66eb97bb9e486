// The local API with RBAC enforced and the shipped deploy/*/rbac.yaml applied: each ServiceAccount can
// do what its role needs and nothing more, seen through client-node and the real kubectl (--token).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';
import { applyObjects, readManifests, rbacManifests } from '../lab/topology/rbac.js';

const NS = 'openelb-system';
const CONTROLLER = `system:serviceaccount:${NS}:openelb-controller`;
const SPEAKER = `system:serviceaccount:${NS}:openelb-speaker`;
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

let api: LocalApi;
let dir: string;
const tokens = { controller: '', speaker: '', random: '' };

interface Ran {
  stdout: string;
  stderr: string;
  code: number;
}

/** kubectl as the bearer of `token`; an object last in args is stdin. */
function kubectl(token: string, ...args: (string | { input: string })[]): Promise<Ran> {
  const last = args.at(-1);
  const input = typeof last === 'object' ? last.input : undefined;
  const argv = args.filter((a): a is string => typeof a === 'string');
  const kc = ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), '--token', token];
  return new Promise((resolve) => {
    const child = execFile('kubectl', [...kc, ...argv], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ stdout, stderr, code });
    });
    child.stdin?.end(input ?? '');
  });
}

function core(token: string): k8s.CoreV1Api {
  return api.kubeConfig(token).makeApiClient(k8s.CoreV1Api);
}

/** The HTTP code and Status message an API call failed with; throws when it succeeded. */
async function failure(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof k8s.ApiException)) throw err;
    const text = typeof err.body === 'string' ? err.body : '{}';
    return { code: err.code, message: (JSON.parse(text) as { message?: string }).message ?? '' };
  }
  throw new Error('the call succeeded');
}

/** GET over the API's self-signed TLS. */
function getJson(url: string): Promise<{ byUser: Record<string, number> }> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        resolve(JSON.parse(body) as { byUser: Record<string, number> });
      });
    }).on('error', reject);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'apiserver-rbac-'));
  api = await startLocalApi({ rbac: true });
  api.writeKubeconfig(join(dir, 'kubeconfig'));
  const admin = api.kubeConfig();
  await applyObjects(admin, readManifests(rbacManifests()));
  const adminCore = admin.makeApiClient(k8s.CoreV1Api);
  await adminCore.createNamespacedServiceAccount({
    namespace: 'default',
    body: { metadata: { name: 'random' } },
  });
  await adminCore.createNamespacedService({
    namespace: 'default',
    body: { metadata: { name: 'web' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
  });
  await adminCore.createNamespacedConfigMap({
    namespace: 'kube-system',
    body: {
      metadata: { name: 'kube-proxy' },
      data: { 'config.conf': 'mode: ipvs\nipvs:\n  strictARP: true\n' },
    },
  });
  tokens.controller = api.serviceAccountToken(NS, 'openelb-controller');
  tokens.speaker = api.serviceAccountToken(NS, 'openelb-speaker');
  tokens.random = api.serviceAccountToken('default', 'random');
});

afterAll(async () => {
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('controller ServiceAccount', () => {
  it('patches services/status and the Service label, and creates Events (client-node)', async () => {
    const c = core(tokens.controller);
    const status = { status: { loadBalancer: { ingress: [{ ip: '198.51.100.10' }] } } };
    const s = await c.patchNamespacedServiceStatus(
      { namespace: 'default', name: 'web', body: status },
      merge,
    );
    expect(s.status?.loadBalancer?.ingress?.[0]?.ip).toBe('198.51.100.10');
    const label = { metadata: { labels: { 'eip.openelb.kubesphere.io/v1alpha2': 'pool' } } };
    await c.patchNamespacedService({ namespace: 'default', name: 'web', body: label }, merge);
    const ev = await c.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'web.1' },
        involvedObject: { kind: 'Service', namespace: 'default', name: 'web' },
        reason: 'IPAllocated',
        message: 'ok',
        type: 'Normal',
      },
    });
    expect(ev.metadata.name).toBe('web.1');
  });

  it('creates Events with kubectl, but may not get or delete Services (it reads from informers)', async () => {
    const event = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.2', namespace: 'default' },
      involvedObject: { kind: 'Service', namespace: 'default', name: 'web' },
      reason: 'IPAllocated',
      message: 'ok',
      type: 'Normal',
    });
    const created = await kubectl(tokens.controller, 'create', '-f', '-', { input: event });
    expect(created.stdout).toContain('event/web.2 created');
    // kubectl patch reads the object first; the controller has no `get` on Services by design.
    const patched = await kubectl(
      tokens.controller,
      ...['patch', 'service', 'web', '--subresource=status', '--type=merge'],
      ...['-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"198.51.100.11"}]}}}'],
    );
    expect(patched.stderr).toContain(
      `services "web" is forbidden: User "${CONTROLLER}" cannot get resource "services/status" in API group "" in the namespace "default"`,
    );
    const del = await kubectl(tokens.controller, 'delete', 'service', 'web');
    expect(del.stderr).toContain(
      `services "web" is forbidden: User "${CONTROLLER}" cannot delete resource "services" in API group "" in the namespace "default"`,
    );
  });

  it('holds its leader Lease by name only', async () => {
    const coord = api.kubeConfig(tokens.controller).makeApiClient(k8s.CoordinationV1Api);
    const body = { metadata: { name: 'openelb-manager' }, spec: { holderIdentity: 'a' } };
    const lease = await coord.createNamespacedLease({ namespace: NS, body });
    await coord.replaceNamespacedLease({ namespace: NS, name: 'openelb-manager', body: lease });
    const other = await failure(coord.readNamespacedLease({ namespace: NS, name: 'openelb-speaker-node1' }));
    expect(other.code).toBe(403);
  });
});

describe('speaker ServiceAccount', () => {
  it('cannot update or patch Services or their status (client-node)', async () => {
    const c = core(tokens.speaker);
    const body = { metadata: { labels: { x: 'y' } } };
    const patch = await failure(c.patchNamespacedService({ namespace: 'default', name: 'web', body }, merge));
    expect(patch).toEqual({
      code: 403,
      message: `services "web" is forbidden: User "${SPEAKER}" cannot patch resource "services" in API group "" in the namespace "default"`,
    });
    const status = await failure(
      c.patchNamespacedServiceStatus({ namespace: 'default', name: 'web', body }, merge),
    );
    expect(status.message).toBe(
      `services "web" is forbidden: User "${SPEAKER}" cannot patch resource "services/status" in API group "" in the namespace "default"`,
    );
    const svc = { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } };
    const update = await failure(
      c.replaceNamespacedService({ namespace: 'default', name: 'web', body: svc }),
    );
    expect(update.message).toContain(`cannot update resource "services" in API group ""`);
  });

  it('cannot replace or patch Services with kubectl either', async () => {
    const svc = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
    });
    const replaced = await kubectl(tokens.speaker, 'replace', '-f', '-', { input: svc });
    expect(replaced.code).not.toBe(0);
    expect(replaced.stderr).toContain(
      `Error from server (Forbidden): error when replacing "STDIN": services "web" is forbidden: User "${SPEAKER}" cannot update resource "services" in API group "" in the namespace "default"`,
    );
    const patched = await kubectl(tokens.speaker, 'patch', 'service', 'web', '--type=merge', '-p', '{}');
    expect(patched.stderr).toContain(`User "${SPEAKER}" cannot get resource "services"`);
  });

  it('reads what it needs: Services, Nodes, Eips, EndpointSlices, kube-proxy ConfigMap', async () => {
    const c = core(tokens.speaker);
    expect((await c.listServiceForAllNamespaces()).items.map((s) => s.metadata?.name)).toContain('web');
    await c.listNode();
    const kube = api.kubeConfig(tokens.speaker);
    await kube.makeApiClient(k8s.DiscoveryV1Api).listEndpointSliceForAllNamespaces();
    const custom = kube.makeApiClient(k8s.CustomObjectsApi);
    await custom.listClusterCustomObject({
      group: 'network.kubesphere.io',
      version: 'v1alpha2',
      plural: 'eips',
    });
    const cm = await c.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kube-proxy' });
    expect(cm.data?.['config.conf']).toContain('strictARP: true');
    const other = await failure(c.readNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns' }));
    expect(other.code).toBe(403);
    const r = await kubectl(tokens.speaker, 'get', 'services', '-A', '-o', 'name');
    expect(r.stdout.trim()).toBe('service/web');
  });

  it('creates and renews its own Lease', async () => {
    const coord = api.kubeConfig(tokens.speaker).makeApiClient(k8s.CoordinationV1Api);
    const name = 'openelb-speaker-node1';
    const body = { metadata: { name }, spec: { holderIdentity: 'node1', leaseDurationSeconds: 15 } };
    const lease = await coord.createNamespacedLease({ namespace: NS, body });
    lease.spec = { holderIdentity: 'node1', leaseDurationSeconds: 15, renewTime: new k8s.V1MicroTime() };
    const renewed = await coord.replaceNamespacedLease({ namespace: NS, name, body: lease });
    expect(renewed.spec?.holderIdentity).toBe('node1');
    expect(renewed.spec?.renewTime).toBeDefined();
  });

  it('is refused when a watch starts on something it may not watch', async () => {
    const watch = new k8s.Watch(api.kubeConfig(tokens.speaker));
    const err = await new Promise<unknown>((resolve) => {
      watch.watch('/api/v1/secrets', {}, () => undefined, resolve).catch(resolve);
    });
    expect(String(err)).toMatch(/403|Forbidden/);
  });
});

describe('other users', () => {
  it('a ServiceAccount without bindings gets 403 everywhere, except discovery', async () => {
    const r = await kubectl(tokens.random, 'get', 'services');
    expect(r.stderr).toContain(
      'services is forbidden: User "system:serviceaccount:default:random" cannot list resource "services" in API group "" in the namespace "default"',
    );
    const lease = await failure(core(tokens.random).readNamespace({ name: 'default' }));
    expect(lease.code).toBe(403);
    const version = await kubectl(tokens.random, 'api-versions');
    expect(version.stdout).toContain('network.kubesphere.io/v1alpha2');
  });

  it('an unknown token gets 401', async () => {
    const r = await kubectl('not-a-token', 'get', 'services');
    expect(r.stderr).toContain('Unauthorized');
    expect((await failure(core('not-a-token').listNode())).code).toBe(401);
  });

  it('counts the denials per user', async () => {
    const report = await getJson(`${api.url}/__lab/authz`);
    expect(report).toEqual(api.denials());
    expect(report.byUser[SPEAKER]).toBeGreaterThanOrEqual(5);
    expect(report.byUser['system:serviceaccount:default:random']).toBeGreaterThanOrEqual(2);
    expect(report.byUser['']).toBeGreaterThanOrEqual(2);
  });
});
