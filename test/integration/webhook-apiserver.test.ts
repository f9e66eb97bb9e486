// The local Kubernetes API calls validating webhooks like kube-apiserver: AdmissionReview v1 over
// HTTPS verified against caBundle, to a URL or to a Service through its Endpoints/EndpointSlices,
// with kube-apiserver's denial and failure wording, failurePolicy, timeouts and selectors. The
// webhook here is the controller's real HTTPS server, in process.
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  generateCa,
  generateServing,
  serviceDnsNames,
  type KeyPairPem,
} from '../../src/controller/webhook/certs.js';
import { startWebhookServer, type WebhookServer } from '../../src/controller/webhook/server.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';
import { webhookConfiguration, webhookService } from './webhook-config.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const NAMES = serviceDnsNames('openelb-system', 'openelb-webhook');
const VWC = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
const EIPS = '/apis/network.kubesphere.io/v1alpha2/eips';

let api: LocalApi;
let ca: KeyPairPem;
let caB64: string;
let hook: WebhookServer | undefined;
const reviews: unknown[] = [];

interface Answer {
  status: number;
  body: { message?: string; reason?: string; code?: number; metadata?: { name?: string } };
  warnings: string | null;
}

async function send(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<Answer> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: 'Bearer admin', 'content-type': contentType },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: res.status,
    body: (await res.json()) as Answer['body'],
    warnings: res.headers.get('warning'),
  };
}

const eip = (name: string, address: string, version = 'v1alpha2'): Record<string, unknown> => ({
  apiVersion: `network.kubesphere.io/${version}`,
  kind: 'Eip',
  metadata: { name },
  spec: { address },
});
// The CRD schema lets '192.0.2.300' through (IP characters); only the webhook knows it is no address.
const peer = (name: string, neighborAddress: string): Record<string, unknown> => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpPeer',
  metadata: { name },
  spec: { conf: { peerAs: 65001, neighborAddress } },
});

async function startHook(): Promise<WebhookServer> {
  const serving = await generateServing(ca, NAMES, Date.now(), 3600_000);
  hook = await startWebhookServer(
    {
      host: '127.0.0.1',
      port: 0,
      tls: serving,
      deps: {
        listEips: () => {
          reviews.push('list');
          return [eip('existing', '10.0.0.0/24')];
        },
        listNodes: () => [
          { metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '10.2.0.7' }] } },
        ],
      },
      log: silentLogger(),
    },
    new AbortController().signal,
  );
  return hook;
}

async function install(cfg: Record<string, unknown>): Promise<void> {
  await send('DELETE', `${VWC}/openelb-webhook`);
  const r = await send('POST', VWC, cfg);
  expect(r.status).toBe(201);
}

async function routeService(port: number): Promise<void> {
  const { service, endpoints } = webhookService(port);
  await send('DELETE', '/api/v1/namespaces/openelb-system/services/openelb-webhook');
  await send('DELETE', '/api/v1/namespaces/openelb-system/endpoints/openelb-webhook');
  expect((await send('POST', '/api/v1/namespaces/openelb-system/services', service)).status).toBe(201);
  expect((await send('POST', '/api/v1/namespaces/openelb-system/endpoints', endpoints)).status).toBe(201);
}

beforeAll(async () => {
  api = await startLocalApi({ crdDir: join(repo, 'deploy', 'crds') });
  ca = await generateCa(Date.now(), 3600_000);
  caB64 = Buffer.from(ca.cert).toString('base64');
});

afterEach(async () => {
  await hook?.close();
  hook = undefined;
  await send('DELETE', `${VWC}/openelb-webhook`);
  await send('DELETE', `${VWC}/configmaps-hook`);
});

afterAll(async () => {
  await api.stop();
});

