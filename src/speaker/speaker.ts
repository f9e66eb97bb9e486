/**
 * The speaker role: keeps this node's liveness Lease, runs the BGP announcement against the gobgpd
 * sidecar and (unless disabled) the layer2 ARP/NDP responder, which reads every speaker's Lease.
 */
import { setMaxListeners } from 'node:events';
import type { KubeConfig } from '@kubernetes/client-node';
import { speakerLeaseName } from '../api/keys.js';
import { GobgpClient } from '../bgp/client.js';
import { systemClock, type Clock } from '../kube/clock.js';
import { informerHealth } from '../kube/informer-health.js';
import { kubeLeaseApi } from '../kube/leader-election-lock.js';
import { ANNOTATION_LAYER2_EIPS } from '../layer2/availability.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { BgpSpeaker } from './bgp-speaker.js';
import { Layer2Speaker, type Layer2SpeakerOptions } from './layer2-speaker.js';
import { LivenessLease } from './liveness-lease.js';
import { speakerMetrics } from './metrics.js';
import { createSharedSpeakerInformers, runSharedSpeakerInformers } from './shared-informers.js';

/** Settings of one speaker process. */
export interface SpeakerOptions {
  readonly kubeConfig: KubeConfig;
  readonly nodeName: string;
  readonly namespace: string;
  readonly gobgpAddress: string;
  readonly leaseDurationMs: number;
  readonly leaseRenewMs: number;
  readonly resyncMs?: number;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly clock?: Clock;
  /** Answer ARP/NDP for layer2 Eips. @default true */
  readonly layer2?: boolean;
  /** Test seams of the layer2 side (host NIC lookups, packet sockets). */
  readonly layer2Host?: Pick<Layer2SpeakerOptions, 'nic' | 'open' | 'linkReader' | 'kubeProxy'>;
}

/** A running speaker: ready() for /readyz, done when the signal aborted and everything stopped. */
export interface RunningSpeaker {
  readonly bgp: BgpSpeaker;
  readonly lease: LivenessLease;
  /** Undefined when layer2 is disabled. */
  readonly layer2: Layer2Speaker | undefined;
  ready(): boolean;
  readonly done: Promise<void>;
}

/** Starts the speaker; it stops (and releases its Lease) when `signal` aborts. */
export function startSpeaker(o: SpeakerOptions, signal: AbortSignal): RunningSpeaker {
  // Every informer, queue and timer of both sides listens on this one signal (Node warns above 10).
  setMaxListeners(64, signal);
  const clock = o.clock ?? systemClock;
  const metrics = speakerMetrics(o.metrics);
  metrics.leaseHeld(o.nodeName, false);
  metrics.apiInDoubt(o.nodeName, false);
  const gobgp = new GobgpClient({
    address: o.gobgpAddress,
    onConnectivityChange: (state, error) => {
      o.log.info({ event: 'gobgp_connectivity', state, reason: error?.message }, `gobgpd is ${state}`);
      metrics.gobgpReachable(o.nodeName, state === 'ready');
    },
    onCall: (call) => {
      metrics.gobgpCall(o.nodeName, call);
    },
  });
  // The Lease's callback needs the speaker, which needs the Lease: tie them through a reference.
  const ref: { bgp?: BgpSpeaker; layer2?: Layer2Speaker } = {};
  const lease = new LivenessLease({
    api: kubeLeaseApi(o.kubeConfig, o.namespace, speakerLeaseName(o.nodeName)),
    identity: o.nodeName,
    durationMs: o.leaseDurationMs,
    renewMs: o.leaseRenewMs,
    clock,
    log: o.log,
    onAliveChange: (alive) => {
      o.log.info(
        { event: alive ? 'lease_fresh' : 'lease_stale' },
        `speaker Lease ${alive ? 'fresh' : 'stale'}`,
      );
      metrics.leaseHeld(o.nodeName, alive);
      ref.bgp?.kick();
      ref.layer2?.kick();
    },
    onDoubtChange: (inDoubt) => {
      metrics.apiInDoubt(o.nodeName, inDoubt);
    },
    onApiRegained: (blindFromMs, nowMs) => {
      o.log.info(
        { event: 'api_regained', blindMs: nowMs - blindFromMs },
        `Lease renewals get through again after ${String(nowMs - blindFromMs)} ms without`,
      );
      ref.bgp?.kick();
      ref.layer2?.apiRegained(blindFromMs, nowMs);
    },
  });
  const apiInDoubt = (): boolean => lease.inDoubt();
  // One watch per kind for both sides: each adds its own handlers; only this function starts them.
  const informers = createSharedSpeakerInformers(o.kubeConfig, clock, informerHealth(o.log, o.metrics));
  const speaker = new BgpSpeaker({
    kubeConfig: o.kubeConfig,
    nodeName: o.nodeName,
    namespace: o.namespace,
    gobgp,
    log: o.log,
    lease: () => lease.asLanded(),
    apiInDoubt,
    clock,
    informers,
    ...(o.metrics !== undefined && { metrics: o.metrics }),
    ...(o.resyncMs !== undefined && { resyncMs: o.resyncMs }),
  });
  ref.bgp = speaker;
  const layer2 =
    o.layer2 === false
      ? undefined
      : new Layer2Speaker({
          kubeConfig: o.kubeConfig,
          nodeName: o.nodeName,
          namespace: o.namespace,
          log: o.log.child({ component: 'layer2' }),
          lease: () => lease.asLanded(),
          apiInDoubt,
          clock,
          informers,
          publish: (annotations) => {
            for (const [key, value] of Object.entries(annotations)) lease.setAnnotation(key, value);
          },
          ...o.layer2Host,
          ...(o.metrics !== undefined && { metrics: o.metrics }),
          ...(o.resyncMs !== undefined && { resyncMs: o.resyncMs }),
        });
  ref.layer2 = layer2;
  // Without layer2 this node answers no ARP/NDP: say so, or peers would infer it can serve every Eip.
  if (layer2 === undefined) lease.setAnnotation(ANNOTATION_LAYER2_EIPS, '');
  const done = Promise.all([
    runSharedSpeakerInformers(informers, signal),
    lease.run(signal),
    speaker.run(signal),
    layer2?.run(signal),
  ]).then(
    () => {
      gobgp.close();
    },
    (err: unknown) => {
      gobgp.close();
      throw err;
    },
  );
  return {
    bgp: speaker,
    lease,
    layer2,
    ready: () => speaker.ready() && (layer2?.ready() ?? true) && lease.alive(),
    done,
  };
}
