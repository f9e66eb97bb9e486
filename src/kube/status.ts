import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { classifyApiError } from './api-errors.js';
import { reuseConnections } from './connection-reuse.js';
import { FIELD_MANAGER } from './constants.js';
import { mergePatchCall } from './merge-patch-http.js';

/** One object of a resource: `group` is '' for the core API; no namespace for cluster-scoped kinds. */
export interface ObjectRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespace?: string;
  readonly name: string;
}

/** The outcome of a write. Expected API answers are values, never exceptions. */
export type WriteResult<T = KubernetesObject> =
  | { readonly kind: 'ok'; readonly object: T }
  /** 409: our resourceVersion is stale; re-read from the cache and decide again. */
  | { readonly kind: 'conflict'; readonly message: string }
  | { readonly kind: 'notFound'; readonly message: string }
  | { readonly kind: 'error'; readonly reason: string; readonly status?: number; readonly message: string };

/** Options of a patch. */
export interface PatchOptions {
  /** Precondition: the write fails with `conflict` unless the object still has this resourceVersion. */
  readonly resourceVersion?: string;
}

/** JSON merge patches (RFC 7386) to objects and their /status subresource. */
export interface ObjectPatcher {
  /**
   * Patches the /status subresource. A merge patch replaces lists whole (e.g. conditions,
   * loadBalancer.ingress): send the complete list.
   */
  patchStatus<T = KubernetesObject>(
    ref: ObjectRef,
    patch: object,
    options?: PatchOptions,
  ): Promise<WriteResult<T>>;
  /**
   * Patches the object itself: labels, annotations, finalizers (send the complete finalizer list
   * with a resourceVersion precondition so a concurrent writer's finalizer is never dropped).
   */
  patchObject<T = KubernetesObject>(
    ref: ObjectRef,
    patch: object,
    options?: PatchOptions,
  ): Promise<WriteResult<T>>;
}

/**
 * The low-level call a patcher makes; the seam for tests and for kinds beyond the defaults. It resolves
 * with the object in wire form (plain JSON, timestamps as strings).
 */
export type PatchCall = (ref: ObjectRef, subresource: '' | 'status', body: object) => Promise<unknown>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Adds `metadata.resourceVersion` to a merge patch (the server then answers 409 if it is stale). */
export function withPrecondition(patch: object, resourceVersion: string | undefined): object {
  if (resourceVersion === undefined) return patch;
  const p = patch as Record<string, unknown>;
  const metadata = isRecord(p.metadata) ? p.metadata : {};
  return { ...p, metadata: { ...metadata, resourceVersion } };
}

/** Maps a thrown client error to a WriteResult. */
export function writeFailure(err: unknown): WriteResult<never> {
  const f = classifyApiError(err);
  if (f.status === 409) return { kind: 'conflict', message: f.message };
  if (f.status === 404) return { kind: 'notFound', message: f.message };
  return f.status === undefined
    ? { kind: 'error', reason: f.reason, message: f.message }
    : { kind: 'error', reason: f.reason, status: f.status, message: f.message };
}

/** A patcher over any PatchCall; results come back in wire form (plain JSON). */
export function patcherFrom(call: PatchCall): ObjectPatcher {
  const run = async <T>(
    ref: ObjectRef,
    sub: '' | 'status',
    patch: object,
    o?: PatchOptions,
  ): Promise<WriteResult<T>> => {
    try {
      const object = await call(ref, sub, withPrecondition(patch, o?.resourceVersion));
      return { kind: 'ok', object: object as T };
    } catch (err) {
      return writeFailure(err);
    }
  };
  return {
    patchStatus: (ref, patch, o) => run(ref, 'status', patch, o),
    patchObject: (ref, patch, o) => run(ref, '', patch, o),
  };
}

/** client-node's typed models (Date objects) back to wire JSON. */
const toWire = (object: unknown): unknown => JSON.parse(JSON.stringify(object)) as unknown;

/**
 * The PatchCall over client-node: merge-patch content type, the project's one field manager, core
 * Services and Nodes through CoreV1Api and everything else (CRs and non-core groups) through
 * CustomObjectsApi. An unsupported core kind fails as an `error` result, not an exception.
 */
export function clientNodePatchCall(kc: KubeConfig): PatchCall {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const fieldManager = FIELD_MANAGER;
  return (ref, sub, body) => {
    const { group, version, plural, namespace, name } = ref;
    if (group === '') {
      const status = sub === 'status';
      if (plural === 'services' && namespace !== undefined) {
        const p = { name, namespace, body, fieldManager };
        return (
          status ? core.patchNamespacedServiceStatus(p, merge) : core.patchNamespacedService(p, merge)
        ).then(toWire);
      }
      if (plural === 'nodes') {
        const p = { name, body, fieldManager };
        return (status ? core.patchNodeStatus(p, merge) : core.patchNode(p, merge)).then(toWire);
      }
      return Promise.reject(new Error(`patching core/v1 ${plural} is not supported`));
    }
    // Custom objects come back as the server sent them (plain JSON): no copy. An Eip's status answer
    // holds its whole `used` map, and copying it on every write was measurable garbage.
    const base = { group, version, plural, name, body, fieldManager };
    if (namespace === undefined) {
      return sub === 'status'
        ? custom.patchClusterCustomObjectStatus(base, merge)
        : custom.patchClusterCustomObject(base, merge);
    }
    const p = { ...base, namespace };
    return sub === 'status'
      ? custom.patchNamespacedCustomObjectStatus(p, merge)
      : custom.patchNamespacedCustomObject(p, merge);
  };
}

/**
 * An ObjectPatcher that writes with `kc`'s credentials over keep-alive connections (`kc` is made to
 * reuse them, see connection-reuse.ts), through the lean merge-patch call (merge-patch-http.ts):
 * the same wire requests and results as clientNodePatchCall at about half the CPU per write.
 */
export function createPatcher(kc: KubeConfig): ObjectPatcher {
  return patcherFrom(mergePatchCall(reuseConnections(kc)));
}