describe('local API: validating webhooks', () => {
  it('calls a url webhook and verifies its certificate against the URL host', async () => {
    const h = await startHook();
    await install(webhookConfiguration({ url: `https://127.0.0.1:${h.port}`, caBundle: caB64 }));
    // The certificate names the Service, not 127.0.0.1: a url webhook must present the URL's host.
    const wrongHost = await send('POST', EIPS, eip('u1', '10.1.0.0/24'));
    expect(wrongHost.status).toBe(500);
    expect(wrongHost.body.message).toContain('x509: certificate is not valid for 127.0.0.1');
  });

  it('routes a service webhook through the Endpoints object; denies, allows, warns', async () => {
    const h = await startHook();
    await routeService(h.port);
    await install(webhookConfiguration({ caBundle: caB64 }));
    const denied = await send('POST', EIPS, eip('s1', '10.0.0.128/25'));
    expect(denied.status).toBe(403);
    expect(denied.body.reason).toBe('Forbidden');
    expect(denied.body.message).toMatch(
      /^admission webhook "validate.eip.network.kubesphere.io" denied the request: spec.address 10.0.0.128\/25 overlaps Eip "existing"/,
    );
    expect((await send('GET', `${EIPS}/s1`)).status).toBe(404);

    const overNode = await send('POST', EIPS, eip('s2', '10.2.0.0/24', 'v1alpha1'));
    expect(overNode.status).toBe(201);
    expect(overNode.warnings).toContain("contains Nodes' own addresses: 10.2.0.7 (Node n1)");
    const bad = await send('POST', '/apis/network.kubesphere.io/v1alpha2/bgppeers', peer('p', '192.0.2.300'));
    expect(bad.status).toBe(403);
    expect(bad.body.message).toContain(
      'admission webhook "validate.bgppeer.network.kubesphere.io" denied the request: BgpPeer "p" is invalid',
    );

    const conf = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpConf',
      metadata: { name: 'not-default' },
      spec: { as: 65000, listenPort: 17900 },
    };
    const warned = await send('POST', '/apis/network.kubesphere.io/v1alpha2/bgpconfs', conf);
    expect(warned.status).toBe(201);
    expect(warned.warnings).toContain('rename it to');
  });

  it('dryRun=All calls the webhook too, and stores nothing either way', async () => {
    const h = await startHook();
    await routeService(h.port);
    await install(webhookConfiguration({ caBundle: caB64 }));
    expect((await send('POST', `${EIPS}?dryRun=All`, eip('d1', '10.0.0.1'))).status).toBe(403);
    expect((await send('POST', `${EIPS}?dryRun=All`, eip('d2', '10.3.0.1'))).status).toBe(201);
    expect((await send('GET', `${EIPS}/d2`)).status).toBe(404);
  });

  it('routes through an EndpointSlice when there is no Endpoints object', async () => {
    const h = await startHook();
    await routeService(h.port);
    await send('DELETE', '/api/v1/namespaces/openelb-system/endpoints/openelb-webhook');
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'openelb-webhook-x1',
        namespace: 'openelb-system',
        labels: { 'kubernetes.io/service-name': 'openelb-webhook' },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'webhook', port: h.port, protocol: 'TCP' }],
    };
    expect(
      (await send('POST', '/apis/discovery.k8s.io/v1/namespaces/openelb-system/endpointslices', slice))
        .status,
    ).toBe(201);
    await install(webhookConfiguration({ caBundle: caB64 }));
    expect((await send('POST', EIPS, eip('e1', '10.0.0.9'))).status).toBe(403);
    await send(
      'DELETE',
      '/apis/discovery.k8s.io/v1/namespaces/openelb-system/endpointslices/openelb-webhook-x1',
    );
  });

  it('when the webhook is down: Eip writes fail with the clear message, everything else works', async () => {
    const h = await startHook();
    await routeService(h.port);
    await install(webhookConfiguration({ caBundle: caB64 }));
    expect((await send('POST', EIPS, eip('keep', '10.4.0.0/24'))).status).toBe(201);
    await h.close();
    const down = await send('POST', EIPS, eip('down', '10.5.0.0/24'));
    expect(down.status).toBe(500);
    expect(down.body.reason).toBe('InternalError');
    expect(down.body.message).toBe(
      `Internal error occurred: failed calling webhook "validate.eip.network.kubesphere.io": failed to call webhook: Post "https://openelb-webhook.openelb-system.svc:443/validate-network-kubesphere-io-v1alpha2-eip?timeout=5s": dial tcp 127.0.0.1:${h.port}: connect: connection refused`,
    );
    // Not intercepted: status, deletes, and every other kind.
    const status = await send(
      'PATCH',
      `${EIPS}/keep/status`,
      { status: { usage: 0 } },
      'application/merge-patch+json',
    );
    expect(status.status).toBe(200);
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { ports: [{ port: 80 }] },
    };
    expect((await send('POST', '/api/v1/namespaces/default/services', svc)).status).toBe(201);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } };
    expect((await send('POST', '/api/v1/namespaces/default/configmaps', cm)).status).toBe(201);
    expect(
      (
        await send('POST', '/api/v1/namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'free' },
        })
      ).status,
    ).toBe(201);
    expect((await send('DELETE', `${EIPS}/keep`)).status).toBe(200);
  });

  it('names the missing endpoints and the untrusted certificate', async () => {
    const h = await startHook();
    await send('DELETE', '/api/v1/namespaces/openelb-system/endpoints/openelb-webhook');
    await install(webhookConfiguration({ caBundle: caB64 }));
    const { service } = webhookService(h.port);
    await send('POST', '/api/v1/namespaces/openelb-system/services', service);
    const none = await send('POST', EIPS, eip('n1', '10.6.0.1'));
    expect(none.status).toBe(500);
    expect(none.body.message).toMatch(
      /validate-network-kubesphere-io-v1alpha2-eip\?timeout=5s": no endpoints available for service "openelb-webhook"$/,
    );

    await routeService(h.port);
    await install(webhookConfiguration({})); // caBundle not patched yet
    const untrusted = await send('POST', EIPS, eip('n2', '10.6.0.2'));
    expect(untrusted.status).toBe(500);
    expect(untrusted.body.message).toContain('x509: certificate signed by unknown authority');
  });

  it('failurePolicy Ignore lets the write through; timeoutSeconds is honoured', async () => {
    const serving = await generateServing(ca, NAMES, Date.now(), 3600_000);
    // A webhook that accepts the connection and never answers.
    const hang: Server = createHttpsServer({ cert: serving.cert, key: serving.key }, () => undefined);
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      await routeService((hang.address() as AddressInfo).port);
      await install(webhookConfiguration({ caBundle: caB64, timeoutSeconds: 1, failurePolicy: 'Ignore' }));
      const t0 = Date.now();
      expect((await send('POST', EIPS, eip('i1', '10.7.0.1'))).status).toBe(201);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      await install(webhookConfiguration({ caBundle: caB64, timeoutSeconds: 1 }));
      const slow = await send('POST', EIPS, eip('i2', '10.7.0.2'));
      expect(slow.status).toBe(500);
      expect(slow.body.message).toMatch(
        /validate-network-kubesphere-io-v1alpha2-eip\?timeout=1s": context deadline exceeded$/,
      );
    } finally {
      hang.closeAllConnections();
      await new Promise((r) => hang.close(r));
    }
  });

  it('matches core resources and honours objectSelector / namespaceSelector (matchLabels)', async () => {
    const h = await startHook();
    const cfg = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'configmaps-hook' },
      webhooks: [
        {
          name: 'cm.example.com',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          // Our server has no handler on this path: a call fails, which is what we observe.
          clientConfig: { url: `https://127.0.0.1:${h.port}/validate-configmaps`, caBundle: caB64 },
          rules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] },
          ],
          objectSelector: { matchLabels: { checked: 'yes' } },
          namespaceSelector: {
            matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['default'] }],
          },
        },
      ],
    };
    expect((await send('POST', VWC, cfg)).status).toBe(201);
    const cm = (name: string, labels: Record<string, string>): unknown => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels },
    });
    const hit = await send('POST', '/api/v1/namespaces/default/configmaps', cm('hit', { checked: 'yes' }));
    expect(hit.status).toBe(500);
    expect(hit.body.message).toContain('failed calling webhook "cm.example.com"');
    expect(
      (await send('POST', '/api/v1/namespaces/default/configmaps', cm('miss', { checked: 'no' }))).status,
    ).toBe(201);
    expect(
      (await send('POST', '/api/v1/namespaces/kube-public/configmaps', cm('other-ns', { checked: 'yes' })))
        .status,
    ).toBe(201);
  });
});
