/**
 * The controller role: informers for Services, Eips, Namespaces and Nodes run on every replica (a
 * warm cache makes failover fast); the allocator, queues and writes run only inside a leadership term.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { API_GROUP, EIP, STORAGE_VERSION } from '../api/keys.js';
import { linkedSignal } from '../kube/abortable.js';
import { systemClock, type Clock } from '../kube/clock.js';
import { clientNodeEventWriter, type EventWriter } from '../kube/events.js';
import type { Informer } from '../kube/informer.js';
import { informerHealth } from '../kube/informer-health.js';
import { createInformer } from '../kube/informers.js';
import { objectKey } from '../kube/object-key.js';
import { createPatcher, type ObjectPatcher } from '../kube/status.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { LeaderTerm } from './leader-term.js';
import { controllerMetrics, noControllerMetrics, type ControllerMetrics } from './metrics.js';
import { nodeAddressesChanged } from './node-addresses.js';
import type { EipObject, NamespaceObject, NodeObject, Reader, ServiceObject } from './objects.js';
import { slimEip, slimNamespace, slimNode, slimService } from './slim.js';

/** A transform over the wire shapes as an informer transform (informers are typed with client-node's shapes). */
function wireTransform<W>(slim: (obj: W) => W): (obj: KubernetesObject) => KubernetesObject {
  return (obj) => slim(obj as unknown as W) as unknown as KubernetesObject;
}

/** Options of the controller; everything but the kubeconfig and logger has a default. */
export interface ControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly clock?: Clock;
  /** How often Eip status is written at most (coalescing window). @default 500 */
  readonly statusIntervalMs?: number;
  /** Services reconciled at the same time (their writes overlap). @default 16 */
  readonly serviceConcurrency?: number;
  /** How often every pending Service is retried, whatever woke it or not. @default 60_000 */
  readonly pendingResyncMs?: number;
  /** `reportingInstance` of Events, e.g. the pod name. */
  readonly instance?: string;
  readonly patcher?: ObjectPatcher;
  readonly eventWriter?: EventWriter;
}

/** The controller: call run() for the informers and lead() under the leader signal. */
export class Controller {
  readonly services: Reader<ServiceObject>;
  readonly eips: Reader<EipObject>;
  readonly namespaces: Reader<NamespaceObject>;
  readonly nodes: Reader<NodeObject>;
  readonly #informers: readonly Informer<KubernetesObject>[];
  readonly #opts: ControllerOptions;
  readonly #metrics: ControllerMetrics;
  #term: LeaderTerm | undefined;

