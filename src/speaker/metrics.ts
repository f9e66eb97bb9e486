/** Speaker metrics: openelb_bgp_session_up{peer,node} and openelb_bgp_announced_prefixes{node}. */
import type { PeerStatus } from '../bgp/types.js';
import { METRIC_PREFIX, type Metrics } from '../observability/metrics.js';

/** The speaker's narrow metrics port. */
export interface SpeakerMetrics {
  /** Sets session_up for every listed peer and drops series of peers no longer listed. */
  sessions(node: string, peers: readonly PeerStatus[]): void;
  announced(node: string, count: number): void;
}

/** prom-client implementation, or a no-op without a registry. */
export function speakerMetrics(metrics: Metrics | undefined): SpeakerMetrics {
  if (metrics === undefined) return { sessions: () => undefined, announced: () => undefined };
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
  };
}
