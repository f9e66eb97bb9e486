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

/** The newest state we know of each Service: the cache, or our own write when the cache lags behind it. */
export class WrittenOverlay {
  readonly #written = new Map<string, { basedOn: string | undefined; object: ServiceObject }>();

  /** `cached` unless we wrote a newer version of exactly that object. */
  current(key: string, cached: ServiceObject | undefined): ServiceObject | undefined {
    const w = this.#written.get(key);
    if (w === undefined) return cached;
    if (cached !== undefined && cached.metadata?.resourceVersion === w.basedOn) return w.object;
    this.#written.delete(key);
    return cached;
  }

  /** Remembers that writing over `before` produced `after`. */
  remember(key: string, before: ServiceObject, after: ServiceObject): void {
    const existing = this.#written.get(key);
    const basedOn = existing?.object === before ? existing.basedOn : before.metadata?.resourceVersion;
    this.#written.set(key, { basedOn, object: after });
  }

  forget(key: string): void {
    this.#written.delete(key);
  }
}
