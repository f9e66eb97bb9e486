/**
 * Eips: keeps the allocator's pools in step with the Eip objects, and reconciles each Eip's
 * finalizer. A deleting Eip keeps its finalizer until every Service has moved off it (each move is
 * a Service reconcile with its own Events); then the finalizer goes and the API deletes it.
 */
import { API_GROUP, EIP, FINALIZER_IPAM, STORAGE_VERSION } from '../api/keys.js';
import type { Allocator, PoolChange } from '../ipam/index.js';
import { QueueResult } from '../kube/queue.js';
import type { ObjectPatcher, ObjectRef } from '../kube/status.js';
import type { Logger } from '../observability/logger.js';
import type { EipValidity } from './decide-eip.js';
import { eipPools } from './eip-pools.js';
import type { EipObject, Reader } from './objects.js';

/** The Eip ref for writes (stored version; the API converts for v1alpha1 readers). */
export function eipRef(name: string): ObjectRef {
  return { group: API_GROUP, version: STORAGE_VERSION, plural: EIP.plural, name };
}

/** Dependencies of the Eip reconciler (one per leadership term). */
export interface EipReconcilerDeps {
  readonly eips: Reader<EipObject>;
  readonly allocator: Allocator;
  readonly patcher: ObjectPatcher;
  /** Services to reconcile again (they lost or may move an IP, or may now get one). */
  readonly enqueueServices: (keys: Iterable<string>) => void;
  readonly pendingServices: () => Iterable<string>;
  readonly markStatus: (eip: string) => void;
  readonly log: Logger;
}

/** Pools and finalizers of Eips. */
export class EipReconciler {
  readonly #deps: EipReconcilerDeps;
  #signature: string | undefined;
  readonly #validity = new Map<string, EipValidity>();
  readonly #deleting = new Set<string>();

  constructor(deps: EipReconcilerDeps) {
    this.#deps = deps;
  }

  /** Validity of an Eip as last loaded; undefined when unknown. */
  validity(name: string): EipValidity | undefined {
    return this.#validity.get(name);
  }

  /** Eips with a deletionTimestamp. */
  deleting(): ReadonlySet<string> {
    return this.#deleting;
  }

  /**
   * Loads the Eips into the allocator when anything it depends on changed (not on our own status
   * writes). Returns the change, or undefined when nothing changed.
   */
  syncPools(): PoolChange | undefined {
    const d = this.#deps;
    const objects = d.eips.list();
    const pools = eipPools(objects);
    if (pools.signature === this.#signature) return undefined;
    this.#signature = pools.signature;
    const change = d.allocator.setPools(pools.valid, pools.invalid);
    this.#validity.clear();
    this.#deleting.clear();
    for (const c of pools.valid) {
      this.#validity.set(c.name, { kind: 'valid' });
      if (c.deleting) this.#deleting.add(c.name);
    }
    for (const r of change.rejected) {
      this.#validity.set(r.eip, { kind: 'invalid', reason: 'AddressOverlap', message: r.message });
    }
    for (const i of pools.invalid) {
      this.#validity.set(i.name, { kind: 'invalid', reason: 'InvalidSpec', message: i.reason });
    }
    for (const o of objects) {
      const name = o.metadata?.name ?? '';
      if (o.metadata?.deletionTimestamp !== undefined) this.#deleting.add(name);
      d.markStatus(name);
    }
    d.enqueueServices(change.displaced.map((x) => x.service));
    d.enqueueServices(change.rehomed.map((x) => x.service));
    d.enqueueServices(d.pendingServices());
    if (change.rejected.length > 0 || change.displaced.length > 0 || pools.invalid.length > 0) {
      d.log.info(
        {
          event: 'pools_loaded',
          valid: pools.valid.length,
          invalid: pools.invalid.map((i) => i.name),
          rejected: change.rejected.map((r) => r.eip),
          displaced: change.displaced.length,
          rehomed: change.rehomed.length,
        },
        'Eip pools loaded',
      );
    }
    return change;
  }

  /** Reconciles one Eip key: pools first, then its finalizer. */
  async reconcile(name: string, signal: AbortSignal): Promise<QueueResult> {
    const d = this.#deps;
    this.syncPools();
    const eip = d.eips.get(name);
    if (eip === undefined) return QueueResult.done();
    d.markStatus(name);
    const finalizers = eip.metadata?.finalizers ?? [];
    const has = finalizers.includes(FINALIZER_IPAM);
    let next: string[] | undefined;
    if (eip.metadata?.deletionTimestamp !== undefined) {
      const holders = d.allocator.servicesIn(name);
      if (holders.length > 0) {
        // Each holder's reconcile moves it and touches this Eip, which brings us back here.
        d.enqueueServices(holders);
        return QueueResult.done();
      }
      if (has) next = finalizers.filter((f) => f !== FINALIZER_IPAM);
    } else if (!has) {
      next = [...finalizers, FINALIZER_IPAM];
    }
    if (next === undefined || signal.aborted) return QueueResult.done();
    const result = await d.patcher.patchObject(
      eipRef(name),
      { metadata: { finalizers: next } },
      { resourceVersion: eip.metadata?.resourceVersion },
    );
    if (result.kind === 'ok' || result.kind === 'notFound') {
      if (result.kind === 'ok' && next.length < finalizers.length) {
        d.log.info({ event: 'eip_finalized', eip: name }, 'Eip has no Services left; finalizer removed');
      }
      return QueueResult.done();
    }
    return QueueResult.retry(`writing Eip ${name} finalizers: ${result.message}`);
  }
}
