/**
 * One idempotent, level-triggered reconcile per Service key: read the Service (cache, or our newer
 * write), decide its intent, let the allocator answer, plan the writes (pure), apply them, then
 * record Events. The allocator is synchronous, so concurrent reconciles never see a half-made
 * decision; only writes are awaited.
 */
import type { AllocatedIp, Allocation, Allocator } from '../ipam/index.js';
import { QueueResult } from '../kube/queue.js';
import type { ObjectPatcher } from '../kube/status.js';
import type { Logger } from '../observability/logger.js';
import { planService, type AllocatorOutcome, type PlannedEvent } from './decide-service.js';
import type { ControllerMetrics } from './metrics.js';
import type { NamespaceObject, Reader, ServiceObject } from './objects.js';
import { PendingServices } from './pending-services.js';
import { serviceIntent } from './service-intent.js';
import { slimService } from './slim.js';
import { applyServicePlan, WrittenOverlay } from './service-writes.js';

/** Dependencies of the Service reconciler (one per leadership term). */
export interface ServiceReconcilerDeps {
  readonly services: Reader<ServiceObject>;
  readonly namespaces: Reader<NamespaceObject>;
  readonly allocator: Allocator;
  readonly patcher: ObjectPatcher;
  readonly record: (svc: ServiceObject, event: PlannedEvent) => void;
  /** Eips whose usage may have changed (status to rewrite; a deleting one may now be empty). */
  readonly touched: (eips: ReadonlySet<string>) => void;
  /** Addresses were freed: these waiting Services may now get one (see PendingServices.wake). */
  readonly wake: (keys: readonly string[]) => void;
  readonly deletingEips: () => ReadonlySet<string>;
  /** Queues `key` again: an update arrived while it was reconciled and was not the echo of its writes. */
  readonly requeue: (key: string) => void;
  readonly metrics: ControllerMetrics;
  readonly log: Logger;
}

function eipsOf(...allocations: (Allocation | undefined)[]): Set<string> {
  const out = new Set<string>();
  for (const a of allocations) for (const ip of a?.ips ?? []) out.add(ip.eip);
  return out;
}

function sameAllocation(a: Allocation | undefined, b: Allocation | undefined): boolean {
  const ips = (x: Allocation | undefined): string =>
    (x?.ips ?? []).map((i) => `${i.eip}/${i.address}`).join(',');
  return ips(a) === ips(b);
}

/** Reconciles Services against the allocator. */
export class ServiceReconciler {
  readonly #deps: ServiceReconcilerDeps;
  readonly #overlay = new WrittenOverlay();
  readonly #pending = new PendingServices();
  /** Per key being reconciled: resourceVersions of the updates that arrived meanwhile. */
  readonly #running = new Map<string, Set<string>>();

  constructor(deps: ServiceReconcilerDeps) {
    this.#deps = deps;
  }

  /** Services waiting for an address (or for their annotations to be fixed). */
  pendingKeys(): string[] {
    return this.#pending.keys();
  }

  /**
   * An update event of `key`: true when it needs a reconcile now. The echo of our own write does not
   * (see WrittenOverlay.isOwnEcho). While the key is being reconciled, the watch may deliver a
   * write's echo before the write's answer arrives: such updates are held and, unless a write of
   * that reconcile returns their resourceVersion, the key is queued again when it ends.
   */
  updated(key: string, resourceVersion: string | undefined): boolean {
    if (this.#overlay.isOwnEcho(key, resourceVersion)) return false;
    const running = this.#running.get(key);
    if (running === undefined || resourceVersion === undefined) return true;
    running.add(resourceVersion);
    return false;
  }

  /** The Service as we last saw or wrote it. */
  current(key: string): ServiceObject | undefined {
    return this.#overlay.current(key, this.#deps.services.get(key));
  }

  /** Reconciles one Service key. */
  async reconcile(key: string, signal: AbortSignal): Promise<QueueResult> {
    const arrived = new Set<string>();
    const written: string[] = [];
    this.#running.set(key, arrived);
    try {
      return await this.#reconcile(key, signal, written);
    } finally {
      this.#running.delete(key);
      const last = written.at(-1);
      // The echo of our last write came first: the cache already holds it, the overlay is not needed.
      if (last !== undefined && arrived.has(last)) this.#overlay.forget(key);
      for (const rv of written) arrived.delete(rv);
      if (arrived.size > 0) this.#deps.requeue(key);
    }
  }

  async #reconcile(key: string, signal: AbortSignal, written: string[]): Promise<QueueResult> {
    const d = this.#deps;
    const svc = this.current(key);
    if (svc === undefined) {
      this.#overlay.forget(key);
      this.#pending.delete(key);
      d.metrics.pending(this.#pending.countsByReason());
      this.#afterRelease(d.allocator.release(key));
      return QueueResult.done();
    }
    const before = d.allocator.get(key);
    const nsName = svc.metadata?.namespace ?? '';
    const nsLabels = d.namespaces.getByName(nsName)?.metadata?.labels ?? {};
    const intent = serviceIntent(svc, nsLabels, before !== undefined, key);
    let outcome: AllocatorOutcome;
    if (intent.kind === 'ignore') outcome = { kind: 'none' };
    else if (intent.kind === 'allocate')
      outcome = { kind: 'assigned', result: d.allocator.assign(intent.request) };
    else outcome = { kind: 'released', held: d.allocator.release(key) };
    const after = d.allocator.get(key);
    if (!sameAllocation(before, after)) {
      d.touched(eipsOf(before, after));
      const afterIps = new Set(after?.ips.map((i) => i.address) ?? []);
      this.#wake(before?.ips.filter((i) => !afterIps.has(i.address)) ?? []);
    }

    const plan = planService(svc, intent, outcome, { deletingEips: d.deletingEips() });
    // After waking others: a Service that just gave up an IP is not woken for it.
    if (plan.pending) this.#pending.add(key, plan.failures);
    else this.#pending.delete(key);
    d.metrics.pending(this.#pending.countsByReason());
    for (const f of plan.failures) d.metrics.allocationFailed(f.code);

    const applied = await applyServicePlan(d.patcher, svc, plan, signal, (object) => {
      this.#overlay.remember(key, svc, slimService(object));
      const rv = object.metadata?.resourceVersion;
      if (rv !== undefined) written.push(rv);
    });
    switch (applied.kind) {
      case 'aborted':
        return QueueResult.done();
      case 'notFound':
        // Deleted under us: the informer's delete event releases it.
        return QueueResult.done();
      case 'conflict':
        return QueueResult.retry(`conflict writing Service ${key}: ${applied.message}`);
      case 'error':
        return QueueResult.retry(`writing Service ${key}: ${applied.message}`);
      case 'ok':
        break;
    }
    for (const e of plan.events) d.record(applied.object, e);
    if (plan.ingress !== undefined || plan.metadata !== undefined || plan.failures.length > 0) {
      d.log.debug({ event: 'service_reconciled', service: key, reason: plan.reason }, 'service reconciled');
    }
    return QueueResult.done();
  }

  #afterRelease(held: Allocation | undefined): void {
    if (held === undefined) return;
    this.#deps.touched(eipsOf(held));
    this.#wake(held.ips);
  }

  #wake(freed: readonly AllocatedIp[]): void {
    const keys = this.#pending.wake(freed);
    if (keys.length > 0) this.#deps.wake(keys);
  }
}
