/**
 * The status view model: what `openelb-manager status` shows, and (unchanged, key for key) what `-o json`
 * prints. docs/status.md documents every field; add fields, never rename them.
 */

/** Version tag of the JSON document; bumped only on an incompatible change. */
export const STATUS_API_VERSION = 'openelb-manager.status/v1';

/** A condition of an Eip that is not OK (status False), e.g. Valid=False AddressOverlap. */
export interface ConditionProblem {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
}

/** One address pool. */
export interface EipView {
  readonly name: string;
  /** bgp, layer2 or vip. */
  readonly protocol: string;
  /** spec.interface as written (layer2/vip), or null. */
  readonly interface: string | null;
  /** spec.address as written: an IP, a CIDR or a range. */
  readonly address: string;
  /** Addresses in use. */
  readonly usage: number;
  /** Addresses in the pool (saturated at 2^53-1), or null when unknown (an invalid Eip). */
  readonly poolSize: number | null;
  /** `status` when the controller's status gave the counts, `services` when they were counted here. */
  readonly usageFrom: 'status' | 'services';
  /**
   * No address left to hand out: `status.occupied` (network/broadcast and Nodes' own addresses never
   * count, so a full /24 is 254/256), or usage >= poolSize when the status has no counts yet.
   */
  readonly occupied: boolean;
  readonly disabled: boolean;
  /** Annotated eip.openelb.kubesphere.io/is-default-eip: "true". */
  readonly default: boolean;
  readonly problems: readonly ConditionProblem[];
  /** Nodes' own addresses inside the range, as `ip (Node name)`: never handed out. */
  readonly nodeAddresses: readonly string[];
}

/** One IP of a Service and who announces it. */
export interface AddressView {
  readonly ip: string;
  /** Nodes announcing the IP: one for layer2, every announcing node for bgp; empty when nobody does. */
  readonly announcers: readonly string[];
  /**
   * True when the answer assumes something only the nodes themselves know (layer2: that the winner has a
   * NIC for the Eip, which every speaker infers for the other nodes the same way).
   */
  readonly inferred: boolean;
  /** Why these announcers, or why nobody. */
  readonly reason: string;
}

/** One OpenELB Service. */
export interface ServiceView {
  readonly namespace: string;
  readonly name: string;
  /** The Eip named by the label eip.openelb.kubesphere.io/v1alpha2, or null before allocation. */
  readonly eip: string | null;
  /** The protocol of that Eip, or null when it is unknown. */
  readonly protocol: string | null;
  /** From status.loadBalancer.ingress, in order; empty while pending. */
  readonly addresses: readonly AddressView[];
}

/** One BGP session as a speaker reported it in BgpPeer status.nodesPeerStatus. */
export interface BgpSessionView {
  /** '' for the row of a BgpPeer whose nodeSelector matches no Node (state NO NODE). */
  readonly node: string;
  readonly bgpPeer: string;
  readonly peerAddress: string;
  readonly peerAs: number | null;
  /** gobgp's session state, upper case (ESTABLISHED, ACTIVE, IDLE, ...), or UNKNOWN. */
  readonly state: string;
  /** Since when the session is up (RFC 3339), or null. */
  readonly since: string | null;
  /** Seconds the session has been up, or null when it is not established or the time is unknown. */
  readonly uptimeSeconds: number | null;
  /**
   * The hold time the session negotiated, in seconds, or null when it is not established: how long the
   * router keeps routing to this node after it stops answering (docs/bgp-quickstart.md).
   */
  readonly holdTimeSeconds: number | null;
  /** When not established: a likely cause read from the message counters, or null. */
  readonly hint: string | null;
}

/** One Node and whether it may announce Service IPs (BGP next hop, layer2 candidate) at all. */
export interface NodeView {
  readonly name: string;
  /** Its first InternalIP of each family (IPv4 first): the next hops it announces with. */
  readonly addresses: readonly string[];
  /** Ready, `NetworkUnavailable` not True, not labelled exclude-from-external-load-balancers, Lease fresh. */
  readonly eligible: boolean;
  /** Why not, or what makes it eligible. */
  readonly reason: string;
}

/**
 * An OpenELB Service without an IP, or a LoadBalancer Service meant for OpenELB that does not opt in
 * (a misspelt opt-in value, OpenELB annotations without the opt-in).
 */
export interface PendingView {
  readonly namespace: string;
  readonly name: string;
  /**
   * The message of the newest AssignIPFailed Warning Event, or "no event yet"; for a Service that does
   * not opt in, why (the text of its NotOptedIn Event).
   */
  readonly reason: string;
  /** When that Event was last seen (RFC 3339), or null. */
  readonly eventTime: string | null;
}

/** Another host using an IP of an OpenELB Service, as a speaker reported it (Layer2AddressConflict). */
export interface ConflictView {
  readonly namespace: string;
  readonly name: string;
  /** The Event's message: the node that saw it, the other host's MAC and NIC, the evidence and the fix. */
  readonly message: string;
  /** When that Event was last seen (RFC 3339), or null. */
  readonly eventTime: string | null;
}

/** The whole status. */
export interface StatusView {
  readonly apiVersion: typeof STATUS_API_VERSION;
  /** The clock reading used for Lease freshness and uptimes (RFC 3339). */
  readonly generatedAt: string;
  readonly eips: readonly EipView[];
  readonly services: readonly ServiceView[];
  readonly bgpSessions: readonly BgpSessionView[];
  /** Every Node, by name, with whether it may announce (empty when Nodes could not be listed). */
  readonly nodes: readonly NodeView[];
  readonly pending: readonly PendingView[];
  /** Address conflicts reported on OpenELB Services, newest first per Service (one per message). */
  readonly conflicts: readonly ConflictView[];
  /** Parts of the view that may be incomplete (a kind that could not be listed), with why. */
  readonly warnings: readonly string[];
}

/** The text shown for a pending Service with no AssignIPFailed Event. */
export const NO_EVENT_YET = 'no event yet';
