/**
 * Domain values of the gobgp client: plain data the announcer can build, compare and diff without
 * touching protobuf messages. Mapping to and from the gobgp 3.10 API lives in *-mapping.ts.
 */
import type { GobgpError } from './errors.js';

/** Address families this project announces (AFI/SAFI = IPv4 or IPv6 unicast). */
export type RouteFamily = 'ipv4-unicast' | 'ipv6-unicast';

/** BGP ORIGIN attribute. */
export type Origin = 'igp' | 'egp' | 'incomplete';

/** What the caller wants announced. `prefixLen` defaults to a host route (/32 or /128). */
export interface RouteInput {
  readonly prefix: string;
  readonly prefixLen?: number;
  /** Never loopback; `0.0.0.0` / `::` let gobgp use the session's local address. */
  readonly nextHop: string;
  readonly origin?: Origin;
  /** ADD-PATH path identifier (0 = none). */
  readonly identifier?: number;
}

/** A route in canonical form, as announced or as listed back from gobgpd. */
export interface Route {
  readonly family: RouteFamily;
  /** Canonical address text (RFC 5952 for IPv6). */
  readonly prefix: string;
  readonly prefixLen: number;
  readonly nextHop: string;
  readonly origin: Origin;
  readonly identifier: number;
}

/** A route listed from gobgpd's global RIB, with where it came from. */
export interface RibRoute extends Route {
  /** True when this speaker originated it (AddPath), false when learned from a peer. */
  readonly local: boolean;
  /** The peer's address for learned routes, '' for local ones. */
  readonly neighborAddress: string;
  readonly best: boolean;
}

/** gobgpd's global configuration (the subset this project sets). */
export interface GlobalConfig {
  readonly asn: number;
  readonly routerId: string;
  /** BGP listen port; -1 means no listener. 0 lets gobgpd pick its default (179). */
  readonly listenPort: number;
  readonly listenAddresses: readonly string[];
  readonly useMultiplePaths?: boolean;
  readonly gracefulRestart?: GracefulRestartConfig;
}

/** RFC 4724 graceful restart settings of a peer or of the global config. */
export interface GracefulRestartConfig {
  readonly enabled: boolean;
  readonly restartTime?: number;
  readonly helperOnly?: boolean;
  readonly deferralTime?: number;
  readonly notificationEnabled?: boolean;
  readonly longlivedEnabled?: boolean;
  readonly staleRoutesTime?: number;
}

/** One address family enabled on a peer. */
export interface AfiSafiConfig {
  readonly family: RouteFamily;
  readonly enabled: boolean;
  readonly addPaths?: { readonly receive?: boolean; readonly sendMax?: number };
  readonly mpGracefulRestart?: boolean;
}

/** A BGP neighbour as configured through AddPeer/UpdatePeer. Times are seconds. */
export interface PeerConfig {
  readonly neighborAddress: string;
  readonly peerAsn: number;
  readonly localAsn?: number;
  readonly authPassword?: string;
  readonly description?: string;
  readonly adminDown?: boolean;
  /** Private ASNs in the AS paths sent to this peer: removed, or replaced with the local AS. */
  readonly removePrivate?: 'all' | 'replace';
  /** How many times the local AS may appear in a path received from this peer (loop check). */
  readonly allowOwnAsn?: number;
  /** Replace the peer's AS with the local AS in paths sent to it (as-override). */
  readonly replacePeerAsn?: boolean;
  readonly ebgpMultihop?: { readonly enabled: boolean; readonly multihopTtl: number };
  readonly timers?: {
    readonly connectRetry?: number;
    readonly holdTime?: number;
    readonly keepaliveInterval?: number;
  };
  readonly transport?: {
    readonly localAddress?: string;
    readonly localPort?: number;
    readonly remotePort?: number;
    readonly passiveMode?: boolean;
    readonly mtuDiscovery?: boolean;
    readonly tcpMss?: number;
    readonly bindInterface?: string;
  };
  readonly gracefulRestart?: GracefulRestartConfig;
  /** Empty or absent: the neighbour address's own family, enabled. */
  readonly afiSafis?: readonly AfiSafiConfig[];
}

/** BGP FSM state of a session. */
export type SessionState =
  'unknown' | 'idle' | 'connect' | 'active' | 'opensent' | 'openconfirm' | 'established';

/** Per-direction BGP message counters. */
export interface MessageCounters {
  readonly notification: number;
  readonly update: number;
  readonly open: number;
  readonly keepalive: number;
  readonly refresh: number;
  readonly discarded: number;
  readonly total: number;
}

/** A peer as gobgpd reports it (ListPeer / WatchEvent). */
export interface PeerStatus {
  readonly config: PeerConfig;
  readonly sessionState: SessionState;
  readonly adminState: 'up' | 'down' | 'prefix-limit';
  /** The remote router id, once OPEN was received. */
  readonly routerId: string;
  readonly flops: number;
  readonly messages: { readonly received: MessageCounters; readonly sent: MessageCounters };
  readonly negotiatedHoldTime: number;
  /** When the session last became Established / went down; undefined if never. */
  readonly uptime: Date | undefined;
  readonly downtime: Date | undefined;
}

/** What watchPeers reports. */
export type PeerWatchEvent =
  /**
   * A session state change. gobgp fills only the neighbour, ASNs and state in these events (timers,
   * transport and families read as defaults): relist with listPeers for the full configuration.
   */
  | { readonly type: 'peer'; readonly peer: PeerStatus }
  /** The stream is (re)subscribed; state may have changed while it was down, so resync. */
  | { readonly type: 'subscribed' }
  /** The stream broke (gobgpd stopped or restarted); the watcher retries after `retryInMs`. */
  | { readonly type: 'disconnected'; readonly error: GobgpError; readonly retryInMs: number };
