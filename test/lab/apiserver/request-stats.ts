/**
 * Request tally of the local API, for benchmarks: how many requests each client made per verb and
 * resource, and how long the API took to answer them. Served at GET /__lab/requests; POST resets it.
 * Keyed by the client's address because every lab process uses the same admin token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parsePath } from './routes.js';

/** One row of the tally. */
export interface RequestRow {
  readonly client: string;
  readonly method: string;
  /** `plural[/subresource]`, `watch plural`, or the path kind for non-resource paths. */
  readonly resource: string;
  count: number;
  /** Sum of the time from request to response end, in ms (watches: until the response ended). */
  totalMs: number;
  maxMs: number;
}

/** What GET /__lab/requests returns. */
export interface RequestReport {
  readonly sinceMs: number;
  readonly rows: readonly RequestRow[];
}

function resourceOf(req: IncomingMessage): string {
  try {
    // Split by hand rather than through URL: this runs for every request the API serves.
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const route = parsePath(q < 0 ? raw : raw.slice(0, q));
    if (route.kind !== 'resource') return route.kind;
    const query = q < 0 ? '' : raw.slice(q + 1);
    const watchParam = query.includes('watch') && new URLSearchParams(query).get('watch') === 'true';
    const watch = route.watchPrefix || watchParam ? 'watch ' : '';
    return `${watch}${route.plural}${route.subresource === '' ? '' : `/${route.subresource}`}`;
  } catch {
    return 'malformed';
  }
}

export class RequestStats {
  #rows = new Map<string, RequestRow>();
  #since = performance.now();

  /** Counts `req` and times it until `res` finishes or closes. */
  observe(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const resource = resourceOf(req);
    if (resource === 'requestStats') return;
    const client = req.socket.remoteAddress ?? 'unknown';
    const key = `${client} ${method} ${resource}`;
    let row = this.#rows.get(key);
    if (row === undefined) {
      row = { client, method, resource, count: 0, totalMs: 0, maxMs: 0 };
      this.#rows.set(key, row);
    }
    row.count++;
    const current = row;
    res.once('close', () => {
      const ms = performance.now() - started;
      current.totalMs += ms;
      current.maxMs = Math.max(current.maxMs, ms);
    });
  }

  report(): RequestReport {
    const rows = [...this.#rows.values()].map((r) => ({
      ...r,
      totalMs: Math.round(r.totalMs),
      maxMs: Math.round(r.maxMs),
    }));
    return { sinceMs: Math.round(performance.now() - this.#since), rows };
  }

  reset(): void {
    this.#rows = new Map();
    this.#since = performance.now();
  }
}
