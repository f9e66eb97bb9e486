/**
 * The speaker's BGP side: informers feed one level-triggered reconcile loop (single queue key
 * "bgp") that computes the desired state (desired-bgp.ts) and hands it to the announcer, which diffs
 * it against gobgpd. The loop also runs on gobgpd (re)subscription, on liveness changes and
 * periodically, so a restarted gobgpd or speaker is converged again within about a second.
 */
import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { API_GROUP, BGP_CONF, BGP_PEER, DEFAULT_BGP_CONF_NAME, STORAGE_VERSION } from '../api/keys.js';
import { BgpAnnouncer, type AnnounceSet, type AnnouncerClient, type ApplyReport } from '../bgp/announcer.js';
import type { GobgpClient } from '../bgp/client.js';
import { PolicyApplier, type PolicyApplyReport, type PolicyClient } from '../bgp/policy-apply.js';
import { POLICY_CONFIGMAP_KEY } from '../bgp/policy-desired.js';
import { GobgpReadCache } from '../bgp/read-cache.js';
import { systemClock, type Clock } from '../kube/clock.js';
import { EventRecorder, clientNodeEventWriter, type EventWriter } from '../kube/events.js';
import type { Informer } from '../kube/informer.js';
import { informerHealth } from '../kube/informer-health.js';
import { createInformer } from '../kube/informers.js';
import { createPatcher, type ObjectPatcher } from '../kube/status.js';
import { QueueResult, WorkQueue } from '../kube/queue.js';
import { queueMetrics } from '../kube/queue-metrics.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { BgpStatusWriter } from './bgp-status.js';
import type { SecretLookup } from './bgp-config.js';
import { desiredBgp, type DesiredBgp, type ObjectProblem } from './desired-bgp.js';
import type {
  BgpObject,
  EipObject,
  EndpointSliceObject,
  LeaseWire,
  NodeObject,
  ServiceObject,
} from './objects.js';
import { SecretCache } from './secrets.js';
import { announcementsMayChange } from './service-relevance.js';
import { specMayChange, nodeMayChangeBgp, sliceOfAnnouncedService, hasIngressIn } from './bgp-relevance.js';
import { BurstDetector, withBurstSettle } from './reconcile-settle.js';
import {
  createSharedSpeakerInformers,
  SideInformers,
  type SharedSpeakerInformers,
} from './shared-informers.js';
import { speakerMetrics, type SpeakerMetrics } from './metrics.js';

const KEY = 'bgp';

/** Dependencies of the BGP speaker; the optional ones have production defaults. */
export interface BgpSpeakerOptions {
  readonly kubeConfig: KubeConfig;
  readonly nodeName: string;
  readonly namespace: string;
  readonly gobgp: AnnouncerClient & PolicyClient & Pick<GobgpClient, 'watchPeers'>;
  readonly log: Logger;
  /** The speaker's own liveness Lease as last written (undefined: not yet). */
  readonly lease: () => LeaseWire | undefined;
  /** True while the Lease's renewals do not get through (LivenessLease.inDoubt). @default never */
  readonly apiInDoubt?: () => boolean;
  readonly metrics?: Metrics;
  readonly clock?: Clock;
  /** Periodic full reconcile. @default 10_000 */
  readonly resyncMs?: number;
  readonly patcher?: ObjectPatcher;
  readonly eventWriter?: EventWriter;
  /** Nodes/Services/Eips/EndpointSlices informers started by the caller. @default private ones, started here */
  readonly informers?: SharedSpeakerInformers;
}

/** In a burst, pause after each reconcile while further changes coalesce (reconcile-settle.ts). */
const RECONCILE_SETTLE_MS = 100;

