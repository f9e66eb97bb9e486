/**
 * Speaker metrics: openelb_bgp_session_up{peer,node}, openelb_bgp_announced_prefixes{node},
 * openelb_speaker_lease_held{node}, openelb_speaker_api_in_doubt{node}, the gobgpd calls and reachability, and the layer2 announcer gauge,
 * takeover and responder counters.
 */
import type { Counter } from 'prom-client';
import type { GobgpCallRecord } from '../bgp/client.js';
import type { PeerStatus } from '../bgp/types.js';
import type { ResponderMetrics } from '../layer2/responder.js';
import { METRIC_PREFIX, type Metrics } from '../observability/metrics.js';

/** The speaker's narrow metrics port. */
export interface SpeakerMetrics {
  /** Sets session_up for every listed peer and drops series of peers no longer listed. */
  sessions(node: string, peers: readonly PeerStatus[]): void;
  announced(node: string, count: number): void;
  /** openelb_speaker_lease_held{node}: 1 while this speaker's liveness Lease is fresh. */
  leaseHeld(node: string, held: boolean): void;
  /** openelb_speaker_api_in_doubt{node}: 1 while the speaker holds its announcements (ADR 0019). */
  apiInDoubt(node: string, inDoubt: boolean): void;
  /** One finished gobgpd call: openelb_gobgp_requests_total and openelb_gobgp_request_duration_seconds. */
  gobgpCall(node: string, call: GobgpCallRecord): void;
  /** openelb_gobgp_reachable{node}: whether the last call reached this node's gobgpd. */
  gobgpReachable(node: string, reachable: boolean): void;
}

/** gobgpd answers on loopback in about a millisecond; a ListPath of 10,000 routes takes ~0.3 s. */
const GOBGP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** prom-client implementation, or a no-op without a registry. */
export function speakerMetrics(metrics: Metrics | undefined): SpeakerMetrics {
  if (metrics === undefined)
    return {
      sessions: () => undefined,
      announced: () => undefined,
      leaseHeld: () => undefined,
      apiInDoubt: () => undefined,
      gobgpCall: () => undefined,
      gobgpReachable: () => undefined,
    };
  const up = metrics.gauge<'peer' | 'node'>({
    name: `${METRIC_PREFIX}bgp_session_up`,
    help: '1 when the BGP session with the peer is Established, else 0',
    labelNames: ['peer', 'node'],
  });
  const announced = metrics.gauge<'node'>({
    name: `${METRIC_PREFIX}bgp_announced_prefixes`,
    help: 'Service prefixes this node announces through its gobgpd',
    labelNames: ['node'],
  });
  const lease = metrics.gauge<'node'>({
    name: `${METRIC_PREFIX}speaker_lease_held`,
    help: "1 while this speaker's liveness Lease is fresh; 0 means peers treat the node as gone",
    labelNames: ['node'],
  });
  const doubt = metrics.gauge<'node'>({
    name: `${METRIC_PREFIX}speaker_api_in_doubt`,
    help: '1 while no Lease renewal of this speaker has been answered for half the Lease duration: it holds what it announces until the API answers',
    labelNames: ['node'],
  });
  const requests = metrics.counter<'node' | 'method' | 'outcome'>({
    name: `${METRIC_PREFIX}gobgp_requests_total`,
    help: "gRPC calls to this node's gobgpd by method and outcome (ok, or the error kind: unavailable, deadline-exceeded, ...)",
    labelNames: ['node', 'method', 'outcome'],
  });
  const duration = metrics.histogram<'node' | 'method'>({
    name: `${METRIC_PREFIX}gobgp_request_duration_seconds`,
    help: "Duration of gRPC calls to this node's gobgpd, streams to their end",
    labelNames: ['node', 'method'],
    buckets: GOBGP_BUCKETS,
  });
  const reachable = metrics.gauge<'node'>({
    name: `${METRIC_PREFIX}gobgp_reachable`,
    help: "1 when the last call reached this node's gobgpd, 0 when it was unreachable",
    labelNames: ['node'],
  });
  let known = new Set<string>();
  return {
    sessions(node, peers) {
      const now = new Set<string>();
      for (const p of peers) {
        now.add(p.config.neighborAddress);
        up.set({ peer: p.config.neighborAddress, node }, p.sessionState === 'established' ? 1 : 0);
      }
      for (const peer of known) if (!now.has(peer)) up.remove({ peer, node });
      known = now;
    },
    announced(node, count) {
      announced.set({ node }, count);
    },
    leaseHeld(node, held) {
      lease.set({ node }, held ? 1 : 0);
    },
    apiInDoubt(node, inDoubt) {
      doubt.set({ node }, inDoubt ? 1 : 0);
    },
    gobgpCall(node, call) {
      requests.inc({ node, method: call.operation, outcome: call.outcome });
      duration.observe({ node, method: call.operation }, call.seconds);
    },
    gobgpReachable(node, up) {
      reachable.set({ node }, up ? 1 : 0);
    },
  };
}

