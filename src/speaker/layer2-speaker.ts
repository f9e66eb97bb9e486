/**
 * The speaker's layer2 side: informers (Nodes, Services, Eips, EndpointSlices and every speaker Lease) feed one
 * level-triggered reconcile loop (single queue key "layer2") that elects the announcer of every layer2 IP
 * (desired-layer2.ts) and makes this node's data plane answer exactly for the IPs it won. Liveness comes from
 * the other speakers' Leases, so the loop also runs the moment the next Lease would expire: a killed speaker
 * is replaced within its Lease duration without anyone writing anything.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { API_GROUP, SPEAKER_LEASE_PREFIX, STORAGE_VERSION } from '../api/keys.js';
import { sleep, systemClock, type Clock, type TimerHandle } from '../kube/clock.js';
import { EventRecorder, clientNodeEventWriter, type EventWriter } from '../kube/events.js';
import type { Informer } from '../kube/informer.js';
import { createInformer } from '../kube/informers.js';
import { QueueResult, WorkQueue } from '../kube/queue.js';
import type { NicLookup } from '../layer2/announce-nic.js';
import { hostNicLookup, systemHostView } from '../layer2/host-nics.js';
import { RawSocket } from '../layer2/raw-socket.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { desiredLayer2, type DesiredLayer2 } from './desired-layer2.js';
import { Layer2Dataplane, type NicChange, type SocketOpener } from './layer2-dataplane.js';
import { layer2Metrics, type Layer2SpeakerMetrics } from './metrics.js';
import type { EipObject, EndpointSliceObject, LeaseWire, NodeObject, ServiceObject } from './objects.js';
import { createSharedSpeakerInformers, type SharedSpeakerInformers } from './shared-informers.js';

const KEY = 'layer2';
/** Re-run this long after the next Lease expiry, so the expiry is certainly in the past then. */
const EXPIRY_MARGIN_MS = 20;

/** Dependencies of the layer2 speaker; the optional ones have production defaults. */
export interface Layer2SpeakerOptions {
  readonly kubeConfig: KubeConfig;
  readonly nodeName: string;
  /** Namespace of the speaker Leases. */
  readonly namespace: string;
  readonly log: Logger;
  /** This speaker's own Lease as last written; fresher than the informer's copy. */
  readonly lease: () => LeaseWire | undefined;
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

/** Runs the layer2 announcement of one node. */
/** Pause after each reconcile while further changes coalesce. */
const RECONCILE_SETTLE_MS = 50;

export class Layer2Speaker {
  readonly #o: Layer2SpeakerOptions;
  readonly #clock: Clock;
  /** Every informer this side reads (it waits for all to sync). */
  readonly #informers: Informer<KubernetesObject>[] = [];
  /** The ones this side also starts (not the shared ones it was given). */
  readonly #owned: Informer<KubernetesObject>[] = [];
  readonly #nodes: Informer<KubernetesObject>;
  readonly #services: Informer<KubernetesObject>;
  readonly #eips: Informer<KubernetesObject>;
  readonly #slices: Informer<KubernetesObject>;
  readonly #leases: Informer<KubernetesObject>;
  readonly #queue: WorkQueue;
  readonly #events: EventRecorder;
  readonly #metrics: Layer2SpeakerMetrics;
  readonly #dataplane: Layer2Dataplane;
  readonly #nic: NicLookup;
  /** Problems already reported (subject → message), so each is one Event, not one per reconcile. */
  readonly #reported = new Map<string, string>();
  /** Undefined when no Lease is due to expire (TimerHandle is `unknown`, so a flag keeps it honest). */
  #expiryTimer: { readonly handle: TimerHandle } | undefined;
  #synced = false;
  /** The last desired state (for tests and the demo). */
  last: DesiredLayer2 | undefined;

  constructor(o: Layer2SpeakerOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    const kc = o.kubeConfig;
    const kick = (): void => {
      this.kick();
    };
    const watch = (i: Informer<KubernetesObject>, owned: boolean): Informer<KubernetesObject> => {
      i.addHandlers({ onAdd: kick, onUpdate: kick, onDelete: kick });
      this.#informers.push(i);
      if (owned) this.#owned.push(i);
      return i;
    };
    // Given shared informers, this side only listens; whoever created them starts them.
    const shared = o.informers ?? createSharedSpeakerInformers(kc, this.#clock, 'layer2-');
    const ownsShared = o.informers === undefined;
    this.#nodes = watch(shared.nodes, ownsShared);
    this.#services = watch(shared.services, ownsShared);
    this.#eips = watch(shared.eips, ownsShared);
    this.#slices = watch(shared.slices, ownsShared);
    const leases = createInformer(
      kc,
      { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace: o.namespace },
      { clock: this.#clock, resource: 'layer2-leases' },
    );
    this.#leases = watch(leases, true);
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
    this.#metrics = layer2Metrics(o.metrics);
    this.#nic = o.nic ?? hostNicLookup(systemHostView());
    this.#dataplane = new Layer2Dataplane({
      open: o.open ?? rawSocketOpener(o.log),
      clock: this.#clock,
      metrics: this.#metrics,
    });
  }

