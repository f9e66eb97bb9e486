// What a request gets back: content negotiation (JSON, meta.k8s.io Table, PartialObjectMetadata) for
// plain responses and for watch streams, and the HTTP side of a watch.

import type { IncomingMessage, ServerResponse } from 'node:http';
import * as E from './errors.js';
import type { Target } from './handlers.js';
import type { ServerDeps } from './server.js';
import type { Obj } from './store.js';
import { renderTable, type IncludeObject } from './table.js';
import { startWatch, type EventFormatter } from './watch.js';

/** Write a JSON response once; warnings become `Warning: 299` headers like a real server's. */
export function send(res: ServerResponse, code: number, body: unknown, warnings?: readonly string[]): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  const headers: Record<string, string | number | string[]> = {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Content-Length': Buffer.byteLength(text),
  };
  // Real servers report dropped unknown fields and deprecations as RFC 7234 warnings (299).
  if (warnings !== undefined && warnings.length > 0)
    headers['Warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

/** The negotiated representation of a response. */
export type Representation =
  { kind: 'json' } | { kind: 'table'; includeObject: IncludeObject } | { kind: 'metadata' };

/** Pick the representation from the Accept header (kubectl get asks for as=Table). */
export function representation(req: IncomingMessage, q: URLSearchParams): Representation {
  const accept = req.headers.accept ?? '';
  for (const alt of accept.split(',')) {
    const params = alt.split(';').map((p) => p.trim());
    const as = params.find((p) => p.startsWith('as='))?.slice(3);
    const g = params.find((p) => p.startsWith('g='))?.slice(2);
    if (g !== 'meta.k8s.io') continue;
    if (as === 'Table') {
      const inc = q.get('includeObject');
      return { kind: 'table', includeObject: inc === 'None' || inc === 'Object' ? inc : 'Metadata' };
    }
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { kind: 'metadata' };
  }
  return { kind: 'json' };
}

/** Convert a successful body to the negotiated representation. */
export function shape(deps: ServerDeps, t: Target, body: unknown, repr: Representation): unknown {
  if (repr.kind === 'json' || typeof body !== 'object' || body === null) return body;
  const b = body as Obj;
  if (b['kind'] === 'Status') return body;
  const isList = Array.isArray(b['items']);
  const items = isList ? (b['items'] as Obj[]) : [b];
  const listMeta = (
    isList ? b['metadata'] : { resourceVersion: (b['metadata'] as Obj | undefined)?.['resourceVersion'] }
  ) as {
    resourceVersion?: string;
    continue?: string;
  };
  if (repr.kind === 'table') {
    return renderTable(
      { resource: t.def.plural, columns: t.def.columns },
      items,
      listMeta,
      repr.includeObject,
      deps.now(),
    );
  }
  const partial = items.map((o) => ({
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: o['metadata'],
  }));
  return isList
    ? { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, items: partial }
    : partial[0];
}

/** In a burst of events, the shortest time between two socket writes of one watch. */
const WATCH_FLUSH_MS = 4;
/**
 * Once a flush carried at least WATCH_BURST_BATCH events, the next waits this long instead: in a
 * burst (1,000 Services: ~12,000 watch events in a few seconds) fewer, larger writes cost the API
 * and every watcher less CPU, while a sparse stream (a lone change and its follow-ups) keeps the
 * WATCH_FLUSH_MS spacing, so single-change latency stays as it was.
 */
const WATCH_BURST_FLUSH_MS = 10;
const WATCH_BURST_BATCH = 4;

/** Serve a watch as a chunked stream of JSON lines until timeout, fault, client close or server stop. */
export function serveWatch(
  deps: ServerDeps,
  t: Target,
  q: URLSearchParams,
  repr: Representation,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const writeHead = (): void => {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
  };
  if (deps.faults.takeGone()) {
    writeHead();
    const rv = Number(q.get('resourceVersion') ?? '0');
    res.end(
      `${JSON.stringify({ type: 'ERROR', object: E.expired(Number.isFinite(rv) ? rv : 0, deps.store.currentRv) })}\n`,
    );
    return;
  }
  let format: EventFormatter | undefined;
  if (repr.kind === 'table') {
    const inc = repr.includeObject;
    format = (o, kind) =>
      renderTable(
        { resource: t.def.plural, columns: t.def.columns },
        kind === 'bookmark' ? [] : [o],
        { resourceVersion: String((o['metadata'] as Obj)['resourceVersion']) },
        inc,
        deps.now(),
      );
  } else if (repr.kind === 'metadata') {
    format = (o) => ({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: o['metadata'],
    });
  }
  let lastFlush = -Infinity;
  let batch = 0;
  let spacing = WATCH_FLUSH_MS;
  const flush = (): void => {
    lastFlush = performance.now();
    spacing = batch >= WATCH_BURST_BATCH ? WATCH_BURST_FLUSH_MS : WATCH_FLUSH_MS;
    batch = 0;
    res.uncork();
  };
  const sink = {
    write: (line: string) => {
      if (res.destroyed || res.writableEnded) return;
      if (!res.headersSent) writeHead();
      // Events leave in batches: the first one after a quiet spell at the end of its I/O turn, then at
      // most one flush per WATCH_FLUSH_MS (WATCH_BURST_FLUSH_MS after a large batch) while events keep
      // coming (a burst of writes). The bytes and chunks on the wire are the same; socket writes were
      // most of the API's CPU in bursts.
      if (res.writableCorked === 0) {
        res.cork();
        const wait = lastFlush + spacing - performance.now();
        if (wait <= 0) setImmediate(flush);
        else setTimeout(flush, wait).unref();
      }
      batch++;
      res.write(line);
    },
    end: () => {
      if (!res.headersSent) writeHead();
      res.end();
    },
  };
  const started = startWatch(
    { store: deps.store, bookmarkIntervalMs: deps.bookmarkIntervalMs, format },
    t,
    q,
    sink,
  );
  if (!started.ok) {
    send(res, started.status.code, started.status);
    return;
  }
  const w = started.value;
  if (res.writableEnded) return;
  deps.watches.add(w);
  if (!res.headersSent) {
    writeHead();
    res.flushHeaders();
  }
  const cleanup = (): void => {
    deps.watches.delete(w);
    w.stop();
  };
  req.on('close', cleanup);
  res.on('close', cleanup);
  res.on('finish', cleanup);
}
