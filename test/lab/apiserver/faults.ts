// Fault injection: rules that tests (in process) or the lab (over HTTP) arm, and the pure decision of
// what happens to one request. The server applies the decision; nothing here does I/O.

import * as E from './errors.js';

/** Which requests a rule applies to; every given field must match. `user` is the bearer token. */
export interface FaultMatch {
  user?: string;
  method?: string;
  pathIncludes?: string;
}

/** Fault controls, exposed by LocalApi.faults and over HTTP under /__lab/faults/<name>. */
export interface Faults {
  /** End every open watch stream now. */
  dropWatches(): void;
  /** The next `count` (default 1) watch requests get an ERROR event with a 410 Expired Status. */
  goneOnNextWatch(count?: number): void;
  /** The next `count` matching requests fail with `status` and a proper Status body. */
  failNext(count: number, status: number, match?: FaultMatch): void;
  /** Delay matching requests by `ms`; 0 clears every latency rule. */
  latency(ms: number, match?: FaultMatch): void;
  /** Matching requests get their connection destroyed (no response) until heal(). */
  partition(match: FaultMatch): void;
  /** Remove every partition. */
  heal(): void;
  /** Remove every rule of every kind. */
  clear(): void;
}

/** What the server must do with a request. */
export interface FaultDecision {
  readonly delayMs: number;
  readonly action:
    | { readonly kind: 'pass' }
    | { readonly kind: 'fail'; readonly status: E.StatusBody }
    | { readonly kind: 'destroy' };
}

/** The request attributes rules match on. */
export interface RequestInfo {
  readonly user: string;
  readonly method: string;
  readonly path: string;
}

function matches(m: FaultMatch | undefined, r: RequestInfo): boolean {
  if (m === undefined) return true;
  if (m.user !== undefined && m.user !== r.user) return false;
  if (m.method !== undefined && m.method.toUpperCase() !== r.method.toUpperCase()) return false;
  if (m.pathIncludes !== undefined && !r.path.includes(m.pathIncludes)) return false;
  return true;
}

/** Armed rules plus the decision function. `onDropWatches` is wired by the server. */
export class FaultState implements Faults {
  private failRules: { remaining: number; status: number; match: FaultMatch | undefined }[] = [];
  private latencyRules: { ms: number; match: FaultMatch | undefined }[] = [];
  private partitions: FaultMatch[] = [];
  private gone = 0;

  constructor(private readonly onDropWatches: () => void) {}

  dropWatches(): void {
    this.onDropWatches();
  }

  goneOnNextWatch(count = 1): void {
    this.gone += count;
  }

  failNext(count: number, status: number, match?: FaultMatch): void {
    if (count > 0) this.failRules.push({ remaining: count, status, match });
  }

  latency(ms: number, match?: FaultMatch): void {
    if (ms <= 0) this.latencyRules = [];
    else this.latencyRules.push({ ms, match });
  }

  partition(match: FaultMatch): void {
    this.partitions.push(match);
  }

  heal(): void {
    this.partitions = [];
  }

  clear(): void {
    this.failRules = [];
    this.latencyRules = [];
    this.partitions = [];
    this.gone = 0;
  }

  /** Decide the fate of one request, consuming one use of the first matching failNext rule. */
  decide(r: RequestInfo): FaultDecision {
    const delayMs = this.latencyRules.filter((l) => matches(l.match, r)).reduce((sum, l) => sum + l.ms, 0);
    if (this.partitions.some((p) => matches(p, r))) return { delayMs, action: { kind: 'destroy' } };
    const rule = this.failRules.find((f) => f.remaining > 0 && matches(f.match, r));
    if (rule !== undefined) {
      rule.remaining -= 1;
      this.failRules = this.failRules.filter((f) => f.remaining > 0);
      return { delayMs, action: { kind: 'fail', status: E.forCode(rule.status) } };
    }
    return { delayMs, action: { kind: 'pass' } };
  }

  /** True (and consumed) when the next watch must be answered with 410. */
  takeGone(): boolean {
    if (this.gone <= 0) return false;
    this.gone -= 1;
    return true;
  }
}

function isMatch(v: unknown): v is FaultMatch | undefined {
  if (v === undefined) return true;
  if (typeof v !== 'object' || v === null) return false;
  return Object.entries(v).every(
    ([k, x]) => ['user', 'method', 'pathIncludes'].includes(k) && typeof x === 'string',
  );
}

/**
 * Apply an HTTP fault command: POST /__lab/faults/<action> with a JSON body.
 *   dropWatches {}                      goneOnNextWatch {"count"?: n}
 *   failNext {"count", "status", "match"?}  latency {"ms", "match"?}
 *   partition {"match"}                 heal {}            clear {}
 * Returns an error message for bad input, or undefined on success.
 */
export function applyFaultCommand(f: Faults, action: string, body: unknown): string | undefined {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const num = (k: string): number | undefined => (typeof b[k] === 'number' ? b[k] : undefined);
  const match = b['match'];
  if (!isMatch(match)) return 'match must be an object with string fields user, method, pathIncludes';
  switch (action) {
    case 'dropWatches':
      f.dropWatches();
      return undefined;
    case 'goneOnNextWatch':
      f.goneOnNextWatch(num('count') ?? 1);
      return undefined;
    case 'failNext': {
      const count = num('count');
      const status = num('status');
      if (count === undefined || status === undefined) return 'failNext needs numeric count and status';
      f.failNext(count, status, match);
      return undefined;
    }
    case 'latency': {
      const ms = num('ms');
      if (ms === undefined) return 'latency needs numeric ms';
      f.latency(ms, match);
      return undefined;
    }
    case 'partition':
      if (match === undefined) return 'partition needs a match';
      f.partition(match);
      return undefined;
    case 'heal':
      f.heal();
      return undefined;
    case 'clear':
      f.clear();
      return undefined;
    default:
      return `unknown fault action ${JSON.stringify(action)}`;
  }
}
