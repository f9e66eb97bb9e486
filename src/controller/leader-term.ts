/**
 * One leadership term of the controller: a fresh allocator rebuilt from Service status, the queues,
 * the reconcilers, the Event recorder and the coalescing Eip status writer. Everything stops when
 * the leader signal aborts, and nothing is written after that (each write checks the signal).
 */
import { API_VERSION_V1ALPHA2, EIP } from '../api/keys.js';
import { Allocator, type PoolCounters } from '../ipam/index.js';
import { sleep, type Clock } from '../kube/clock.js';
import { EventRecorder, type EventWriter } from '../kube/events.js';
import { queueMetrics } from '../kube/queue-metrics.js';
import { QueueResult, WorkQueue } from '../kube/queue.js';
import type { ObjectPatcher } from '../kube/status.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { deferWhileBusy } from './deferred-events.js';
import { EipReconciler, eipRef } from './eip-reconciler.js';
import { EipStatusWriter } from './eip-status-writer.js';
import type { ControllerMetrics } from './metrics.js';
import { NodeAddressWarnings } from './node-address-warnings.js';
import { nodeAddressInput } from './node-addresses.js';
import {
  involved,
  type EipObject,
  type NamespaceObject,
  type NodeObject,
  type Reader,
  type ServiceObject,
} from './objects.js';
import { initialServiceOrder, restoreEntries } from './rebuild.js';
import { ServiceReconciler } from './service-reconciler.js';

/** What a term needs. */
export interface LeaderTermDeps {
  readonly services: Reader<ServiceObject>;
  readonly eips: Reader<EipObject>;
  readonly namespaces: Reader<NamespaceObject>;
  /** Their addresses are never handed out; undefined: no Node is known (tests of other parts). */
  readonly nodes?: Reader<NodeObject>;
  readonly patcher: ObjectPatcher;
  readonly eventWriter: EventWriter;
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
  readonly registry: Metrics | undefined;
  readonly clock: Clock;
  readonly statusIntervalMs: number;
  readonly serviceConcurrency: number;
  readonly instance: string | undefined;
  /**
   * Every pending Service is re-queued this often. Releases wake only the Services they can help
   * (PendingServices), so this pass is what retries everything else eventually. @default 60_000
   */
  readonly pendingResyncMs?: number;
}

/** A leadership term; create one when leadership starts and call run() with the leader signal. */
export class LeaderTerm {
  readonly allocator = new Allocator();
  readonly #d: LeaderTermDeps;
  readonly #serviceQueue: WorkQueue;
  readonly #eipQueue: WorkQueue;
  readonly #recorder: EventRecorder;
  readonly #services: ServiceReconciler;
  readonly #eips: EipReconciler;
  readonly #status: EipStatusWriter;
  /** Aborted with the leader signal; reaches parts built before run() got the signal. */
  readonly #stop = new AbortController();
  #initial = new Set<string>();
  #initialPassDone = false;
  #started = 0;
  /** The allocator was rebuilt: Node changes go to it from now on (the rebuild read them all). */
  #rebuilt = false;
  /** A node address sync is scheduled (Node events come in bursts: one sync per burst). */
  #nodesPending = false;
  readonly #nodeWarnings: NodeAddressWarnings;

