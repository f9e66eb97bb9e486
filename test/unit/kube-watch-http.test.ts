import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, kubeConfigFor } from '../support/kube-http-fixtures.js';
import { httpWatchFn, lineSplitter, watchRequestOptions } from '../../src/kube/watch-http.js';

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  await closeServer(s);
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('watch over node http', () => {
  it('splits LF and CRLF lines across chunks, including multi-chunk lines', () => {
    const lines: string[] = [];
    const feed = lineSplitter((l) => lines.push(l));
    feed('{"a":');
    feed('1}\r\n{"b":2}\n\n{"c"');
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
    feed(':3}\n');
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('builds the watch query like client-node (watch=true, undefined values left out)', () => {
    const o = watchRequestOptions('https://[2001:db8::1]:6443/prefix', '/api/v1/services', {
      resourceVersion: '12',
      allowWatchBookmarks: true,
      labelSelector: undefined,
    });
    expect(o).toMatchObject({
      protocol: 'https:',
      hostname: '2001:db8::1',
      port: '6443',
      method: 'GET',
      path: '/prefix/api/v1/services?watch=true&resourceVersion=12&allowWatchBookmarks=true',
    });
  });

  it('delivers events with the credentials, skips bad lines, and reports the close once', async () => {
    const seen: string[] = [];
    const url = await listen((req, res) => {
      seen.push(`${req.url ?? ''} ${req.headers.authorization ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MOD');
      setTimeout(() => {
        res.end('IFIED","object":{"metadata":{"name":"ä"}}}\nnot json\nnull\n');
      }, 5);
    });
    const events: string[] = [];
    const done = deferred<unknown>();
    const dones: unknown[] = [];
    const watch = httpWatchFn(kubeConfigFor(url));
    await watch(
      '/api/v1/services',
      { resourceVersion: '7' },
      (type, obj) => events.push(`${type} ${(obj as { metadata: { name: string } }).metadata.name}`),
      (err) => {
        dones.push(err);
        done.resolve(err);
      },
    );
    expect(await done.promise).toBeNull();
    expect(events).toEqual(['ADDED a', 'MODIFIED ä']);
    expect(dones).toHaveLength(1);
    expect(seen).toEqual(['/api/v1/services?watch=true&resourceVersion=7 Bearer t0k']);
  });

  it('ends a non-200 answer with an error carrying statusCode, and abort ends a stream as closed', async () => {
    let calls = 0;
    const url = await listen((_req, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(403).end('{"kind":"Status"}');
      else res.writeHead(200).write('{"type":"ADDED","object":{}}\n'); // stays open
    });
    const watch = httpWatchFn(kubeConfigFor(url));
    const failed = deferred<unknown>();
    await watch('/api/v1/services', {}, () => undefined, failed.resolve);
    const err = await failed.promise;
    expect(err).toBeInstanceOf(Error);
    expect((err as { statusCode: number }).statusCode).toBe(403);

    const first = deferred<undefined>();
    const dones: unknown[] = [];
    const handle = await watch(
      '/api/v1/services',
      {},
      () => {
        first.resolve(undefined);
      },
      (e) => dones.push(e),
    );
    await first.promise;
    handle.abort();
    handle.abort();
    expect(dones).toEqual([null]);
  });

  it('reports a refused connection as an error with a string code', async () => {
    const url = await listen(() => undefined);
    const s = server;
    server = undefined;
    await new Promise<void>((resolve) =>
      s?.close(() => {
        resolve();
      }),
    );
    const done = deferred<unknown>();
    await httpWatchFn(kubeConfigFor(url))('/api/v1/services', {}, () => undefined, done.resolve);
    expect((await done.promise) as { code?: unknown }).toMatchObject({ code: 'ECONNREFUSED' });
  });
});
