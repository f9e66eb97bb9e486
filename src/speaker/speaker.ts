/**
 * The speaker role: keeps this node's liveness Lease and runs the BGP announcement against the
 * gobgpd sidecar. (Layer2 joins here later, reading the same Lease.)
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { speakerLeaseName } from '../api/keys.js';
import { GobgpClient } from '../bgp/client.js';
import { systemClock, type Clock } from '../kube/clock.js';
import { kubeLeaseApi } from '../kube/leader-election-lock.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { BgpSpeaker } from './bgp-speaker.js';
import { LivenessLease } from './liveness-lease.js';

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
}

/** A running speaker: ready() for /readyz, done when the signal aborted and everything stopped. */
export interface RunningSpeaker {
  readonly bgp: BgpSpeaker;
  readonly lease: LivenessLease;
  ready(): boolean;
  readonly done: Promise<void>;
}

/** Starts the speaker; it stops (and releases its Lease) when `signal` aborts. */
export function startSpeaker(o: SpeakerOptions, signal: AbortSignal): RunningSpeaker {
  const clock = o.clock ?? systemClock;
  const gobgp = new GobgpClient({
    address: o.gobgpAddress,
    onConnectivityChange: (state, error) => {
      o.log.info({ event: 'gobgp_connectivity', state, reason: error?.message }, `gobgpd is ${state}`);
    },
  });
  // The Lease's callback needs the speaker, which needs the Lease: tie them through a reference.
  const ref: { bgp?: BgpSpeaker } = {};
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
      ref.bgp?.kick();
    },
  });
  const speaker = new BgpSpeaker({
    kubeConfig: o.kubeConfig,
    nodeName: o.nodeName,
    namespace: o.namespace,
    gobgp,
    log: o.log,
    lease: () => lease.current(),
    clock,
    ...(o.metrics !== undefined && { metrics: o.metrics }),
    ...(o.resyncMs !== undefined && { resyncMs: o.resyncMs }),
  });
  ref.bgp = speaker;
  const done = Promise.all([lease.run(signal), speaker.run(signal)]).then(
    () => {
      gobgp.close();
    },
    (err: unknown) => {
      gobgp.close();
      throw err;
    },
  );
  return { bgp: speaker, lease, ready: () => speaker.ready() && lease.alive(), done };
}
