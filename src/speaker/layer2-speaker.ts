/**
 * The speaker's layer2 side: informers (Nodes, Services, Eips, EndpointSlices and every speaker Lease) feed one
 * level-triggered reconcile loop (single queue key "layer2") that elects the announcer of every layer2 IP
 * (desired-layer2.ts) and makes this node's data plane answer exactly for the IPs it won. Liveness comes from
 * the other speakers' Leases, so the loop also runs the moment the next Lease would expire: a killed speaker
 * is replaced within its Lease duration without anyone writing anything.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { SPEAKER_LEASE_PREFIX } from '../api/keys.js';
import { sleep, systemClock, type Clock, type TimerHandle } from '../kube/clock.js';
import { EventRecorder, clientNodeEventWriter, type EventWriter } from '../kube/events.js';
import type { Informer } from '../kube/informer.js';
import { informerHealth } from '../kube/informer-health.js';
import { createInformer } from '../kube/informers.js';
import { QueueResult, WorkQueue } from '../kube/queue.js';
import { RendezvousMemo, rendezvousOrder } from '../layer2/announce-election.js';
import { leaseChangeMatters } from './lease-relevance.js';
import { LeaseObserver } from './lease-observer.js';
import { specMayChange, sliceOfAnnouncedService, hasIngressIn } from './bgp-relevance.js';
import { nodeMayChangeLayer2 } from './layer2-relevance.js';
import type { NicLookup } from '../layer2/announce-nic.js';
import type { Takeover } from '../layer2/conflict.js';
import { availabilityAnnotations } from '../layer2/availability.js';
import { LinkMonitor, sysfsLinkReader, type LinkReader } from '../layer2/link-monitor.js';
import { hostNicLookup, systemHostView } from '../layer2/host-nics.js';
import { RawSocket } from '../layer2/raw-socket.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { desiredLayer2, type DesiredLayer2 } from './desired-layer2.js';
import { Layer2Dataplane, type SocketOpener } from './layer2-dataplane.js';
import { Layer2Reporter } from './layer2-events.js';
import { layer2Metrics, type Layer2SpeakerMetrics } from './metrics.js';
import type { EipObject, EndpointSliceObject, LeaseWire, NodeObject, ServiceObject } from './objects.js';
import { announcementsMayChange } from './service-relevance.js';
import {
  createSharedSpeakerInformers,
  SideInformers,
  type SharedSpeakerInformers,
} from './shared-informers.js';
import { kubeProxyConfigReader, strictArpWarning, type KubeProxyRead } from './strict-arp.js';

const KEY = 'layer2';
/** Renewals seen this far off this clock are logged as clock skew (watch latency is milliseconds). */
const CLOCK_WARN_MS = 1000;

/** Re-run this long after the next Lease expiry, so the expiry is certainly in the past then. */
const EXPIRY_MARGIN_MS = 20;

/** Dependencies of the layer2 speaker; the optional ones have production defaults. */
export interface Layer2SpeakerOptions {
  readonly kubeConfig: KubeConfig;
  readonly nodeName: string;
  /** Namespace of the speaker Leases. */
  readonly namespace: string;
  readonly log: Logger;
  /**
   * This speaker's own Lease as last written, fresher than the informer's copy, with its renewTime being
   * when the write was answered (LivenessLease.asLanded): judged like peers' Leases, from when a renewal
   * landed. By the renewTime it was sent with, under an API answering renewals 1.5 s late this node
   * dropped out of its own elections while every peer still counted it alive (ADR 0019).
   */
  readonly lease: () => LeaseWire | undefined;
  /**
   * True while this speaker's own Lease renewals do not get through (LivenessLease.inDoubt): the elections
   * are then not run and the data plane keeps answering what it answers (ADR 0019). Call apiRegained()
   * when they get through again. @default never in doubt
   */
  readonly apiInDoubt?: () => boolean;
  readonly metrics?: Metrics;
  readonly clock?: Clock;
  /** Periodic full reconcile. @default 10_000 */
  readonly resyncMs?: number;
  /** Host NIC lookups. @default the host's (os.networkInterfaces, ip route get) */
  readonly nic?: NicLookup;
  /** Opens packet sockets. @default RawSocket.open */
  readonly open?: SocketOpener;
  readonly eventWriter?: EventWriter;
  /** Nodes/Services/Eips/EndpointSlices informers started by the caller. @default private ones, started here */
  readonly informers?: SharedSpeakerInformers;
  /**
   * Publishes on its Lease the layer2 Eips this node can serve now and those it cannot (the annotations of
   * availabilityAnnotations); called after every reconcile, the callee writes only on change.
   * @default nothing is published (peers infer)
   */
  readonly publish?: (annotations: Readonly<Record<string, string>>) => void;
  /** Reads NIC link state for the link monitor. @default /sys/class/net */
  readonly linkReader?: LinkReader;
  /** Link monitor poll interval. @default 200 */
  readonly linkPollMs?: number;
  /** Reads kube-system/kube-proxy for the strictARP warning. @default the API */
  readonly kubeProxy?: (signal: AbortSignal) => Promise<KubeProxyRead>;
  /** How often kube-proxy's ConfigMap is read again. @default 300_000 */
  readonly strictArpResyncMs?: number;
}