  constructor(opts: ControllerOptions) {
    this.#opts = opts;
    const kc = opts.kubeConfig;
    const common = { ...informerHealth(opts.log, opts.metrics), clock: opts.clock ?? systemClock };
    // Caches keep only what the controller reads (slim.ts): most of a Service's wire form is not.
    const services = createInformer(
      kc,
      { group: '', version: 'v1', plural: 'services' },
      { ...common, transform: wireTransform(slimService) },
    );
    const eips = createInformer(
      kc,
      { group: API_GROUP, version: STORAGE_VERSION, plural: EIP.plural },
      { ...common, transform: wireTransform(slimEip) },
    );
    const namespaces = createInformer(
      kc,
      { group: '', version: 'v1', plural: 'namespaces' },
      { ...common, transform: wireTransform(slimNamespace) },
    );
    // Nodes only for their addresses, which are never handed out (node-addresses.ts).
    const nodes = createInformer(
      kc,
      { group: '', version: 'v1', plural: 'nodes' },
      { ...common, transform: wireTransform(slimNode) },
    );
    this.#informers = [services, eips, namespaces, nodes];
    // Informers hold wire-form JSON (timestamps are strings): read them through the wire types.
    this.services = services as unknown as Reader<ServiceObject>;
    this.eips = eips as unknown as Reader<EipObject>;
    this.namespaces = namespaces as unknown as Reader<NamespaceObject>;
    this.nodes = nodes as unknown as Reader<NodeObject>;
    this.#metrics = opts.metrics === undefined ? noControllerMetrics : controllerMetrics(opts.metrics);
    this.#metrics.initialPassDone(false);

    const onService = (svc: KubernetesObject): void => this.#term?.serviceChanged(objectKey(svc));
    services.addHandlers({
      onAdd: onService,
      // Our own writes come back as updates; the term drops those (level-triggered otherwise).
      onUpdate: (_o, n) => {
        this.#term?.serviceUpdated(objectKey(n), n.metadata?.resourceVersion);
      },
      onDelete: onService,
    });
    const onEip = (eip: KubernetesObject): void => this.#term?.eipChanged(objectKey(eip));
    eips.addHandlers({
      onAdd: onEip,
      onUpdate: (_o, n) => {
        onEip(n);
      },
      onDelete: onEip,
    });
    const onNs = (ns: KubernetesObject): void => this.#term?.namespaceChanged(objectKey(ns));
    namespaces.addHandlers({
      onAdd: onNs,
      onUpdate: (o, n) => {
        if (JSON.stringify(o.metadata?.labels ?? {}) !== JSON.stringify(n.metadata?.labels ?? {})) onNs(n);
      },
    });
    const onNode = (): void => this.#term?.nodesChanged();
    nodes.addHandlers({
      onAdd: onNode,
      onUpdate: (o, n) => {
        if (nodeAddressesChanged(o as NodeObject, n as NodeObject)) onNode();
      },
      onDelete: onNode,
    });
  }

  /** Runs the informers until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.#informers.map((i) => i.start(signal)));
  }

  /** Every informer holds a full list. */
  synced(): boolean {
    return this.#informers.every((i) => i.hasSynced());
  }

  /** Ready: synced, and when leading, the first pass over every key is done. */
  ready(): boolean {
    return this.synced() && (this.#term === undefined || this.#term.initialPassDone);
  }

  /** The current leadership term (undefined when not leading). */
  get term(): LeaderTerm | undefined {
    return this.#term;
  }

  /**
   * The leader's work: waits for the caches, rebuilds the allocator from Service status, then
   * handles keys until `leaderSignal` aborts. Pass it as the leader-elected task.
   */
  async lead(leaderSignal: AbortSignal): Promise<void> {
    const o = this.#opts;
    o.log.info({ event: 'leader-task-start' }, 'controller work started');
    // One listener on the leader signal for all the waits: without leader election it is the
    // process's signal, which every informer's requests listen on too (Node warns past 10).
    const syncWait = linkedSignal([leaderSignal]);
    let synced: boolean[];
    try {
      synced = await Promise.all(this.#informers.map((i) => i.waitForSync(syncWait.signal)));
    } finally {
      syncWait.dispose();
    }
    if (!synced.every(Boolean)) {
      o.log.info({ event: 'leader-task-stop' }, 'controller work stopped');
      return;
    }
    const kc = o.kubeConfig;
    const term = new LeaderTerm({
      services: this.services,
      eips: this.eips,
      namespaces: this.namespaces,
      nodes: this.nodes,
      patcher: o.patcher ?? createPatcher(kc),
      eventWriter: o.eventWriter ?? clientNodeEventWriter(kc),
      log: o.log,
      metrics: this.#metrics,
      registry: o.metrics,
      clock: o.clock ?? systemClock,
      statusIntervalMs: o.statusIntervalMs ?? 500,
      serviceConcurrency: o.serviceConcurrency ?? 16,
      instance: o.instance,
      ...(o.pendingResyncMs === undefined ? {} : { pendingResyncMs: o.pendingResyncMs }),
    });
    this.#term = term;
    try {
      await term.run(leaderSignal);
    } finally {
      if (this.#term === term) this.#term = undefined;
      this.#metrics.initialPassDone(false);
      // Only the leader knows which Services are pending.
      this.#metrics.pending(new Map());
      o.log.info({ event: 'leader-task-stop' }, 'controller work stopped');
    }
  }
}