/** The layer2 side's metrics: who announces, and the responders' counters. */
export interface Layer2SpeakerMetrics extends ResponderMetrics {
  /** openelb_layer2_announcer{ip,node} = 1 for exactly `ips` (this node's), other series of `node` dropped. */
  announcing(node: string, ips: readonly string[]): void;
  /** openelb_layer2_ips_gained_total{node}: IPs this node started answering for (new or taken over). */
  gained(node: string, count: number): void;
}

const noLayer2Metrics: Layer2SpeakerMetrics = {
  announcing: () => undefined,
  gained: () => undefined,
  requestReceived: () => undefined,
  replySent: () => undefined,
  gratuitousSent: () => undefined,
  dropped: () => undefined,
  sendFailed: () => undefined,
  conflictSeen: () => undefined,
};

/** prom-client implementation of the layer2 metrics, or a no-op without a registry. */
export function layer2Metrics(metrics: Metrics | undefined): Layer2SpeakerMetrics {
  if (metrics === undefined) return noLayer2Metrics;
  const announcer = metrics.gauge<'ip' | 'node'>({
    name: `${METRIC_PREFIX}layer2_announcer`,
    help: '1 for each IP this node answers ARP/NDP for (the elected announcer)',
    labelNames: ['ip', 'node'],
  });
  const counter = (name: string, help: string): Counter<'nic' | 'ip'> =>
    metrics.counter<'nic' | 'ip'>({
      name: `${METRIC_PREFIX}layer2_${name}`,
      help,
      labelNames: ['nic', 'ip'],
    });
  const requests = counter(
    'requests_received_total',
    'ARP requests / Neighbor Solicitations answered, per owned IP',
  );
  const replies = counter('responses_sent_total', 'ARP replies / Neighbor Advertisements sent, per owned IP');
  const gratuitous = counter(
    'gratuitous_sent_total',
    'Gratuitous ARP / unsolicited NA packets sent, per owned IP',
  );
  const conflicts = counter(
    'address_conflicts_total',
    'Frames from another host that uses (or configures) an owned IP: an Eip overlapping a host, DHCP pool or router',
  );
  const dropped = metrics.counter<'nic' | 'reason'>({
    name: `${METRIC_PREFIX}layer2_frames_ignored_total`,
    help: 'Frames the responder did not answer, by reason',
    labelNames: ['nic', 'reason'],
  });
  const failures = metrics.counter<'nic'>({
    name: `${METRIC_PREFIX}layer2_send_failures_total`,
    help: 'Packets the responder could not send (or multicast groups it could not join)',
    labelNames: ['nic'],
  });
  const gained = metrics.counter<'node'>({
    name: `${METRIC_PREFIX}layer2_ips_gained_total`,
    help: 'IPs this node started answering for: takeovers from another node (failovers) and new Services',
    labelNames: ['node'],
  });
  let known = new Set<string>();
  return {
    gained(node, count) {
      if (count > 0) gained.inc({ node }, count);
    },
    announcing(node, ips) {
      const now = new Set(ips);
      for (const ip of now) announcer.set({ ip, node }, 1);
      for (const ip of known) if (!now.has(ip)) announcer.remove({ ip, node });
      known = now;
    },
    requestReceived: (nic, ip) => {
      requests.inc({ nic, ip });
    },
    replySent: (nic, ip) => {
      replies.inc({ nic, ip });
    },
    conflictSeen: (nic, ip) => {
      conflicts.inc({ nic, ip });
    },
    gratuitousSent: (nic, ip, packets) => {
      gratuitous.inc({ nic, ip }, packets);
    },
    dropped: (nic, reason) => {
      dropped.inc({ nic, reason });
    },
    sendFailed: (nic) => {
      failures.inc({ nic });
    },
  };
}