  constructor(d: LeaderTermDeps) {
    this.#d = d;
    const qm = (name: string): { metrics?: ReturnType<typeof queueMetrics> } =>
      d.registry === undefined ? {} : { metrics: queueMetrics(d.registry, name) };
    this.#serviceQueue = new WorkQueue({
      name: 'services',
      concurrency: d.serviceConcurrency,
      clock: d.clock,
      logger: d.log,
      ...qm('services'),
    });
    this.#eipQueue = new WorkQueue({
      name: 'eips',
      concurrency: 1,
      clock: d.clock,
      logger: d.log,
      ...qm('eips'),
    });
    this.#recorder = new EventRecorder({
      writer: deferWhileBusy(d.eventWriter, {
        busy: () => this.#serviceQueue.depth > 0 || this.#serviceQueue.inFlight > 0,
        clock: d.clock,
        signal: this.#stop.signal,
      }),
      clock: d.clock,
      logger: d.log,
      maxPending: 20_000,
      ...(d.instance === undefined ? {} : { instance: d.instance }),
      ...(d.registry === undefined ? {} : { metrics: d.registry }),
    });
    this.#eips = new EipReconciler({
      eips: d.eips,
      allocator: this.allocator,
      patcher: d.patcher,
      enqueueServices: (keys) => {
        for (const k of keys) this.#serviceQueue.add(k);
      },
      pendingServices: () => this.#services.pendingKeys(),
      markStatus: (name) => {
        this.#status.markDirty(name);
      },
      log: d.log,
    });
    this.#services = new ServiceReconciler({
      services: d.services,
      namespaces: d.namespaces,
      allocator: this.allocator,
      patcher: d.patcher,
      record: (svc, e) => {
        this.#recorder.record(involved(svc, 'v1', 'Service'), e.type, e.reason, e.message);
      },
      touched: (eips) => {
        const deleting = this.#eips.deleting();
        for (const name of eips) {
          this.#status.markDirty(name);
          if (deleting.has(name)) this.#eipQueue.add(name);
        }
      },
      wake: (keys) => {
        for (const k of keys) this.#serviceQueue.add(k);
      },
      requeue: (key) => {
        this.#serviceQueue.add(key);
      },
      deletingEips: () => this.#eips.deleting(),
      metrics: d.metrics,
      log: d.log,
    });
    this.#nodeWarnings = new NodeAddressWarnings({
      allocator: this.allocator,
      eips: d.eips,
      services: d.services,
      warn: (object, reason, message) => {
        this.#recorder.record(object, 'Warning', reason, message);
      },
    });
    this.#status = new EipStatusWriter({
      eips: d.eips,
      source: { validity: (n) => this.#eips.validity(n), pool: (n) => this.allocator.poolStatus(n) },
      write: (name, patch) => d.patcher.patchStatus(eipRef(name), patch),
      onInvalid: (eip, v) => {
        this.#recorder.record(
          involved(eip, API_VERSION_V1ALPHA2, EIP.kind),
          'Warning',
          v.reason === 'AddressOverlap' ? 'EipOverlap' : 'InvalidEip',
          v.message,
        );
      },
      onPools: (pools: readonly PoolCounters[]) => {
        d.metrics.pools(pools);
      },
      allPools: () => this.allocator.poolCounters(),
      clock: d.clock,
      intervalMs: d.statusIntervalMs,
      busy: () => this.#serviceQueue.depth > 0 || this.#serviceQueue.inFlight > 0,
      log: d.log,
    });
  }

  /** True once the allocator was rebuilt and every key present at that time was processed once. */
  get initialPassDone(): boolean {
    return this.#initialPassDone;
  }

  /** Status writes made for Eips this term (coalescing can be observed from outside). */
  get eipStatusWrites(): number {
    return this.#status.writes;
  }

  serviceChanged(key: string): void {
    this.#serviceQueue.add(key);
  }

  /**
   * A Service update: queued unless it is the echo of our own write (its resourceVersion is one a
   * write of this term returned; see ServiceReconciler.updated). Returns whether it was queued now.
   */
  serviceUpdated(key: string, resourceVersion: string | undefined): boolean {
    if (!this.#services.updated(key, resourceVersion)) return false;
    this.#serviceQueue.add(key);
    return true;
  }

  eipChanged(name: string): void {
    this.#eipQueue.add(name);
  }

  /** A Node was added or deleted, or its addresses changed: sync them once the burst is over. */
  nodesChanged(): void {
    if (this.#nodesPending || this.#stop.signal.aborted) return;
    this.#nodesPending = true;
    setImmediate(() => {
      this.#nodesPending = false;
      if (!this.#stop.signal.aborted && this.#rebuilt) this.#syncNodeAddresses();
    });
  }

  /**
   * Hands the Nodes' addresses to the allocator. Eips whose share of them changed get a new status
   * (their counters moved), and pending Services are retried: an address a node gave up is free.
   */
  #syncNodeAddresses(): void {
    const nodes = this.#d.nodes;
    if (nodes === undefined) return;
    const changed = this.allocator.setNodeAddresses(nodeAddressInput(nodes.list()));
    if (changed.length === 0) return;
    for (const name of changed) this.#status.markDirty(name);
    for (const k of this.#services.pendingKeys()) this.#serviceQueue.add(k);
    this.#nodeWarnings.report();
  }

  /** Namespace labels changed: Services of that namespace that wait for an Eip may now match one. */
  namespaceChanged(namespace: string): void {
    for (const k of this.#services.pendingKeys())
      if (k.startsWith(`${namespace}/`)) this.#serviceQueue.add(k);
  }

  /**
   * Rebuilds, then runs the queues and writers until `signal` aborts. The parts run under the term's
   * own signal, so `signal` gets one abort listener from the term, not one per part: without
   * leader election it is the process's signal, which the informers and servers listen on too, and
   * eleven listeners made Node print "Possible EventTarget memory leak detected" at every start.
   */
  async run(signal: AbortSignal): Promise<void> {
    this.#started = this.#d.clock.now();
    const stop = (): void => {
      this.#stop.abort(signal.reason);
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    try {
      await this.#runParts(this.#stop.signal);
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  async #runParts(signal: AbortSignal): Promise<void> {
    this.#rebuild();
    this.#checkInitialPass();
    await Promise.all([
      this.#resyncPending(signal),
      this.#recorder.start(signal),
      this.#status.run(signal),
      this.#serviceQueue.start(
        (key, s) => this.#timed('service', key, () => this.#services.reconcile(key, s)),
        signal,
      ),
      this.#eipQueue.start(
        (name, s) =>
          this.#timed('eip', name, async () => {
            const result = await this.#eips.reconcile(name, s);
            // The pools may have changed: a new Eip can hold node addresses.
            this.#nodeWarnings.report();
            return result;
          }),
        signal,
      ),
    ]);
  }

  /**
   * Pools from Eips, then the allocator from Service status, then every key queued. A method of its
   * own so the full Service list and the restore report are garbage once it returns: run() stays
   * suspended for the whole term and would otherwise keep a stale copy of every Service alive.
   */
  #rebuild(): void {
    const { log, clock } = this.#d;
    this.#eips.syncPools();
    // Before the restore and the first assign: no Service may be given a node's address.
    const nodes = this.#d.nodes?.list() ?? [];
    this.allocator.setNodeAddresses(nodeAddressInput(nodes));
    this.#rebuilt = true;
    const services = this.#d.services.list();
    const labels = (ns: string): Readonly<Record<string, string>> =>
      this.#d.namespaces.getByName(ns)?.metadata?.labels ?? {};
    const report = this.allocator.restore(restoreEntries(services, labels));
    for (const p of report.problems) {
      log.warn(
        { event: 'restore_problem', service: p.service, reason: p.code, ip: p.address, err: p.message },
        'could not restore an IP',
      );
    }
    const order = initialServiceOrder(services);
    this.#initial = new Set(order);
    for (const k of order) this.#serviceQueue.add(k);
    for (const e of this.#d.eips.list()) this.#eipQueue.add(e.metadata?.name ?? '');
    log.info(
      {
        event: 'rebuilt',
        services: services.length,
        restored: report.restored.length,
        problems: report.problems.length,
        ms: clock.now() - this.#started,
      },
      'allocator rebuilt from Service status',
    );
  }

  /** The level-triggered backstop for pending Services (see LeaderTermDeps.pendingResyncMs). */
  async #resyncPending(signal: AbortSignal): Promise<void> {
    const { clock, pendingResyncMs = 60_000 } = this.#d;
    while (await sleep(clock, pendingResyncMs, signal)) {
      for (const k of this.#services.pendingKeys()) this.#serviceQueue.add(k);
    }
  }

  async #timed(kind: 'service' | 'eip', key: string, fn: () => Promise<QueueResult>): Promise<QueueResult> {
    const start = performance.now();
    let result: QueueResult = QueueResult.retry('threw');
    try {
      result = await fn();
      return result;
    } finally {
      this.#d.metrics.reconciled(kind, (performance.now() - start) / 1000, result.kind);
      if (kind === 'service' && this.#initial.delete(key)) this.#checkInitialPass();
    }
  }

  #checkInitialPass(): void {
    if (this.#initialPassDone || this.#initial.size > 0) return;
    this.#initialPassDone = true;
    this.#d.metrics.initialPassDone(true);
    this.#d.log.info(
      { event: 'initial_pass_done', ms: this.#d.clock.now() - this.#started },
      'initial pass done',
    );
  }
}
