// The local API serving a connection accepted elsewhere (the lab's unix socket relay) exactly as one
// on its port, and watchers of one resource sharing the serialisation of each event without any
// watcher seeing different bytes.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';

let api: LocalApi | undefined;
let relay: Server | undefined;
let dir: string | undefined;
const open: IncomingMessage[] = [];

afterEach(async () => {
  for (const r of open.splice(0)) r.destroy();
  // The API first: it closes the relayed connections too, which the relay's close waits for.
  await api?.stop();
  const server = relay;
  if (server !== undefined)
    await new Promise<void>((r) => {
      server.close(() => {
        r();
      });
    });
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  api = undefined;
  relay = undefined;
  dir = undefined;
});

type Via = { port: number } | { socketPath: string };

function call(via: Via, method: string, path: string, body?: unknown): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...via,
        method,
        path,
        headers: { authorization: 'Bearer admin', 'content-type': 'application/json' },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function text(res: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of res) s += String(c);
  return s;
}

/** Collects a watch stream's raw lines. */
function lines(res: IncomingMessage): string[] {
  open.push(res);
  const out: string[] = [];
  let rest = '';
  res.on('data', (c: Buffer) => {
    const parts = (rest + c.toString()).split('\n');
    rest = parts.pop() ?? '';
    out.push(...parts);
  });
  return out;
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
}

async function setup(): Promise<{ tcp: Via; unix: Via }> {
  api = await startLocalApi({ crdDir: null });
  const local = api;
  dir = mkdtempSync(join(tmpdir(), 'api-accept-'));
  const socketPath = join(dir, 'api.sock');
  relay = createServer({ allowHalfOpen: true }, (s) => {
    local.acceptConnection(s);
  });
  const server = relay;
  await new Promise<void>((r) => server.listen(socketPath, r));
  return { tcp: { port: api.port }, unix: { socketPath } };
}

const cm = (name: string): unknown => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { k: 'v' },
});

describe('acceptConnection', () => {
  it('serves requests on an accepted unix socket with the same answers as on the port', async () => {
    const { tcp, unix } = await setup();
    const created = await call(unix, 'POST', '/api/v1/namespaces/default/configmaps', cm('a'));
    expect(created.statusCode).toBe(201);
    const viaUnix = JSON.parse(await text(created)) as { metadata: { resourceVersion: string } };
    const got = await call(tcp, 'GET', '/api/v1/namespaces/default/configmaps/a');
    expect(got.statusCode).toBe(200);
    expect(JSON.parse(await text(got))).toEqual(viaUnix);
    const again = await call(unix, 'POST', '/api/v1/namespaces/default/configmaps', cm('a'));
    expect(again.statusCode).toBe(409);
    expect(JSON.parse(await text(again))).toMatchObject({ kind: 'Status', reason: 'AlreadyExists' });
  });

  it('gives every plain watcher the same bytes, and other representations their own', async () => {
    const { tcp, unix } = await setup();
    const path = '/api/v1/namespaces/default/configmaps?watch=true';
    const a = lines(await call(tcp, 'GET', path));
    const b = lines(await call(unix, 'GET', path));
    const meta = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(
        {
          port: api?.port ?? 0,
          path,
          headers: {
            authorization: 'Bearer admin',
            accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
          },
        },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
    const m = lines(meta);
    for (const name of ['x', 'y']) {
      const r = await call(tcp, 'POST', '/api/v1/namespaces/default/configmaps', cm(name));
      expect(r.statusCode).toBe(201);
      await text(r);
    }
    await until(() => a.length === 2 && b.length === 2 && m.length === 2);
    expect(b).toEqual(a);
    const events = a.map((l) => JSON.parse(l) as { type: string; object: Record<string, unknown> });
    expect(events.map((e) => [e.type, (e.object['metadata'] as { name: string }).name])).toEqual([
      ['ADDED', 'x'],
      ['ADDED', 'y'],
    ]);
    expect(events[0]?.object).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { k: 'v' } });
    const partial = m.map((l) => JSON.parse(l) as { object: Record<string, unknown> });
    expect(partial[1]?.object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: events[1]?.object['metadata'],
    });
  });
});
