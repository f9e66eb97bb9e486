import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { reuseConnections } from '../../src/kube/connection-reuse.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** A fake API answering every request with an empty NamespaceList; counts TCP connections. */
async function fakeApi(): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [] }));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${String(port)}`, connections: () => connections };
}

function kubeConfig(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function listTimes(kc: KubeConfig, n: number): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < n; i++) await core.listNamespace();
}

describe('reuseConnections', () => {
  it('sends sequential requests over one connection', async () => {
    const api = await fakeApi();
    await listTimes(reuseConnections(kubeConfig(api.url)), 10);
    expect(api.connections()).toBe(1);
  });

  it('is needed: client-node alone opens a connection per request', async () => {
    const api = await fakeApi();
    await listTimes(kubeConfig(api.url), 10);
    expect(api.connections()).toBe(10);
  });

  it('keeps separate connections for separately configured KubeConfigs', async () => {
    const api = await fakeApi();
    await listTimes(reuseConnections(kubeConfig(api.url)), 3);
    await listTimes(reuseConnections(kubeConfig(api.url)), 3);
    expect(api.connections()).toBe(2);
  });
});
