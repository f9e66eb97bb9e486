/**
 * A failed Kubernetes API call, reduced to what callers branch on. `reason` is low-cardinality
 * (safe as a metric label): `http_<status>`, `network`, `aborted` or `unknown`.
 */
export interface ApiFailure {
  readonly reason: string;
  /** HTTP status, when the server answered. */
  readonly status?: number;
  /** The Status reason the server gave (`Conflict`, `NotFound`, `Expired`, ...), when it gave one. */
  readonly statusReason?: string;
  /** A human-readable message (the server's Status message when there is one). */
  readonly message: string;
}

interface StatusBody {
  readonly message?: unknown;
  readonly reason?: unknown;
  readonly code?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Parses an ApiException body (a JSON string in client-node 1.x, sometimes already an object). */
function statusBody(body: unknown): StatusBody | undefined {
  if (isRecord(body)) return body;
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Classifies anything thrown by @kubernetes/client-node: ApiException (numeric `code`, `body`),
 * Watch errors (`statusCode`), node-fetch network errors (string `code` such as ECONNREFUSED),
 * abort errors. Never throws.
 */
export function classifyApiError(err: unknown): ApiFailure {
  const rec = isRecord(err) ? err : {};
  const name = typeof rec.name === 'string' ? rec.name : '';
  const rawMessage = err instanceof Error ? err.message : String(err);
  const status =
    typeof rec.code === 'number' ? rec.code : typeof rec.statusCode === 'number' ? rec.statusCode : undefined;
  if (status !== undefined) {
    const body = statusBody(rec.body);
    const message = typeof body?.message === 'string' ? body.message : firstLine(rawMessage);
    const statusReason = typeof body?.reason === 'string' ? body.reason : undefined;
    return statusReason === undefined
      ? { reason: `http_${status}`, status, message }
      : { reason: `http_${status}`, status, statusReason, message };
  }
  if (name === 'AbortError') return { reason: 'aborted', message: rawMessage };
  if (typeof rec.code === 'string' || name === 'FetchError' || rec.type === 'system') {
    return { reason: 'network', message: rawMessage };
  }
  return { reason: 'unknown', message: rawMessage };
}

/** ApiException messages carry the headers after the first lines; keep logs readable. */
function firstLine(message: string): string {
  const idx = message.indexOf('\n');
  return idx === -1 ? message : message.slice(0, idx);
}

/**
 * Reads a Status object delivered as a watch ERROR event (`{kind:'Status', code, reason, message}`).
 */
export function failureFromStatus(obj: unknown): ApiFailure {
  const body = statusBody(obj);
  const status = typeof body?.code === 'number' ? body.code : undefined;
  const message = typeof body?.message === 'string' ? body.message : 'watch ERROR event';
  const statusReason = typeof body?.reason === 'string' ? body.reason : undefined;
  const base = { reason: status === undefined ? 'unknown' : `http_${status}`, message };
  return {
    ...base,
    ...(status === undefined ? {} : { status }),
    ...(statusReason === undefined ? {} : { statusReason }),
  };
}