/** The production SocketOpener: a kernel-filtered AF_PACKET socket per NIC and kind. */
export function rawSocketOpener(log: Logger): SocketOpener {
  return (nic, kind, onFrame) =>
    RawSocket.open({
      interfaceName: nic,
      kind,
      onFrame,
      onError: (err: unknown) => {
        log.warn(
          { event: 'layer2_frame_error', nic, kind, err: err instanceof Error ? err.message : String(err) },
          'a frame could not be handled',
        );
      },
    });
}

/** Pause after each reconcile while further changes coalesce. */
const RECONCILE_SETTLE_MS = 50;

/** Runs the layer2 announcement of one node. */
export class Layer2Speaker {
  readonly #o: Layer2SpeakerOptions;
  readonly #clock: Clock;
  readonly #informers: SideInformers;
  readonly #nodes: Informer<KubernetesObject>;
  readonly #services: Informer<KubernetesObject>;
  readonly #eips: Informer<KubernetesObject>;
  readonly #slices: Informer<KubernetesObject>;
  readonly #leases: Informer<KubernetesObject>;
  readonly #queue: WorkQueue;
  readonly #events: EventRecorder;
  readonly #reporter: Layer2Reporter;
  readonly #metrics: Layer2SpeakerMetrics;
  readonly #dataplane: Layer2Dataplane;
  readonly #nic: NicLookup;
  readonly #links: LinkMonitor;
  /** The strictARP warning from the last read of kube-proxy's ConfigMap (undefined: nothing to warn). */
  #strictArp: string | undefined;
  /** Undefined when no Lease is due to expire (TimerHandle is `unknown`, so a flag keeps it honest). */
  #expiryTimer: { readonly handle: TimerHandle } | undefined;
  #synced = false;
  /** Other speakers' renewals as this speaker saw them, by its own clock. */
  readonly #observer = new LeaseObserver();
  /** Lease names whose renewals arrive more than CLOCK_WARN_MS off this clock (logged once). */
  readonly #clockOff = new Set<string>();
  /** Rendezvous orders kept between reconciles (see RendezvousMemo). */
  readonly #rendezvous = new RendezvousMemo();
  /** Set while a reconcile found the API in doubt and held the data plane as it was. */
  #holding = false;
  /** The last desired state (for tests and the demo). */
  last: DesiredLayer2 | undefined;

