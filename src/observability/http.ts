/**
 * The observability HTTP endpoint of a role: `/metrics` (Prometheus text), `/healthz` (the process
 * serves requests) and `/readyz` (the role's own readiness check). Bind it with `--metrics-addr`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';

/** What the endpoint serves. */
export interface ObservabilityServerOptions {
  readonly metrics: Metrics;
  /** Readiness: true = 200, false = 503. */
  readonly ready: () => boolean;
  /** Liveness beyond "the event loop answers"; default always true. */
  readonly healthy?: () => boolean;
}

/** A listening endpoint. */
export interface ObservabilityServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** Parses `host:port`, `:port` or `port` (host defaults to all interfaces). */
export function parseListenAddress(text: string): { host: string; port: number } | { error: string } {
  const i = text.lastIndexOf(':');
  const hostPart = i < 0 ? '' : text.slice(0, i);
  const portPart = i < 0 ? text : text.slice(i + 1);
  const port = Number(portPart);
  if (!/^\d{1,5}$/.test(portPart) || port > 65535) {
    return {
      error: `"${text}" is not a listen address: write :50052, 127.0.0.1:50052 or 0 for any free port`,
    };
  }
  const host = hostPart.replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** Starts the endpoint on `host:port`; rejects when the address cannot be bound. */
export async function startObservabilityServer(
  host: string,
  port: number,
  opts: ObservabilityServerOptions,
): Promise<ObservabilityServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const text = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    if (path === '/metrics') {
      opts.metrics.text().then(
        (body) => {
          res.writeHead(200, { 'content-type': opts.metrics.contentType });
          res.end(body);
        },
        (err: unknown) => {
          text(500, `metrics failed: ${err instanceof Error ? err.message : String(err)}\n`);
        },
      );
      return;
    }
    if (path === '/healthz' || path === '/livez') {
      const ok = opts.healthy?.() ?? true;
      text(ok ? 200 : 503, ok ? 'ok\n' : 'unhealthy\n');
      return;
    }
    if (path === '/readyz') {
      const ok = opts.ready();
      text(ok ? 200 : 503, ok ? 'ok\n' : 'not ready\n');
      return;
    }
    text(404, 'not found: try /metrics, /healthz or /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
