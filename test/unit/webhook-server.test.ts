import { request } from 'node:https';
import { connect } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  generateCa,
  generateServing,
  serviceDnsNames,
  type KeyPairPem,
} from '../../src/controller/webhook/certs.js';
import { startWebhookServer, type WebhookServer } from '../../src/controller/webhook/server.js';
import { WEBHOOK_PATHS } from '../../src/controller/webhook/review.js';
import { silentLogger } from '../../src/observability/logger.js';

const HOST = 'openelb-webhook.openelb-system.svc';
let ca: KeyPairPem;
let serving: KeyPairPem;
let server: WebhookServer | undefined;
let eips: unknown[] | undefined = [];

beforeAll(async () => {
  ca = await generateCa(Date.now(), 3600_000);
  serving = await generateServing(
    ca,
    serviceDnsNames('openelb-system', 'openelb-webhook'),
    Date.now(),
    3600_000,
  );
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  eips = [];
});

async function start(): Promise<WebhookServer> {
  server = await startWebhookServer(
    { host: '127.0.0.1', port: 0, tls: serving, deps: { listEips: () => eips }, log: silentLogger() },
    new AbortController().signal,
  );
  return server;
}

function call(
  port: number,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, ca: ca.cert, servername: HOST, agent: false },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const reviewOf = (object: unknown, operation = 'CREATE', uid = 'u-1'): string =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid, operation, object },
  });

const eip = (name: string, address: string): unknown => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: { name },
  spec: { address },
});

describe('webhook HTTPS server', () => {
  it('answers AdmissionReview v1 with the uid echoed: allowed, and denied with status.message', async () => {
    const s = await start();
    eips = [eip('a', '10.0.0.0/24')];
    const ok = await call(
      s.port,
      'POST',
      WEBHOOK_PATHS.eip,
      reviewOf(eip('b', '10.0.1.0/24'), 'CREATE', 'uid-ok'),
    );
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'uid-ok', allowed: true },
    });
    const no = await call(
      s.port,
      'POST',
      `${WEBHOOK_PATHS.eip}?timeout=5s`,
      reviewOf(eip('c', '10.0.0.7'), 'CREATE', 'uid-no'),
    );
    const body = JSON.parse(no.text) as {
      response: { uid: string; allowed: boolean; status: { message: string; code: number } };
    };
    expect(body.response.uid).toBe('uid-no');
    expect(body.response.allowed).toBe(false);
    expect(body.response.status.code).toBe(403);
    expect(body.response.status.message).toContain('overlaps Eip "a" (10.0.0.0/24)');
  });

  it('routes BgpPeer and BgpConf paths and passes warnings on', async () => {
    const s = await start();
    const peer = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpPeer',
      metadata: { name: 'p' },
      spec: { conf: { peerAs: 0, neighborAddress: '192.0.2.1' } },
    };
    const denied = JSON.parse((await call(s.port, 'POST', WEBHOOK_PATHS.bgppeer, reviewOf(peer))).text) as {
      response: { allowed: boolean };
    };
    expect(denied.response.allowed).toBe(false);
    const conf = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpConf',
      metadata: { name: 'other' },
      spec: { as: 65000, listenPort: 17900 },
    };
    const warned = JSON.parse((await call(s.port, 'POST', WEBHOOK_PATHS.bgpconf, reviewOf(conf))).text) as {
      response: { allowed: boolean; warnings: string[] };
    };
    expect(warned.response.allowed).toBe(true);
    expect(warned.response.warnings.join()).toContain('rename it to "default"');
  });

  it('denies Eips until the controller cache has synced (an empty cache would miss overlaps)', async () => {
    const s = await start();
    eips = undefined;
    const r = JSON.parse(
      (await call(s.port, 'POST', WEBHOOK_PATHS.eip, reviewOf(eip('b', '10.0.1.0/24')))).text,
    ) as { response: { allowed: boolean; status: { message: string } } };
    expect(r.response.allowed).toBe(false);
    expect(r.response.status.message).toContain('retry in a few seconds');
  });

  it.each([
    ['not JSON', '{nope', 400, 'not JSON'],
    ['not an AdmissionReview', '{"kind":"Pod"}', 400, 'expected apiVersion admission.k8s.io/v1'],
    [
      'no uid',
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}',
      400,
      'uid is missing',
    ],
    ['a JSON array', '[]', 400, 'must be a JSON AdmissionReview object'],
  ])('400 on %s, and keeps serving', async (_what, body, status, text) => {
    const s = await start();
    const r = await call(s.port, 'POST', WEBHOOK_PATHS.eip, body);
    expect(r.status).toBe(status);
    expect(r.text).toContain(text);
    expect((await call(s.port, 'GET', '/healthz')).status).toBe(200);
  });

  it('404 on unknown paths, 405 on GET of a webhook path', async () => {
    const s = await start();
    expect((await call(s.port, 'POST', '/validate-services', reviewOf({}))).status).toBe(404);
    expect((await call(s.port, 'GET', WEBHOOK_PATHS.eip)).status).toBe(405);
  });

  it("serves OpenELB 0.6's Eip path, and the paths of earlier releases during an upgrade", async () => {
    const s = await start();
    eips = [eip('a', '10.0.0.0/24')];
    expect(WEBHOOK_PATHS.eip).toBe('/validate-network-kubesphere-io-v1alpha2-eip');
    for (const path of [WEBHOOK_PATHS.eip, '/validate-eip']) {
      const r = JSON.parse((await call(s.port, 'POST', path, reviewOf(eip('c', '10.0.0.7')))).text) as {
        response: { allowed: boolean; status: { message: string } };
      };
      expect(r.response.allowed).toBe(false);
      expect(r.response.status.message).toContain('overlaps Eip "a"');
    }
  });

  it('serves a new certificate to new connections after setCertificate (rotation without restart)', async () => {
    const s = await start();
    const fingerprint = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const sock = connect({ host: '127.0.0.1', port: s.port, ca: ca.cert, servername: HOST }, () => {
          resolve(sock.getPeerCertificate().fingerprint256);
          sock.end();
        });
        sock.on('error', reject);
      });
    const before = await fingerprint();
    const next = await generateServing(
      ca,
      serviceDnsNames('openelb-system', 'openelb-webhook'),
      Date.now(),
      7200_000,
    );
    s.setCertificate(next);
    const after = await fingerprint();
    expect(after).not.toBe(before);
    expect((await call(s.port, 'GET', '/healthz')).text).toBe('ok\n');
  });

  it('stops when its signal aborts', async () => {
    const ac = new AbortController();
    const s = await startWebhookServer(
      { host: '127.0.0.1', port: 0, tls: serving, deps: { listEips: () => [] }, log: silentLogger() },
      ac.signal,
    );
    ac.abort();
    await s.close();
    await expect(call(s.port, 'GET', '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });
});