  constructor(o: Layer2SpeakerOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    const kc = o.kubeConfig;
    this.#informers = new SideInformers(() => {
      this.kick();
    });
    const watch = this.#informers.watch.bind(this.#informers);
    // Given shared informers, this side only listens; whoever created them starts them.
    const health = informerHealth(o.log, o.metrics);
    const shared =
      o.informers ?? createSharedSpeakerInformers(kc, this.#clock, { resourcePrefix: 'layer2-', ...health });
    const ownsShared = o.informers === undefined;
    // Each informer kicks only on changes the elections read: heartbeats, the controller's Eip status
    // writes and endpoint churn of Services without an IP would otherwise re-run them all.
    this.#nodes = watch(shared.nodes, ownsShared, nodeMayChangeLayer2);
    this.#services = watch(shared.services, ownsShared, announcementsMayChange);
    this.#eips = watch(shared.eips, ownsShared, specMayChange);
    this.#slices = watch(shared.slices, ownsShared, sliceOfAnnouncedService(hasIngressIn(this.#services)));
    const leases = createInformer(
      kc,
      { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace: o.namespace },
      { clock: this.#clock, resource: 'layer2-leases', ...health },
    );
    // Renewals of fresh Leases are skipped (lease-relevance.ts); the expiry timer covers a Lease that stops.
    this.#leases = watch(leases, true, (before, after) => {
      // Judged as seen from here (lease-observer.ts): `before` as last seen, `after` as seen now.
      const now = this.#clock.now();
      const b = before as LeaseWire;
      const a = after as LeaseWire;
      if (!(a.metadata?.name ?? b.metadata?.name ?? '').startsWith(SPEAKER_LEASE_PREFIX)) return false;
      const beforeView = b.metadata === undefined ? b : this.#observer.localView(b, now);
      if (a.metadata !== undefined) this.#noteClockOffset(a, this.#observer.observe(a, now));
      if (a.metadata === undefined && b.metadata?.name !== undefined) this.#observer.forget(b.metadata.name);
      const afterView = a.metadata === undefined ? a : this.#observer.localView(a, now);
      return leaseChangeMatters(beforeView, afterView, now);
    });
    this.#queue = new WorkQueue({
      name: KEY,
      backoff: { baseMs: 50, capMs: 2000, jitter: 0.2 },
      clock: this.#clock,
      logger: o.log,
    });
    this.#events = new EventRecorder({
      writer: o.eventWriter ?? clientNodeEventWriter(kc),
      instance: o.nodeName,
      clock: this.#clock,
      logger: o.log,
    });
    this.#reporter = new Layer2Reporter({
      nodeName: o.nodeName,
      events: this.#events,
      log: o.log,
      services: () => this.#services.list(),
      now: () => this.#clock.now(),
    });
    this.#links = new LinkMonitor({
      read: o.linkReader ?? sysfsLinkReader(),
      clock: this.#clock,
      ...(o.linkPollMs !== undefined && { intervalMs: o.linkPollMs }),
      onChange: (changed) => {
        o.log.info(
          { event: 'layer2_link_change', nics: changed },
          `link state changed: ${changed.join(', ')}`,
        );
        this.kick();
      },
    });
    this.#metrics = layer2Metrics(o.metrics);
    this.#nic = o.nic ?? hostNicLookup(systemHostView());
    this.#dataplane = new Layer2Dataplane({
      open: o.open ?? rawSocketOpener(o.log),
      clock: this.#clock,
      metrics: this.#metrics,
      onClaim: (nic, claim) => {
        this.#reporter.conflict(nic, claim);
      },
      onTakeover: (nic, takeover) => {
        this.#yieldWhileHolding(nic, takeover);
      },
      ipv6ProbeSource: (nic) => this.#nic.linkLocal?.(nic),
    });
  }

  /** Asks for a reconcile (coalesced). */
  kick(): void {
    this.#queue.add(KEY);
  }

  /**
   * This speaker's Lease renewals get through again, after none did since `blindFromMs`: peers'
   * renewals could not reach it in that span either, so it does not count against their Leases
   * (LeaseObserver.excuse), and the elections run again now.
   */
  apiRegained(blindFromMs: number, nowMs: number): void {
    this.#observer.excuse(blindFromMs, nowMs);
    this.kick();
  }

  /** Informers synced (the data plane follows within one reconcile). */
  ready(): boolean {
    return this.#synced;
  }

  /** NIC → IPs this node answers for right now. */
  answering(): Map<string, string[]> {
    return this.#dataplane.answering();
  }

  /** Runs until `signal` aborts; then stops answering and closes every socket. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = this.#informers.run(signal);
    const events = this.#events.start(signal);
    try {
      if (await this.#informers.waitForSync(signal)) {
        this.#synced = true;
        const work = this.#queue.start(async (_key, s) => {
          const result = this.#reconcile(s);
          // Coalesce bursts of changes into fewer full elections (see the BGP speaker).
          await sleep(this.#clock, RECONCILE_SETTLE_MS, s);
          return result;
        }, signal);
        const resync = this.#resync(signal);
        const links = this.#links.run(signal);
        const strictArp = this.#watchStrictArp(signal);
        this.kick();
        await Promise.all([work, resync, links, strictArp]);
      }
    } finally {
      // Stop answering first: a stopping speaker must not keep claiming IPs its successor now answers.
      this.#dataplane.stop();
      if (this.#expiryTimer !== undefined) this.#clock.clearTimeout(this.#expiryTimer.handle);
      this.#metrics.announcing(this.#o.nodeName, []);
    }
    await Promise.all([informers, events]);
  }

  async #resync(signal: AbortSignal): Promise<void> {
    while (await sleep(this.#clock, this.#o.resyncMs ?? 10_000, signal)) this.kick();
  }

  /** Reads kube-proxy's ConfigMap at start and on a slow resync; missing or forbidden is normal (debug). */
  async #watchStrictArp(signal: AbortSignal): Promise<void> {
    const read = this.#o.kubeProxy ?? kubeProxyConfigReader(this.#o.kubeConfig);
    do {
      const found = await read(signal);
      const warning = found.kind === 'found' ? strictArpWarning(found.data) : undefined;
      if (found.kind === 'unavailable')
        this.#o.log.debug(
          { event: 'kube_proxy_config', reason: found.reason },
          'kube-proxy ConfigMap not read',
        );
      if (warning !== this.#strictArp) {
        this.#strictArp = warning;
        this.kick();
      }
    } while (await sleep(this.#clock, this.#o.strictArpResyncMs ?? 300_000, signal));
  }

  /**
   * Logs once per peer (again after it recovered) when its renewals arrive more than CLOCK_WARN_MS
   * off this clock: a sign that NTP is missing. Elections are not affected (lease-observer.ts), but
   * other things are (certificates, logs, the status command's view of Leases).
   */
  #noteClockOffset(lease: LeaseWire, offsetMs: number | undefined): void {
    const name = lease.metadata?.name ?? '';
    if (offsetMs === undefined || name === '' || lease.spec?.holderIdentity === this.#o.nodeName) return;
    const off = Math.abs(offsetMs) > CLOCK_WARN_MS;
    if (off === this.#clockOff.has(name)) return;
    if (!off) {
      this.#clockOff.delete(name);
      return;
    }
    this.#clockOff.add(name);
    const peer = name.slice(SPEAKER_LEASE_PREFIX.length);
    const direction = offsetMs > 0 ? 'behind' : 'ahead of';
    this.#o.log.warn(
      { event: 'clock_offset', node: peer, offsetMs },
      `${peer}'s clock is about ${(Math.abs(offsetMs) / 1000).toFixed(1)} s ${direction} this node's (${this.#o.nodeName}) by its Lease renewals: run NTP on every node; layer2 elections judge Leases by when they are seen, so no IP moves because of it`,
    );
  }

  #leaseList(nowMs: number): LeaseWire[] {
    const own = this.#o.lease();
    const others = (this.#leases.list() as LeaseWire[])
      .filter(
        (l) =>
          (l.metadata?.name ?? '').startsWith(SPEAKER_LEASE_PREFIX) &&
          (own === undefined || l.metadata?.name !== own.metadata?.name),
      )
      .map((l) => this.#observer.localView(l, nowMs));
    return own === undefined ? others : [...others, own];
  }

  #reconcile(signal: AbortSignal): QueueResult {
    if (signal.aborted) return QueueResult.done();
    if (this.#holdForApi()) return QueueResult.done();
    const nowMs = this.#clock.now();
    const leases = this.#leaseList(nowMs);
    const desired = desiredLayer2({
      nodeName: this.#o.nodeName,
      nowMs,
      nodes: this.#nodes.list() as NodeObject[],
      services: this.#services.list() as ServiceObject[],
      eips: this.#eips.list() as EipObject[],
      endpointSlices: this.#slices.list() as EndpointSliceObject[],
      leases,
      nic: this.#nic,
      rendezvous: this.#rendezvous,
    });
    this.last = desired;
    const changes = this.#dataplane.apply(desired.nics);
    // Publish after applying: once peers read it, this node already stopped answering what it gave up.
    this.#o.publish?.(availabilityAnnotations(desired.available, desired.unusable));
    this.#links.watch(desired.nicsInUse);
    this.#reporter.report(desired, changes);
    this.#reportStrictArp(desired, leases, nowMs);
    this.#metrics.announcing(this.#o.nodeName, [...this.#dataplane.answering().values()].flat());
    this.#metrics.gained(
      this.#o.nodeName,
      changes.reduce((n, c) => n + c.gained.length, 0),
    );
    this.#armExpiry(leases, nowMs);
    return QueueResult.done();
  }

  /**
   * While the API is in doubt nothing is decided: every speaker would otherwise see every other's Lease
   * expire (renewals stop arriving when the API server is down) and its own too, and either drop every IP
   * or answer for all of them, over an outage of the control plane alone. Held as it is instead, the data
   * plane is what it was before the outage on every node. Logged once per outage.
   */
  #holdForApi(): boolean {
    const doubt = this.#o.apiInDoubt?.() ?? false;
    if (doubt === this.#holding) return doubt;
    this.#holding = doubt;
    const held = [...this.#dataplane.answering().values()].flat();
    if (doubt) {
      if (this.#expiryTimer !== undefined) this.#clock.clearTimeout(this.#expiryTimer.handle);
      this.#expiryTimer = undefined;
      this.#o.log.warn(
        { event: 'api_hold', answering: held },
        `the Kubernetes API does not take this speaker's Lease renewals: holding the ${String(held.length)} layer2 IP(s) answered here, and taking over none, until it does`,
      );
    } else {
      this.#o.log.info(
        { event: 'api_hold_end', answering: held },
        'the Kubernetes API is back: layer2 elections run again',
      );
    }
    return doubt;
  }

  /**
   * While holding, another node announced it took one of the held IPs over: it was elected by speakers
   * that still reach the API, so this node alone is cut off (a partition, not an outage of the API), and
   * it stops answering for that IP instead of answering alongside. Outside a hold the elections decide,
   * and a handover's gratuitous ARP is expected.
   */
  #yieldWhileHolding(nic: string, takeover: Takeover): void {
    if (!this.#holding) return;
    const answering = this.#dataplane.answering();
    if (!(answering.get(nic) ?? []).includes(takeover.ip)) return;
    answering.set(
      nic,
      (answering.get(nic) ?? []).filter((ip) => ip !== takeover.ip),
    );
    this.#dataplane.apply(answering);
    this.#metrics.announcing(this.#o.nodeName, [...this.#dataplane.answering().values()].flat());
    this.#o.log.warn(
      { event: 'api_hold_yield', ip: takeover.ip, nic, mac: takeover.mac },
      `${takeover.mac} took ${takeover.ip} over while this node cannot reach the Kubernetes API: no longer answering for it`,
    );
  }

  /** kube-proxy's setting is cluster-wide: one node (first in rendezvous order among live speakers) reports it. */
  #reportStrictArp(desired: DesiredLayer2, leases: readonly LeaseWire[], nowMs: number): void {
    const live = leases
      .filter((l) => nextLeaseExpiry([l], nowMs) !== undefined)
      .map((l) => (l.metadata?.name ?? '').slice(SPEAKER_LEASE_PREFIX.length));
    const reporter = rendezvousOrder(live, 'strictARP')[0];
    const eips = reporter === this.#o.nodeName ? desired.layer2Eips : [];
    this.#reporter.strictArp(eips, this.#strictArp);
  }

  /** Wake up just after the earliest still-fresh Lease would expire: that is when an owner may be gone. */
  #armExpiry(leases: readonly LeaseWire[], nowMs: number): void {
    const next = nextLeaseExpiry(leases, nowMs);
    if (this.#expiryTimer !== undefined) this.#clock.clearTimeout(this.#expiryTimer.handle);
    this.#expiryTimer = undefined;
    if (next === undefined) return;
    const handle = this.#clock.setTimeout(
      () => {
        this.kick();
      },
      next - nowMs + EXPIRY_MARGIN_MS,
    );
    this.#expiryTimer = { handle };
  }
}

/** The earliest renewTime + duration after `nowMs` among `leases` that hold a holder, in ms. */
export function nextLeaseExpiry(leases: readonly LeaseWire[], nowMs: number): number | undefined {
  let next: number | undefined;
  for (const l of leases) {
    if ((l.spec?.holderIdentity ?? '') === '') continue;
    const renewed = Date.parse(l.spec?.renewTime ?? '');
    const seconds = l.spec?.leaseDurationSeconds;
    if (Number.isNaN(renewed) || seconds === undefined) continue;
    const expiry = renewed + seconds * 1000;
    if (expiry > nowMs && (next === undefined || expiry < next)) next = expiry;
  }
  return next;
}
