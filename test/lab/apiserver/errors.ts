// Status bodies exactly as kube-apiserver shapes them (k8s.io/apimachinery/pkg/api/errors), so that
// clients that inspect `reason`, `code` and `details` behave as they do against a real cluster.

import type { StatusCause } from './schema/index.js';

/** metav1.Status with status=Failure. */
export interface StatusBody {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

/** Identifies a resource in messages: `services`, `leases.coordination.k8s.io`. */
export interface ResourceRef {
  readonly group: string;
  readonly plural: string;
}

/** A result that carries either a value or a ready-to-send Status. */
export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: StatusBody };

/** Wrap a value as a successful Result. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Wrap a Status as a failed Result. */
export function fail<T>(status: StatusBody): Result<T> {
  return { ok: false, status };
}

/** Build a Failure Status; `details` is omitted when empty, like the real server. */
export function status(code: number, reason: string, message: string, details?: StatusDetails): StatusBody {
  const base = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
  } as const;
  return details === undefined ? { ...base, code } : { ...base, details, code };
}

function qualified(ref: ResourceRef): string {
  return ref.group === '' ? ref.plural : `${ref.plural}.${ref.group}`;
}

function detailsFor(ref: ResourceRef, name: string): StatusDetails {
  return ref.group === '' ? { name, kind: ref.plural } : { name, group: ref.group, kind: ref.plural };
}

/** 404 `services "x" not found`. */
export function notFound(ref: ResourceRef, name: string): StatusBody {
  return status(404, 'NotFound', `${qualified(ref)} "${name}" not found`, detailsFor(ref, name));
}

/** 409 `services "x" already exists`. */
export function alreadyExists(ref: ResourceRef, name: string): StatusBody {
  return status(409, 'AlreadyExists', `${qualified(ref)} "${name}" already exists`, detailsFor(ref, name));
}

/** 409 on a stale resourceVersion precondition. */
export function conflict(ref: ResourceRef, name: string): StatusBody {
  return status(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(ref)} "${name}": the object has been modified; ` +
      'please apply your changes to the latest version and try again',
    detailsFor(ref, name),
  );
}

/** 422 `Kind.group "name" is invalid: field: message, field: message`. */
export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: readonly StatusCause[],
): StatusBody {
  const what = group === '' ? kind : `${kind}.${group}`;
  // utilerrors.NewAggregate: one error prints bare, several print as "[a, b]" with duplicates dropped.
  const texts = [...new Set(causes.map((c) => (c.field === '' ? c.message : `${c.field}: ${c.message}`)))];
  const summary = texts.length === 1 ? (texts[0] ?? '') : `[${texts.join(', ')}]`;
  const details: StatusDetails =
    group === '' ? { name, kind, causes: [...causes] } : { name, group, kind, causes: [...causes] };
  return status(422, 'Invalid', `${what} "${name}" is invalid: ${summary}`, details);
}

/** 400 BadRequest without details. */
export function badRequest(message: string): StatusBody {
  return status(400, 'BadRequest', message);
}

/** 405 for a verb the resource does not support. */
export function methodNotAllowed(): StatusBody {
  return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

/** 415 for a PATCH content type the server does not understand. */
export function unsupportedMediaType(contentType: string): StatusBody {
  return status(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType})`,
  );
}

/** 404 for a path that names no known resource. */
export function pathNotFound(): StatusBody {
  return status(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 410 for a watch that starts before the retained history; real watch caches say "Expired". */
export function expired(requested: number, oldest: number): StatusBody {
  return status(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

/** Generic status for fault injection: a plausible reason per HTTP code. */
export function forCode(code: number, message = 'injected fault'): StatusBody {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Expired',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return status(code, reasons[code] ?? 'Unknown', message);
}