/** Runs the BGP announcement of one node. */
export class BgpSpeaker {
  readonly #o: BgpSpeakerOptions;
  readonly #clock: Clock;
  readonly #informers: SideInformers;
  readonly #nodes: Informer<KubernetesObject>;
  readonly #services: Informer<KubernetesObject>;
  readonly #eips: Informer<KubernetesObject>;
  readonly #slices: Informer<KubernetesObject>;
  readonly #confs: Informer<KubernetesObject>;
  readonly #peers: Informer<KubernetesObject>;
  /** ConfigMaps of the speaker's namespace: BgpConf spec.policy names one of them. */
  readonly #configMaps: Informer<KubernetesObject>;
  readonly #policy: PolicyApplier;
  /** gobgpd refused the configured policy (a BgpConf spec problem until the policy changes). */
  #policyRejection: string | undefined;
  #lastPolicyNotes = '';
  readonly #queue: WorkQueue;
  readonly #burst: BurstDetector;
  readonly #announcer: BgpAnnouncer;
  /** gobgpd's config, peers and policy assignments as last read (read-cache.ts). */
  readonly #reads: GobgpReadCache;
  readonly #status: BgpStatusWriter;
  readonly #events: EventRecorder;
  readonly #secrets: SecretCache;
  readonly #metrics: SpeakerMetrics;
  readonly #reported = new Map<string, string>();
  #lastSkipped = '';
  #synced = false;
  /** The last reconcile converged gobgpd (readiness). */
  #inSync = false;
  /** The last desired state and apply report (for tests and the demo). */
  last: { desired: DesiredBgp; report: ApplyReport; policy?: PolicyApplyReport } | undefined;

