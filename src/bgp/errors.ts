/**
 * Typed errors of the gobgp client. Every failure a caller can see is a GobgpError whose `kind`
 * says what to do about it: `unavailable` (gobgpd down or restarting: retry later),
 * `deadline-exceeded`, `invalid-argument` and `unknown` (gobgp reports most validation failures
 * with code 2 UNKNOWN; `detail` carries its message; a few known messages are refined to
 * `not-found`, `already-exists`, `failed-precondition`), `invalid-input` (refused before any RPC,
 * e.g. a loopback next hop), `aborted` (the caller's AbortSignal), `closed` (client closed).
 */
import { Code, ConnectError } from '@connectrpc/connect';

/** Discriminant of GobgpError. */
export type GobgpErrorKind =
  | 'unavailable'
  | 'deadline-exceeded'
  | 'invalid-argument'
  | 'not-found'
  | 'already-exists'
  | 'failed-precondition'
  | 'unimplemented'
  | 'internal'
  | 'unknown'
  | 'aborted'
  | 'closed'
  | 'invalid-input';

/** An error from the gobgp client; see the module comment for the kinds. */
export class GobgpError extends Error {
  override readonly name = 'GobgpError';

  constructor(
    readonly kind: GobgpErrorKind,
    /** The RPC or helper that failed, e.g. `AddPath`. */
    readonly operation: string,
    /** The server's (or our validator's) own message, without prefixes. */
    readonly detail: string,
    /** The gRPC status code, when the error came from the wire. */
    readonly grpcCode?: number,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${kind}: ${detail}`, options);
  }
}

const KIND_BY_CODE: ReadonlyMap<Code, GobgpErrorKind> = new Map([
  [Code.Unavailable, 'unavailable'],
  [Code.DeadlineExceeded, 'deadline-exceeded'],
  [Code.InvalidArgument, 'invalid-argument'],
  [Code.NotFound, 'not-found'],
  [Code.AlreadyExists, 'already-exists'],
  [Code.FailedPrecondition, 'failed-precondition'],
  [Code.Unimplemented, 'unimplemented'],
  [Code.Internal, 'internal'],
  [Code.Unknown, 'unknown'],
  [Code.Aborted, 'aborted'],
  // The caller's own aborts are handled before this table; a CANCEL the caller did not ask for
  // means the HTTP/2 connection went away under the call (gobgpd killed or restarting).
  [Code.Canceled, 'unavailable'],
]);

// gobgp 3.10 reports these with code 2 UNKNOWN; the kinds let callers stay idempotent without
// parsing messages themselves. Pinned by test/integration/bgp-client.test.ts against a real gobgpd.
const KIND_BY_GOBGP_MESSAGE: readonly (readonly [RegExp, GobgpErrorKind])[] = [
  [/^can't delete a peer configuration for /, 'not-found'],
  [/^can't overwrite the existing peer/, 'already-exists'],
  [/^bgp server hasn't started yet/, 'failed-precondition'],
];

/** Maps anything a connect call can throw to a GobgpError (idempotent on GobgpErrors). */
export function toGobgpError(operation: string, err: unknown, signal?: AbortSignal): GobgpError {
  if (err instanceof GobgpError) return err;
  if (signal?.aborted === true) {
    return new GobgpError('aborted', operation, 'aborted by the caller', Code.Canceled, { cause: err });
  }
  if (err instanceof ConnectError) {
    // A refused or reset connection surfaces as Unavailable; connect maps some socket errors to
    // Internal/Unknown with a Node error code in the cause, so look there too.
    const byMessage =
      err.code === Code.Unknown ? KIND_BY_GOBGP_MESSAGE.find(([re]) => re.test(err.rawMessage)) : undefined;
    const kind = isConnectionFailure(err)
      ? 'unavailable'
      : (byMessage?.[1] ?? KIND_BY_CODE.get(err.code) ?? 'unknown');
    return new GobgpError(kind, operation, err.rawMessage, err.code, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new GobgpError('unknown', operation, message, undefined, { cause: err });
}

const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTCONN',
  'ERR_HTTP2_GOAWAY_SESSION',
]);

function isConnectionFailure(err: ConnectError): boolean {
  if (err.code === Code.Unavailable) return true;
  let cause: unknown = err.cause;
  for (let depth = 0; depth < 4 && cause instanceof Error; depth++) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== undefined && CONNECTION_ERRNOS.has(code)) return true;
    cause = cause.cause;
  }
  return false;
}
