// The validating webhook end to end: the local API calls `openelb-manager controller` (a real child
// process, the shipped bundle copied where no node_modules is reachable: build first with `npm run build`) through the
// openelb-webhook Service's Endpoints, and the real kubectl shows what users see. The controller
// issues its certificates into the Secret, patches the caBundle, rejects bad objects; when it is
// down only Eip/BgpConf/BgpPeer writes fail, with a clear message; after a restart it reuses the Secret.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';
import { webhookService } from './webhook-config.js';
import { standaloneBundle } from '../support/standalone-bundle.js';

const app = standaloneBundle();
const CLI = app.cli;
const run = promisify(execFile);

let api: LocalApi;
let dir: string;
let port: number;
let controller: { child: ChildProcess; exited: Promise<void>; log: string[] } | undefined;

async function kubectl(...args: string[]): Promise<{ out: string; code: number }> {
  try {
    const r = await run(
      'kubectl',
      ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
      { timeout: 20_000 },
    );
    return { out: r.stdout + r.stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { out: (e.stdout ?? '') + (e.stderr ?? ''), code: e.code ?? 1 };
  }
}

let files = 0;
/** `kubectl create -f` of `docs` written as YAML. */
async function create(...docs: unknown[]): Promise<{ out: string; code: number }> {
  const file = join(dir, `obj-${++files}.yaml`);
  writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
  return kubectl('create', '-f', file);
}

async function get<T>(path: string): Promise<T | undefined> {
  const res = await fetch(`${api.url}${path}`, { headers: { authorization: 'Bearer admin' } });
  return res.ok ? ((await res.json()) as T) : undefined;
}

const eip = (name: string, address: string, annotations?: Record<string, string>): unknown => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: { name, ...(annotations === undefined ? {} : { annotations }) },
  spec: { address },
});

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => {
        done(p);
      });
    });
  });
}

function startController(): NonNullable<typeof controller> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'controller',
      '--kubeconfig',
      join(dir, 'kubeconfig'),
      '--leader-elect=false',
      '--metrics-addr=',
      '--webhook-addr',
      `127.0.0.1:${port}`,
    ],
    { env: { ...process.env, POD_NAMESPACE: 'openelb-system' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const log: string[] = [];
  child.stderr.on('data', (c: Buffer) => log.push(c.toString()));
  const exited = new Promise<void>((done) =>
    child.on('exit', () => {
      done();
    }),
  );
  return { child, exited, log };
}

async function stopController(signal: NodeJS.Signals): Promise<void> {
  if (controller === undefined) return;
  controller.child.kill(signal);
  await controller.exited;
  controller = undefined;
}

interface Secret {
  data: Record<string, string>;
}
const secret = (): Promise<Secret | undefined> =>
  get<Secret>('/api/v1/namespaces/openelb-system/secrets/openelb-webhook-cert');

async function caBundles(): Promise<string[]> {
  const cfg = await get<{ webhooks: { clientConfig: { caBundle?: string } }[] }>(
    '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/openelb-webhook',
  );
  return (cfg?.webhooks ?? []).map((w) => w.clientConfig.caBundle ?? '');
}

/** Creates `obj` until the webhook is past its start-up (cache not synced yet); returns the final answer. */
async function createWhenReady(obj: unknown): Promise<{ out: string; code: number }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await create(obj);
    const starting = /not loaded the existing Eips yet|connection refused|unknown authority/.test(r.out);
    if (!starting || Date.now() > deadline) return r;
    await new Promise((d) => setTimeout(d, 100));
  }
}

async function statusSeen(name: string): Promise<void> {
  let seen = false;
  const deadline = Date.now() + 10_000;
  while (!seen && Date.now() < deadline) {
    const e = await get<{ status?: { poolSize?: number } }>(
      `/apis/network.kubesphere.io/v1alpha2/eips/${name}`,
    );
    seen = e?.status?.poolSize !== undefined;
    if (!seen) await new Promise((d) => setTimeout(d, 50));
  }
  expect(seen, `controller wrote status of ${name}`).toBe(true);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'webhook-e2e-'));
  api = await startLocalApi();
  api.writeKubeconfig(join(dir, 'kubeconfig'));
  port = await freePort();
  // The shipped manifests (deploy/webhook/), plus the Endpoints a real cluster's controller would write.
  const webhookDir = resolve(import.meta.dirname, '../../deploy/webhook');
  for (const f of ['validatingwebhookconfiguration.yaml', 'service.yaml']) {
    const r = await kubectl('create', '-f', join(webhookDir, f));
    expect(r.code, r.out).toBe(0);
  }
  expect((await create(webhookService(port).endpoints)).code).toBe(0);
  controller = startController();
}, 30_000);

afterAll(async () => {
  await stopController('SIGKILL');
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
  app.remove();
});

