import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeConfig } from '@kubernetes/client-node';
import { closeServer, kubeConfigFor } from '../support/kube-http-fixtures.js';
import { mergePatchCall } from '../../src/kube/merge-patch-http.js';
import type { ObjectRef } from '../../src/kube/status.js';

const svc: ObjectRef = { group: '', version: 'v1', plural: 'services', namespace: 'ns', name: 'web' };

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  await closeServer(s);
});

/** A server answering `{}` that records each request's Authorization header. */
async function recordingServer(seen: string[]): Promise<string> {
  server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? '');
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

/** Counts applyToHTTPSOptions calls and lets a test change the token or make the next call fail. */
function instrument(kc: KubeConfig): {
  calls: () => number;
  token: (t: string) => void;
  failNext: () => void;
} {
  let calls = 0;
  let fail = false;
  const original = kc.applyToHTTPSOptions.bind(kc);
  kc.applyToHTTPSOptions = async (opts) => {
    calls++;
    if (fail) {
      fail = false;
      throw new Error('exec credential plugin failed');
    }
    await original(opts);
  };
  return {
    calls: () => calls,
    token: (t) => {
      const user = kc.getCurrentUser() as { token?: string } | null;
      if (user !== null) user.token = t;
    },
    failNext: () => {
      fail = true;
    },
  };
}

describe('lean merge patch credentials', () => {
  it('applies the KubeConfig once per TTL, shared by concurrent writes, and picks up a new token after it', async () => {
    const seen: string[] = [];
    const kc = kubeConfigFor(await recordingServer(seen));
    const probe = instrument(kc);
    let now = 0;
    const call = mergePatchCall(kc, { credentialsTtlMs: 1000, now: () => now });
    await Promise.all([call(svc, '', {}), call(svc, 'status', {}), call(svc, '', {})]);
    expect(probe.calls()).toBe(1);
    probe.token('r0tated');
    now = 999;
    await call(svc, '', {});
    expect(probe.calls()).toBe(1);
    now = 1000;
    await call(svc, '', {});
    expect(probe.calls()).toBe(2);
    expect(seen).toEqual(['Bearer t0k', 'Bearer t0k', 'Bearer t0k', 'Bearer t0k', 'Bearer r0tated']);
  });

  it('applies them again at once for another server', async () => {
    const seen: string[] = [];
    const url = await recordingServer(seen);
    const kc = kubeConfigFor(url);
    const probe = instrument(kc);
    const call = mergePatchCall(kc, { now: () => 0 });
    await call(svc, '', {});
    const cluster = kc.getCurrentCluster() as { server: string } | null;
    if (cluster === null) throw new Error('no cluster');
    cluster.server = `${url}/`;
    await call(svc, '', {});
    expect(probe.calls()).toBe(2);
  });

  it('does not keep a failed application: the next write tries again', async () => {
    const seen: string[] = [];
    const kc = kubeConfigFor(await recordingServer(seen));
    const probe = instrument(kc);
    const call = mergePatchCall(kc, { now: () => 0 });
    probe.failNext();
    await expect(call(svc, '', {})).rejects.toThrow('exec credential plugin failed');
    await expect(call(svc, '', {})).resolves.toEqual({});
    expect(probe.calls()).toBe(2);
    expect(seen).toEqual(['Bearer t0k']);
  });
});
