/**
 * The webhook's HTTPS endpoint: AdmissionReview v1 on the paths of {@link WEBHOOK_PATHS}, `/healthz`
 * for probes. Garbage bodies get a 400 and never crash anything. The serving certificate can be
 * replaced while running (rotation) without dropping the listener.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../observability/logger.js';
import { parseReview, review, reviewResponse, type ReviewDeps } from './review.js';

const MAX_BODY = 3 * 1024 * 1024;

/** A PEM certificate chain and its private key. */
export interface ServingCert {
  readonly cert: string;
  readonly key: string;
}

/** Where and what to serve. */
export interface WebhookServerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: ServingCert;
  readonly deps: ReviewDeps;
  readonly log: Logger;
}

/** A listening webhook endpoint. */
export interface WebhookServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Serve `tls` to new connections from now on. */
  setCertificate(tls: ServingCert): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks));
    });
    req.on('error', () => {
      resolve(undefined);
    });
  });
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${body}\n`);
}

async function handle(opts: WebhookServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path === '/healthz' && req.method === 'GET') {
    text(res, 200, 'ok');
    return;
  }
  if (req.method !== 'POST') {
    text(res, 405, `use POST with an AdmissionReview on ${path}`);
    return;
  }
  const raw = await readBody(req);
  if (raw === undefined) {
    text(res, 400, 'the body could not be read or is larger than 3 MiB');
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    text(res, 400, `the body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  const parsed = parseReview(body);
  if (!parsed.ok) {
    text(res, 400, parsed.error);
    return;
  }
  const verdict = review(path, parsed.request, opts.deps);
  if (verdict === undefined) {
    text(res, 404, `no webhook is served on ${path}`);
    return;
  }
  opts.log.debug(
    {
      event: verdict.allowed ? 'admission_allowed' : 'admission_denied',
      path,
      operation: parsed.request.operation,
      name: parsed.request.name,
      ...(verdict.allowed ? {} : { reason: verdict.message }),
    },
    'admission review',
  );
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(reviewResponse(parsed.request.uid, verdict)));
}

/** Listen on `host:port` until `signal` aborts (or close() is called); rejects when the address cannot be bound. */
export async function startWebhookServer(
  opts: WebhookServerOptions,
  signal: AbortSignal,
): Promise<WebhookServer> {
  const server: Server = createServer({ cert: opts.tls.cert, key: opts.tls.key }, (req, res) => {
    handle(opts, req, res).catch((err: unknown) => {
      opts.log.error(
        { event: 'admission_failed', err: err instanceof Error ? err.message : String(err) },
        'admission review failed',
      );
      if (!res.headersSent) text(res, 500, 'internal error');
      else res.destroy();
    });
  });
  // A TLS handshake from a caller that does not trust us yet is not our failure.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
    return closing;
  };
  signal.addEventListener('abort', () => void close(), { once: true });
  if (signal.aborted) await close();
  return {
    port: (server.address() as AddressInfo).port,
    setCertificate: (tls) => {
      server.setSecureContext({ cert: tls.cert, key: tls.key });
    },
    close,
  };
}
