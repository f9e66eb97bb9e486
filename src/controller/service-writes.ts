/**
 * The Service writes of a plan, in a safe order, each guarded by the leadership signal and a
 * resourceVersion precondition (a stale cache or a second writer yields a conflict, never a lost
 * update). Also an overlay of the objects our writes returned, so a reconcile that runs before the
 * informer has caught up compares against what we wrote, not against the stale cached object.
 */
import { LABEL_EIP } from '../api/keys.js';
import type { ObjectPatcher, ObjectRef, WriteResult } from '../kube/status.js';
import type { ServicePlan } from './decide-service.js';
import type { ServiceObject } from './objects.js';

/** Outcome of applying a plan. */
export type ApplyResult =
  | { readonly kind: 'ok'; readonly object: ServiceObject }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'conflict' | 'notFound'; readonly message: string }
  | { readonly kind: 'error'; readonly message: string };

function serviceRef(svc: ServiceObject): ObjectRef {
  return {
    group: '',
    version: 'v1',
    plural: 'services',
    namespace: svc.metadata?.namespace ?? '',
    name: svc.metadata?.name ?? '',
  };
}

function metadataPatch(plan: ServicePlan): object | undefined {
  const m = plan.metadata;
  if (m === undefined) return undefined;
  const metadata: Record<string, unknown> = {};
  if (m.label !== undefined) metadata['labels'] = { [LABEL_EIP]: m.label };
  if (m.finalizers !== undefined) metadata['finalizers'] = [...m.finalizers];
  return { metadata };
}

/**
 * Writes the plan's status and metadata changes; stops before any write once `signal` aborts.
 * `onWritten` sees the object each successful write returned (also when a later write fails).
 */
export async function applyServicePlan(
  patcher: ObjectPatcher,
  svc: ServiceObject,
  plan: ServicePlan,
  signal: AbortSignal,
  onWritten: (object: ServiceObject) => void = () => undefined,
): Promise<ApplyResult> {
  const ref = serviceRef(svc);
  let object = svc;
  const writes: (() => Promise<WriteResult<ServiceObject>>)[] = [];
  const rv = (): string | undefined => object.metadata?.resourceVersion;
  const status =
    plan.ingress === undefined ? undefined : { status: { loadBalancer: { ingress: plan.ingress } } };
  const meta = metadataPatch(plan);
  const writeStatus = (): Promise<WriteResult<ServiceObject>> =>
    patcher.patchStatus<ServiceObject>(ref, status ?? {}, { resourceVersion: rv() });
  const writeMeta = (): Promise<WriteResult<ServiceObject>> =>
    patcher.patchObject<ServiceObject>(ref, meta ?? {}, { resourceVersion: rv() });
  if (plan.statusFirst) {
    if (status !== undefined) writes.push(writeStatus);
    if (meta !== undefined) writes.push(writeMeta);
  } else {
    if (meta !== undefined) writes.push(writeMeta);
    if (status !== undefined) writes.push(writeStatus);
  }
  for (const write of writes) {
    if (signal.aborted) return { kind: 'aborted' };
    const result = await write();
    if (result.kind !== 'ok') return result;
    object = result.object;
    onWritten(object);
  }
  return { kind: 'ok', object };
}

/** What we wrote over one Service: the version we started from and every version our writes returned. */
interface Written {
  readonly base: string | undefined;
  /** resourceVersions our writes returned, oldest first; the last one is `object`'s. */
  readonly ours: readonly string[];
  readonly object: ServiceObject;
}

/**
 * The newest state we know of each Service: the cache, or our own write when the cache lags behind it.
 * It also recognises the informer's echoes of our writes (see isOwnEcho), so they do not re-run a
 * reconcile whose outcome is already written.
 */
export class WrittenOverlay {
  readonly #written = new Map<string, Written>();

  /**
   * `cached` unless we wrote a newer version over exactly that object: the cache still shows the
   * version we started from, or an intermediate version one of our own writes produced (a plan
   * writes metadata and status separately, and the informer may be between the two).
   */
  current(key: string, cached: ServiceObject | undefined): ServiceObject | undefined {
    const w = this.#written.get(key);
    if (w === undefined) return cached;
    const rv = cached?.metadata?.resourceVersion;
    if (rv !== undefined && rv !== w.ours.at(-1) && (rv === w.base || w.ours.includes(rv))) return w.object;
    this.#written.delete(key);
    return cached;
  }

  /** Remembers that writing over `before` produced `after`. */
  remember(key: string, before: ServiceObject, after: ServiceObject): void {
    const existing = this.#written.get(key);
    const beforeRv = before.metadata?.resourceVersion;
    const afterRv = after.metadata?.resourceVersion;
    // A chain of writes (metadata then status, or a retry over our own last write) keeps its base.
    const continues =
      existing !== undefined &&
      beforeRv !== undefined &&
      (beforeRv === existing.base || existing.ours.includes(beforeRv));
    const base = continues ? existing.base : beforeRv;
    const ours = continues ? existing.ours : [];
    this.#written.set(key, {
      base,
      ours: afterRv === undefined ? ours : [...ours, afterRv],
      object: after,
    });
  }

  /**
   * True when `resourceVersion` is one our own writes returned for `key`: the update event carries
   * exactly the object a write answered, so reconciling it again cannot change anything (a failed
   * later write of the same plan has already re-queued the key). Once the echo of our last write
   * arrives the cache has caught up and the entry is dropped. A change by anyone else has another
   * resourceVersion and is never taken for an echo.
   */
  isOwnEcho(key: string, resourceVersion: string | undefined): boolean {
    const w = this.#written.get(key);
    if (w === undefined || resourceVersion === undefined || !w.ours.includes(resourceVersion)) return false;
    if (resourceVersion === w.ours.at(-1)) this.#written.delete(key);
    return true;
  }

  forget(key: string): void {
    this.#written.delete(key);
  }
}