describe('validating webhook end to end (controller process + local API + kubectl)', () => {
  it('issues the certificate Secret and patches every caBundle', async () => {
    let bundles: string[] = [];
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      bundles = await caBundles();
      if (bundles.length === 3 && bundles.every((b) => b !== '')) break;
      await new Promise((d) => setTimeout(d, 100));
    }
    const s = await secret();
    expect(s?.data['ca.crt']).toBeDefined();
    expect(bundles).toEqual([s?.data['ca.crt'], s?.data['ca.crt'], s?.data['ca.crt']]);
  }, 20_000);

  it('accepts a valid Eip and rejects an overlapping one, naming the other Eip', async () => {
    const ok = await createWhenReady(eip('pool-a', '10.0.0.0/24'));
    expect(ok.out).toContain('eip.network.kubesphere.io/pool-a created');
    await statusSeen('pool-a');
    const overlap = await create(eip('pool-b', '10.0.0.200-10.0.1.10'));
    expect(overlap.code).not.toBe(0);
    expect(overlap.out).toContain(
      'admission webhook "validate.eip.network.kubesphere.io" denied the request: spec.address 10.0.0.200-10.0.1.10 overlaps Eip "pool-a" (10.0.0.0/24) on 10.0.0.200-10.0.0.255',
    );
  }, 30_000);

  it('rejects an Eip of addresses no Service can use, saying why', async () => {
    const r = await create(eip('loopback', '127.0.0.0/30'));
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(
      'admission webhook "validate.eip.network.kubesphere.io" denied the request: Eip "loopback" is invalid: spec.address: "127.0.0.0/30" includes 127.0.0.0/8 (loopback), which cannot be a Service IP',
    );
  });

  it('allows one default Eip per family; a dual-stack Service gets an IP from each', async () => {
    const first = await create(
      eip('def-a', '10.1.0.0/24', { 'eip.openelb.kubesphere.io/is-default-eip': 'true' }),
    );
    expect(first.code).toBe(0);
    await statusSeen('def-a');
    const second = await create(
      eip('def-b', '10.2.0.0/24', { 'eip.openelb.kubesphere.io/is-default-eip': 'true' }),
    );
    expect(second.code).not.toBe(0);
    expect(second.out).toContain(
      'only one IPv4 Eip may be the default: Eip "def-a" already has the annotation',
    );
    const v6 = await create(
      eip('def-v6', '2001:db8:5::/120', { 'eip.openelb.kubesphere.io/is-default-eip': 'true' }),
    );
    expect(v6.code, v6.out).toBe(0);
    const dual = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'dual',
        namespace: 'default',
        annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb' },
      },
      spec: {
        type: 'LoadBalancer',
        ipFamilyPolicy: 'RequireDualStack',
        ipFamilies: ['IPv4', 'IPv6'],
        ports: [{ port: 80 }],
      },
    };
    expect((await create(dual)).code).toBe(0);
    let ips = '';
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !/^10\.1\.0\.\d+ 2001:db8:5::/.test(ips)) {
      ips = (await kubectl('get', 'svc', 'dual', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}')).out;
      await new Promise((d) => setTimeout(d, 100));
    }
    expect(ips).toMatch(/^10\.1\.0\.\d+ 2001:db8:5::[0-9a-f]+$/);
  }, 20_000);

  it('rejects an address change', async () => {
    const r = await kubectl(
      'patch',
      'eip',
      'pool-a',
      '--type',
      'merge',
      '-p',
      '{"spec":{"address":"10.0.0.0/23"}}',
    );
    expect(r.code).not.toBe(0);
    // The CRD's CEL transition rule refuses it before the webhook is asked (as on a real server);
    // the webhook's own rule (unit-tested) covers clusters that do not run CEL.
    expect(r.out).toContain('spec.address is immutable');
    // Other changes go through.
    expect(
      (await kubectl('patch', 'eip', 'pool-a', '--type', 'merge', '-p', '{"spec":{"disable":true}}')).code,
    ).toBe(0);
  });

  it('rejects a bad BgpPeer', async () => {
    const r = await create({
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpPeer',
      metadata: { name: 'tor' },
      spec: { conf: { peerAs: 65001, neighborAddress: '192.0.2.300' } },
    });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(
      'admission webhook "validate.bgppeer.network.kubesphere.io" denied the request: BgpPeer "tor" is invalid: spec.conf.neighborAddress',
    );
  });

  it('warns (kubectl prints it) about a BgpPeer whose nodeSelector matches no Node, and creates it', async () => {
    expect(
      (await create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'w1', labels: { rack: 'r1' } } }))
        .code,
    ).toBe(0);
    const peer = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpPeer',
      metadata: { name: 'rack9' },
      spec: {
        conf: { peerAs: 65009, neighborAddress: '192.0.2.9' },
        nodeSelector: { matchLabels: { rack: 'r9' } },
      },
    };
    // The controller's Node cache may lag the create by a moment: retry with new names until it speaks.
    let out = '';
    for (let i = 0; i < 20 && !out.includes('Warning:'); i++) {
      const r = await create({ ...peer, metadata: { name: `rack9-${String(i)}` } });
      expect(r.code, r.out).toBe(0);
      out = r.out;
    }
    expect(out).toContain(
      'Warning: spec.nodeSelector: matches none of the 1 Node(s): no speaker peers with 192.0.2.9 until a Node has those labels',
    );
  });

  it('with the controller down, Eip writes fail clearly and nothing else is affected; a restart reuses the Secret', async () => {
    const before = await secret();
    await stopController('SIGKILL');
    const down = await create(eip('while-down', '10.9.0.0/24'));
    expect(down.code).not.toBe(0);
    expect(down.out).toContain(
      `Internal error occurred: failed calling webhook "validate.eip.network.kubesphere.io": failed to call webhook: Post "https://openelb-webhook.openelb-system.svc:443/validate-network-kubesphere-io-v1alpha2-eip?timeout=5s": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    );
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        namespace: 'default',
        annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb' },
      },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
    };
    expect((await create(svc)).code).toBe(0);
    expect((await kubectl('create', 'configmap', 'still-works', '--from-literal=a=b')).code).toBe(0);
    expect((await kubectl('create', 'namespace', 'still-works')).code).toBe(0);
    expect((await kubectl('delete', 'eip', 'def-a', '--wait=false')).code).toBe(0);

    controller = startController();
    const back = await createWhenReady(eip('after-restart', '10.9.0.0/24'));
    expect(back.out).toContain('eip.network.kubesphere.io/after-restart created');
    const after = await secret();
    expect(after?.data['ca.crt']).toBe(before?.data['ca.crt']);
    expect(after?.data['tls.crt']).toBe(before?.data['tls.crt']);
  }, 40_000);
});
