import {
  ApiException,
  CoordinationV1Api,
  Observable,
  type ConfigurationOptions,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';

/**
 * A Lease as it travels on the wire, with MicroTime fields as strings. We keep our own plain type
 * rather than client-node's V1Lease classes, whose Date-typed times would hide the exact text we
 * send (the API server requires six fractional digits) and whose deserializer leaves them strings anyway.
 */
export interface LeaseObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  /** Everything else in metadata (labels, uid, ...) is kept, so a replace never drops it. */
  readonly metadata?: LeaseMetadata;
  readonly spec?: LeaseSpecObject;
}

/** ObjectMeta: the fields we read, plus whatever else the server sent. */
export type LeaseMetadata = Readonly<Record<string, unknown>> & {
  readonly name?: string;
  readonly namespace?: string;
  readonly resourceVersion?: string;
};

/** coordination.k8s.io/v1 LeaseSpec, the fields leader election uses. */
export interface LeaseSpecObject {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions?: number;
}

/** Reading the lease: found, absent, or failed (never thrown). */
export type LeaseReadResult =
  | { readonly kind: 'found'; readonly lease: LeaseObject }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'error'; readonly reason: string };

/** Writing the lease: written, lost a race (409: someone else wrote first), or failed. */
export type LeaseWriteResult =
  | { readonly kind: 'ok'; readonly lease: LeaseObject }
  | { readonly kind: 'conflict'; readonly reason: string }
  | { readonly kind: 'error'; readonly reason: string };

/**
 * The narrow Lease API the elector needs, bound to one Lease (client-go's resourcelock.Interface
 * without the record conversion). Every call honours its AbortSignal so a hung request cannot
 * outlive the renew deadline.
 */
export interface LeaseApi {
  /** `namespace/name`, for logs. */
  readonly description: string;
  get(signal: AbortSignal): Promise<LeaseReadResult>;
  create(spec: LeaseSpecObject, signal: AbortSignal): Promise<LeaseWriteResult>;
  /** PUT with `metadata.resourceVersion` from the read it is based on: a stale version gets 409. */
  replace(lease: LeaseObject, signal: AbortSignal): Promise<LeaseWriteResult>;
}

function statusMessage(body: unknown): string | undefined {
  const parsed: unknown = typeof body === 'string' ? safeJson(body) : body;
  if (typeof parsed === 'object' && parsed !== null && 'message' in parsed) {
    const { message } = parsed;
    if (typeof message === 'string') return message;
  }
  return undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A short, precise reason for a failed call; ApiException's own message embeds headers. */
export function describeError(err: unknown, signal?: AbortSignal): string {
  if (signal?.aborted === true) return 'request aborted (deadline or shutdown)';
  if (err instanceof ApiException) {
    const code = (err as ApiException<unknown>).code;
    return `HTTP ${code}: ${statusMessage((err as ApiException<unknown>).body) ?? 'no message'}`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

function httpCode(err: unknown): number | undefined {
  return err instanceof ApiException ? (err as ApiException<unknown>).code : undefined;
}

/**
 * Per-call options that attach the AbortSignal to the fetch client-node makes. The object-parameter
 * API hands these options to the Observable layer unchanged, hence Observable middleware.
 */
function withSignal(signal: AbortSignal): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (ctx) => {
          ctx.setSignal(signal);
          return new Observable(Promise.resolve(ctx));
        },
        post: (ctx) => new Observable(Promise.resolve(ctx)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** client-node returns MicroTime fields as strings at runtime despite the declared Date type. */
function timeText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  return undefined;
}

/** Converts client-node's V1Lease to the plain wire shape. */
export function fromV1Lease(lease: V1Lease): LeaseObject {
  const { metadata, spec } = lease;
  return {
    apiVersion: lease.apiVersion,
    kind: lease.kind,
    // Copy every field (labels, uid, ...) so the next replace sends them back unchanged.
    metadata: metadata === undefined ? undefined : { ...(metadata as Readonly<Record<string, unknown>>) },
    spec: spec && {
      holderIdentity: spec.holderIdentity,
      leaseDurationSeconds: spec.leaseDurationSeconds,
      acquireTime: timeText(spec.acquireTime),
      renewTime: timeText(spec.renewTime),
      leaseTransitions: spec.leaseTransitions,
    },
  };
}

/**
 * The body client-node sends. Its serializer passes fields of the unregistered V1MicroTime type
 * through untouched, so our six-digit strings reach the wire exactly as written.
 */
function toV1Lease(lease: LeaseObject): V1Lease {
  return lease as unknown as V1Lease;
}

/** The Lease API over @kubernetes/client-node's CoordinationV1Api for one namespaced Lease. */
export function kubeLeaseApi(kc: KubeConfig, namespace: string, name: string): LeaseApi {
  const api = kc.makeApiClient(CoordinationV1Api);
  const write = async (signal: AbortSignal, call: () => Promise<V1Lease>): Promise<LeaseWriteResult> => {
    try {
      return { kind: 'ok', lease: fromV1Lease(await call()) };
    } catch (err) {
      const reason = describeError(err, signal);
      return httpCode(err) === 409 ? { kind: 'conflict', reason } : { kind: 'error', reason };
    }
  };
  return {
    description: `${namespace}/${name}`,
    async get(signal) {
      try {
        const lease = await api.readNamespacedLease({ name, namespace }, withSignal(signal));
        return { kind: 'found', lease: fromV1Lease(lease) };
      } catch (err) {
        if (httpCode(err) === 404) return { kind: 'not-found' };
        return { kind: 'error', reason: describeError(err, signal) };
      }
    },
    create(spec, signal) {
      const body = toV1Lease({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec,
      });
      return write(signal, () => api.createNamespacedLease({ namespace, body }, withSignal(signal)));
    },
    replace(lease, signal) {
      const body = toV1Lease(lease);
      return write(signal, () => api.replaceNamespacedLease({ name, namespace, body }, withSignal(signal)));
    },
  };
}