  constructor(o: BgpSpeakerOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    const kc = o.kubeConfig;
    this.#informers = new SideInformers(() => {
      this.kick();
    });
    const watch = this.#informers.watch.bind(this.#informers);
    const health = informerHealth(o.log, o.metrics);
    // BgpConfs and BgpPeers kick on spec and metadata only: their status is written by every speaker.
    const make = (group: string, version: string, plural: string): Informer<KubernetesObject> =>
      watch(
        createInformer(kc, { group, version, plural }, { clock: this.#clock, ...health }),
        true,
        specMayChange,
      );
    // Given shared informers, this side only listens; whoever created them starts them.
    const shared = o.informers ?? createSharedSpeakerInformers(kc, this.#clock, health);
    const ownsShared = o.informers === undefined;
    this.#nodes = watch(shared.nodes, ownsShared, nodeMayChangeBgp(o.nodeName));
    this.#services = watch(shared.services, ownsShared, announcementsMayChange);
    this.#eips = watch(shared.eips, ownsShared, specMayChange);
    this.#slices = watch(shared.slices, ownsShared, sliceOfAnnouncedService(hasIngressIn(this.#services)));
    this.#confs = make(API_GROUP, STORAGE_VERSION, BGP_CONF.plural);
    this.#peers = make(API_GROUP, STORAGE_VERSION, BGP_PEER.plural);
    this.#configMaps = watch(
      createInformer(
        kc,
        { group: '', version: 'v1', plural: 'configmaps', namespace: o.namespace },
        { clock: this.#clock, ...health },
      ),
      true,
    );
    this.#burst = new BurstDetector(this.#clock, RECONCILE_SETTLE_MS);
    this.#queue = new WorkQueue({
      name: 'bgp',
      backoff: { baseMs: 50, capMs: 2000, jitter: 0.2 },
      clock: this.#clock,
      logger: o.log,
      // Reconciles per burst and their durations (the `bgp` benchmark reads them).
      ...(o.metrics === undefined ? {} : { metrics: queueMetrics(o.metrics, 'bgp') }),
    });
    this.#reads = new GobgpReadCache(o.gobgp, { now: () => this.#clock.now() });
    this.#announcer = new BgpAnnouncer(this.#reads, o.log, { now: () => this.#clock.now() });
    this.#policy = new PolicyApplier(this.#reads, o.log);
    this.#status = new BgpStatusWriter(
      o.nodeName,
      o.patcher ?? createPatcher(kc),
      o.log,
      () => new Date(this.#clock.now()),
    );
    this.#events = new EventRecorder({
      writer: o.eventWriter ?? clientNodeEventWriter(kc),
      instance: o.nodeName,
      clock: this.#clock,
      logger: o.log,
    });
    const core = kc.makeApiClient(CoreV1Api);
    this.#secrets = new SecretCache((namespace, name) => core.readNamespacedSecret({ namespace, name }));
    this.#metrics = speakerMetrics(o.metrics);
  }

  /** Asks for a reconcile (coalesced). */
  kick(): void {
    this.#burst.kicked();
    this.#queue.add(KEY);
  }

  /** Informers synced and the last reconcile converged gobgpd. */
  ready(): boolean {
    return this.#synced && this.#inSync;
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = this.#informers.run(signal);
    const events = this.#events.start(signal);
    const watch = this.#o.gobgp.watchPeers(signal, (event) => {
      // Any session change or resubscription (gobgpd may have restarted empty) means: look again.
      if (event.type === 'disconnected') this.#inSync = false;
      this.#gobgpMayHaveChanged();
      this.kick();
    });
    if (await this.#informers.waitForSync(signal)) {
      this.#synced = true;
      // Each reconcile recomputes the whole desired set and lists gobgpd's RIB: in a burst of changes,
      // holding the key briefly coalesces them into fewer runs; an isolated change is never held.
      const work = this.#queue.start(
        withBurstSettle(
          (_key, s) => this.#reconcile(s),
          this.#clock,
          RECONCILE_SETTLE_MS,
          () => this.#burst.inBurst(),
        ),
        signal,
      );
      const periodic = this.#periodic(signal);
      this.kick();
      await Promise.all([work, periodic]);
    }
    await Promise.all([informers, events, watch]);
  }

  async #periodic(signal: AbortSignal): Promise<void> {
    const resync = this.#o.resyncMs ?? 10_000;
    while (!signal.aborted) {
      const slept = await new Promise<boolean>((resolve) => {
        const t = this.#clock.setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        }, resync);
        const onAbort = (): void => {
          this.#clock.clearTimeout(t);
          resolve(false);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
      if (!slept) return;
      // The resync reads gobgpd again: it repairs paths gobgpd lost without a watch event.
      this.#gobgpMayHaveChanged();
      this.kick();
    }
  }

  /** What gobgpd holds may differ from what this process last read: the next reconcile reads it again. */
  #gobgpMayHaveChanged(): void {
    this.#reads.invalidate();
    this.#announcer.invalidate();
  }

  #world(): Parameters<typeof desiredBgp>[0] {
    const lease = this.#o.lease();
    const peers = this.#peers.list() as BgpObject[];
    const lookup: SecretLookup = (ns, name, key) => this.#secrets.lookup(ns, name, key);
    return {
      nodeName: this.#o.nodeName,
      speakerNamespace: this.#o.namespace,
      nowMs: this.#clock.now(),
      node: this.#nodes.getByName(this.#o.nodeName) as NodeObject | undefined,
      nodes: this.#nodes.list() as NodeObject[],
      services: this.#services.list() as ServiceObject[],
      eips: this.#eips.list() as EipObject[],
      endpointSlices: this.#slices.list() as EndpointSliceObject[],
      leases: lease === undefined ? [] : [lease],
      apiInDoubt: this.#o.apiInDoubt?.() ?? false,
      bgpConfs: this.#confs.list() as BgpObject[],
      bgpPeers: peers,
      secret: lookup,
      configMaps: this.#configMaps.list(this.#o.namespace),
    };
  }

  async #reconcile(signal: AbortSignal): Promise<QueueResult> {
    // Until this process has written its Lease once, its liveness is unknown, not dead: a restarted
    // speaker would otherwise withdraw every route its gobgpd still announces (the cached Lease is
    // the killed process's, expired). The first write's alive change kicks the next reconcile.
    if (this.#o.lease() === undefined) return QueueResult.done();
    await this.#secrets.prefetch(this.#peers.list() as BgpObject[], this.#o.namespace);
    const desired = desiredBgp(this.#world());
    await this.#reportProblems(desired);
    this.#logPolicyNotes(desired.policyNotes);
    let policyReport: PolicyApplyReport | undefined;
    const set: AnnounceSet = {
      global:
        desired.global.kind === 'config'
          ? desired.global
          : desired.global.kind === 'absent'
            ? { kind: 'stopped' }
            : { kind: 'unchanged' },
      peers: desired.peers.map((p) => p.config),
      paths: desired.paths.map((p) => p.route),
      beforeRoutes: async (started, s) => {
        policyReport = await this.#policy.apply(desired.policy, started, s);
      },
    };
    let report: ApplyReport;
    try {
      report = await this.#announcer.apply(set, signal);
    } catch (err) {
      this.#inSync = false;
      this.#metrics.sessions(this.#o.nodeName, []);
      return QueueResult.retry(err instanceof Error ? err.message : String(err));
    }
    this.#inSync = true;
    this.last = { desired, report, ...(policyReport !== undefined && { policy: policyReport }) };
    const rejection = policyReport?.action === 'rejected' ? policyReport.error : undefined;
    if (policyReport !== undefined && rejection !== this.#policyRejection) {
      this.#policyRejection = rejection;
      await this.#reportProblems(desired);
    }
    this.#metrics.sessions(this.#o.nodeName, report.peers);
    this.#metrics.announced(this.#o.nodeName, report.announced);
    const skipped = JSON.stringify(desired.skipped);
    if (skipped !== this.#lastSkipped) {
      this.#lastSkipped = skipped;
      this.#o.log.info(
        { event: 'not_announced', skipped: desired.skipped },
        'what this node does not announce, and why',
      );
    }
    const peerOf = new Map(desired.peers.map((p) => [p.bgpPeer, p.config.neighborAddress]));
    await this.#status.writePeers(
      this.#peers.list() as BgpObject[],
      peerOf,
      report.peers,
      report.running.asn,
    );
    await this.#status.writeConf(
      this.#confs.getByName(DEFAULT_BGP_CONF_NAME) as BgpObject | undefined,
      report.running,
    );
    return QueueResult.done();
  }

  /** Logs gobgp TOML content that is valid but not applied, once per change. */
  #logPolicyNotes(notes: readonly string[]): void {
    const text = notes.join('; ');
    if (text === this.#lastPolicyNotes) return;
    this.#lastPolicyNotes = text;
    if (text !== '')
      this.#o.log.info(
        { event: 'bgp_policy_notes', reason: text },
        `parts of ${POLICY_CONFIGMAP_KEY} are not applied`,
      );
  }

  /** Valid conditions (spec problems only; every speaker agrees on them) and one Event per new problem. */
  async #reportProblems(desired: DesiredBgp): Promise<void> {
    const specProblem = new Map<string, string>();
    const problems: ObjectProblem[] = [...desired.problems];
    // gobgpd refusing the policy is a spec problem too: every speaker runs the same gobgpd version.
    if (this.#policyRejection !== undefined && desired.policy.kind === 'policy')
      problems.push({
        kind: 'BgpConf',
        name: DEFAULT_BGP_CONF_NAME,
        message: `spec.policy: gobgpd refused ${desired.policy.source}: ${this.#policyRejection}; the last good policy stays applied`,
        scope: 'spec',
      });
    for (const p of problems) {
      const key = `${p.kind}/${p.name}`;
      if (p.scope === 'spec') specProblem.set(key, p.message);
      if (this.#reported.get(key) === p.message) continue;
      this.#reported.set(key, p.message);
      const apiVersion = `${API_GROUP}/${STORAGE_VERSION}`;
      this.#events.record({ apiVersion, kind: p.kind, name: p.name }, 'Warning', 'InvalidSpec', p.message);
      this.#o.log.warn({ event: 'invalid_spec', object: key, reason: p.message }, `${key} cannot be applied`);
    }
    for (const key of [...this.#reported.keys()])
      if (!problems.some((p) => `${p.kind}/${p.name}` === key)) this.#reported.delete(key);
    const objects: ['BgpConf' | 'BgpPeer', BgpObject][] = [
      ...(this.#confs.list() as BgpObject[])
        .filter((o) => o.metadata?.name === DEFAULT_BGP_CONF_NAME)
        .map((o): ['BgpConf', BgpObject] => ['BgpConf', o]),
      ...(this.#peers.list() as BgpObject[]).map((o): ['BgpPeer', BgpObject] => ['BgpPeer', o]),
    ];
    for (const [kind, obj] of objects) {
      const problem = specProblem.get(`${kind}/${obj.metadata?.name ?? ''}`);
      await this.#status.writeCondition(kind, obj, problem);
    }
  }
}
