import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, kubeConfigFor } from '../support/kube-http-fixtures.js';
import { mergePatchCall, patchPath } from '../../src/kube/merge-patch-http.js';
import { patcherFrom, type ObjectRef } from '../../src/kube/status.js';

const svc: ObjectRef = { group: '', version: 'v1', plural: 'services', namespace: 'ns', name: 'web' };
const eip: ObjectRef = { group: 'network.kubesphere.io', version: 'v1alpha2', plural: 'eips', name: 'e 1' };

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  await closeServer(s);
});

async function listen(
  handler: (req: IncomingMessage, body: string) => [number, string] | undefined,
): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const answer = handler(req, body);
      if (answer === undefined) return; // silent: never answers
      res.writeHead(answer[0], { 'content-type': 'application/json' }).end(answer[1]);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

describe('lean merge patch call', () => {
  it('builds the API path of core Services, Nodes and custom objects, and refuses other core kinds', () => {
    expect(patchPath(svc, 'status')).toBe('/api/v1/namespaces/ns/services/web/status');
    expect(patchPath({ group: '', version: 'v1', plural: 'nodes', name: 'n1' }, '')).toBe('/api/v1/nodes/n1');
    expect(patchPath(eip, 'status')).toBe('/apis/network.kubesphere.io/v1alpha2/eips/e%201/status');
    expect(patchPath({ ...eip, namespace: 'x' }, '')).toBe(
      '/apis/network.kubesphere.io/v1alpha2/namespaces/x/eips/e%201',
    );
    const pods = patchPath({ group: '', version: 'v1', plural: 'pods', namespace: 'ns', name: 'p' }, '');
    expect(pods).toBeInstanceOf(Error);
  });

  it('keeps the server URL path prefix and returns the parsed answer', async () => {
    const seen: string[] = [];
    const url = await listen((req, body) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${req.headers.authorization ?? ''} ${body}`);
      return [200, '{"metadata":{"name":"web","creationTimestamp":"2026-01-01T00:00:00Z"}}'];
    });
    const patcher = patcherFrom(mergePatchCall(kubeConfigFor(`${url}/k8s/clusters/c1/`)));
    const res = await patcher.patchObject(
      svc,
      { metadata: { labels: { a: 'b' } } },
      { resourceVersion: '5' },
    );
    expect(res).toEqual({
      kind: 'ok',
      object: { metadata: { name: 'web', creationTimestamp: '2026-01-01T00:00:00Z' } },
    });
    expect(seen).toEqual([
      'PATCH /k8s/clusters/c1/api/v1/namespaces/ns/services/web?fieldManager=openelb-manager Bearer t0k ' +
        '{"metadata":{"labels":{"a":"b"},"resourceVersion":"5"}}',
    ]);
  });

  it('reaches an IPv6 literal server and follows a kubeconfig whose server changes', async () => {
    const seen: string[] = [];
    server = createServer((req, res) => {
      seen.push(`${req.headers.host ?? ''} ${req.url ?? ''}`);
      req.resume();
      req.on('end', () => res.writeHead(200).end('{}'));
    });
    await new Promise<void>((resolve) => server?.listen(0, '::1', resolve));
    const port = String((server.address() as AddressInfo).port);
    const kc = kubeConfigFor(`http://[::1]:${port}`);
    const call = mergePatchCall(kc);
    await expect(call(svc, 'status', {})).resolves.toEqual({});
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new Error('no cluster');
    (cluster as { server: string }).server = `http://[::1]:${port}/prefix`;
    await expect(call(svc, '', {})).resolves.toEqual({});
    expect(seen).toEqual([
      `[::1]:${port} /api/v1/namespaces/ns/services/web/status?fieldManager=openelb-manager`,
      `[::1]:${port} /prefix/api/v1/namespaces/ns/services/web?fieldManager=openelb-manager`,
    ]);
  });

  it('classifies error answers, bad JSON and silence as values', async () => {
    const answers: ([number, string] | undefined)[] = [
      [409, '{"kind":"Status","reason":"Conflict","message":"the object has been modified","code":409}'],
      [422, '{"kind":"Status","reason":"Invalid","message":"bad ingress","code":422}'],
      [503, 'upstream down'],
      [200, 'not json'],
      undefined,
    ];
    const url = await listen(() => answers.shift());
    const patcher = patcherFrom(mergePatchCall(kubeConfigFor(url), { timeoutMs: 50 }));
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await patcher.patchStatus(svc, { status: {} }));
    expect(results[0]).toEqual({ kind: 'conflict', message: 'the object has been modified' });
    expect(results[1]).toMatchObject({
      kind: 'error',
      reason: 'http_422',
      status: 422,
      message: 'bad ingress',
    });
    expect(results[2]).toMatchObject({ kind: 'error', reason: 'http_503', status: 503 });
    expect(results[3]).toMatchObject({ kind: 'error', reason: 'unknown', message: /not JSON/ });
    expect(results[4]).toMatchObject({ kind: 'error', reason: 'network', message: /no answer within 50 ms/ });
  });
});