  /** Asks for a reconcile (coalesced). */
  kick(): void {
    this.#queue.add(KEY);
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
    const informers = Promise.all(this.#owned.map((i) => i.start(signal)));
    const events = this.#events.start(signal);
    try {
      const synced = await Promise.all(this.#informers.map((i) => i.waitForSync(signal)));
      if (synced.every(Boolean)) {
        this.#synced = true;
        const work = this.#queue.start(async (_key, s) => {
          const result = this.#reconcile(s);
          // Coalesce bursts of changes into fewer full elections (see the BGP speaker).
          await sleep(this.#clock, RECONCILE_SETTLE_MS, s);
          return result;
        }, signal);
        const resync = this.#resync(signal);
        this.kick();
        await Promise.all([work, resync]);
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
    const ms = this.#o.resyncMs ?? 10_000;
    while (!signal.aborted) {
      const slept = await new Promise<boolean>((resolve) => {
        const onAbort = (): void => {
          this.#clock.clearTimeout(t);
          resolve(false);
        };
        const t = this.#clock.setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        }, ms);
        signal.addEventListener('abort', onAbort, { once: true });
      });
      if (!slept) return;
      this.kick();
    }
  }

  #leaseList(): LeaseWire[] {
    const own = this.#o.lease();
    const others = (this.#leases.list() as LeaseWire[]).filter(
      (l) =>
        (l.metadata?.name ?? '').startsWith(SPEAKER_LEASE_PREFIX) &&
        (own === undefined || l.metadata?.name !== own.metadata?.name),
    );
    return own === undefined ? others : [...others, own];
  }

  #reconcile(signal: AbortSignal): QueueResult {
    if (signal.aborted) return QueueResult.done();
    const nowMs = this.#clock.now();
    const leases = this.#leaseList();
    const desired = desiredLayer2({
      nodeName: this.#o.nodeName,
      nowMs,
      nodes: this.#nodes.list() as NodeObject[],
      services: this.#services.list() as ServiceObject[],
      eips: this.#eips.list() as EipObject[],
      endpointSlices: this.#slices.list() as EndpointSliceObject[],
      leases,
      nic: this.#nic,
    });
    this.last = desired;
    const changes = this.#dataplane.apply(desired.nics);
    this.#report(desired, changes);
    this.#metrics.announcing(this.#o.nodeName, [...this.#dataplane.answering().values()].flat());
    this.#armExpiry(leases, nowMs);
    return QueueResult.done();
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

  #report(desired: DesiredLayer2, changes: readonly NicChange[]): void {
    const node = this.#o.nodeName;
    const servicesOf = new Map(desired.owned.map((o) => [o.ip, o.services]));
    for (const change of changes) {
      for (const ip of change.gained) {
        const message = `announcing ${ip} from ${node} on ${change.nic}`;
        this.#o.log.info({ event: 'layer2_gained', ip, nic: change.nic }, message);
        for (const svc of servicesOf.get(ip) ?? [])
          this.#serviceEvent(svc, 'Normal', 'Layer2Announcing', message);
      }
      for (const ip of change.lost)
        this.#o.log.info(
          { event: 'layer2_lost', ip, nic: change.nic },
          `stopped answering for ${ip} on ${change.nic}`,
        );
      for (const f of change.failed) {
        const message = `cannot answer for ${f.ip} on ${change.nic} from ${node}: ${f.reason}`;
        this.#problem(`ip/${f.ip}`, message, () => {
          for (const svc of servicesOf.get(f.ip) ?? [])
            this.#serviceEvent(svc, 'Warning', 'Layer2Failed', message);
        });
      }
    }
    const current = new Set<string>();
    for (const p of desired.problems) {
      current.add(p.subject);
      this.#problem(p.subject, p.message, () => {
        const [kind = '', name = ''] = p.subject.split(' ');
        const apiVersion = kind === 'Node' ? 'v1' : `${API_GROUP}/${STORAGE_VERSION}`;
        this.#events.record(
          { apiVersion, kind, name },
          'Warning',
          'Layer2NoInterface',
          `${node}: ${p.message}`,
        );
      });
    }
    for (const c of changes) for (const f of c.failed) current.add(`ip/${f.ip}`);
    for (const key of [...this.#reported.keys()]) if (!current.has(key)) this.#reported.delete(key);
  }

  #problem(subject: string, message: string, emit: () => void): void {
    if (this.#reported.get(subject) === message) return;
    this.#reported.set(subject, message);
    this.#o.log.warn({ event: 'layer2_problem', subject, reason: message }, message);
    emit();
  }

  #serviceEvent(key: string, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const [namespace = '', name = ''] = key.split('/');
    const svc = this.#services
      .list()
      .find((s) => s.metadata?.namespace === namespace && s.metadata.name === name);
    this.#events.record(svc ?? { apiVersion: 'v1', kind: 'Service', namespace, name }, type, reason, message);
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
