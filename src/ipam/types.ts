/**
 * The allocator's vocabulary: what a Service asks for, what it gets, why it was refused, and the
 * per-Eip counters the controller writes to Eip status and metrics. Pure data, no Kubernetes types.
 */
import type { EipConfig } from '../api/parse/eip.js';
import type { IpAddress, IpFamily } from '../ip/address.js';

/** `namespace/name` of a Service. */
export type ServiceKey = string;

/** Service `spec.ipFamilyPolicy`. */
export type IpFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

/** One (protocol, port) pair of a Service, as `spec.ports[]` lists it. Protocol defaults to TCP. */
export interface ServicePort {
  readonly protocol: string;
  readonly port: number;
}

/**
 * What a Service wants. The controller derives it from the Service and its Namespace; all parsing
 * of annotations happens there, so every field here is already well-formed.
 */
export interface AllocationRequest {
  readonly namespace: string;
  readonly name: string;
  /**
   * `namespace/name`, when the caller already has it (the controller's queue key): saves building
   * and hashing a new string per call. Must equal `${namespace}/${name}`.
   */
  readonly key?: ServiceKey;
  /** Labels of the Service's Namespace, matched against Eip `spec.namespaceSelector`. */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /**
   * Eips pinned with the annotation `eip.openelb.kubesphere.io/v1alpha2` (a comma-separated list
   * for dual-stack, at most one per family). Empty: not pinned.
   */
  readonly pinnedEips: readonly string[];
  /**
   * IPs asked for explicitly (annotation `eip.openelb.kubesphere.io/v1alpha1`, which wins over
   * `spec.loadBalancerIP`), at most one per family. Only explicitly requested IPs can be shared.
   */
  readonly requestedIps: readonly IpAddress[];
  /** `spec.ipFamilies` in order; empty means unknown (any single family). */
  readonly ipFamilies: readonly IpFamily[];
  /** `spec.ipFamilyPolicy`; undefined is SingleStack. */
  readonly ipFamilyPolicy: IpFamilyPolicy | undefined;
  /** `spec.ports` as (protocol, port) pairs: a shared IP needs disjoint pairs. */
  readonly ports: readonly ServicePort[];
}

/** One IP a Service holds. */
export interface AllocatedIp {
  readonly ip: IpAddress;
  /** Canonical text (dotted quad / RFC 5952), as written to `status.loadBalancer.ingress[].ip`. */
  readonly address: string;
  /** The Eip the IP belongs to. */
  readonly eip: string;
  /** The Service requested this IP explicitly (a precondition for sharing it). */
  readonly explicit: boolean;
}

/** What a Service holds: one IP per family, in the order of its `spec.ipFamilies`. */
export interface Allocation {
  readonly service: ServiceKey;
  /** Eip of the first IP: the value of the Service label `eip.openelb.kubesphere.io/v1alpha2`. */
  readonly eip: string;
  readonly ips: readonly AllocatedIp[];
}

/** Machine-readable reason of a refusal; also the reason of the `AssignIPFailed` Event. */
export type AllocationErrorCode =
  | 'InvalidRequest'
  | 'FamilyMismatch'
  | 'EipNotFound'
  | 'EipInvalid'
  | 'EipDisabled'
  | 'EipDeleting'
  | 'EipExhausted'
  | 'NoEipForNamespace'
  | 'IPNotInAnyEip'
  | 'IPNotInEip'
  | 'IPInUse'
  | 'NodeAddress';

/** A Service that holds an IP another Service asked for. */
export interface IpConflict {
  readonly service: ServiceKey;
  /** Whether that holder requested the IP explicitly. */
  readonly explicit: boolean;
  /** The (protocol, port) pairs both Services use (empty when the conflict is not about ports). */
  readonly overlappingPorts: readonly ServicePort[];
}

/** A refusal: a code for programs, a message for people that says what to do about it. */
export interface AllocationError {
  readonly code: AllocationErrorCode;
  readonly message: string;
  /** The family this error is about, when it is about one. */
  readonly family?: IpFamily;
  readonly eip?: string;
  /** For EipExhausted: every Eip that was tried (all full). */
  readonly eips?: readonly string[];
  /** Canonical text of the IP concerned. */
  readonly ip?: string;
  /** For IPInUse: who holds the IP and which ports overlap. */
  readonly conflicts?: readonly IpConflict[];
}

/** An address a Node has (InternalIP or ExternalIP): the allocator never hands it out. */
export interface NodeAddress {
  readonly ip: IpAddress;
  /** The Node's name. */
  readonly node: string;
}

/** Which rule chose the Eip for one family. */
export type SelectionRule = 'kept' | 'pinned' | 'requested' | 'namespace' | 'default';

/** Why a family got the IP it got. */
export interface SelectionReason {
  readonly family: IpFamily;
  readonly rule: SelectionRule;
  readonly eip: string;
  readonly address: string;
  readonly message: string;
}

/** Outcome of {@link Allocator.assign}. */
export type AssignResult =
  | {
      readonly ok: true;
      readonly allocation: Allocation;
      /** False when the Service already held exactly this allocation (nothing to write). */
      readonly changed: boolean;
      /** IPs the Service held before and gave up (incompatible with the request). */
      readonly released: readonly AllocatedIp[];
      readonly reasons: readonly SelectionReason[];
      /** PreferDualStack only: families that could not be served now, and why (retried on the next assign). */
      readonly missing: readonly AllocationError[];
    }
  | {
      readonly ok: false;
      /** The first error; `errors` has one per failing family. */
      readonly error: AllocationError;
      readonly errors: readonly AllocationError[];
      /** After a refusal the Service holds nothing: these are the IPs it gave up. */
      readonly released: readonly AllocatedIp[];
    };

/** One Service to put back at leader start: its request and the IPs its status records. */
export interface RestoreEntry {
  readonly request: AllocationRequest;
  /** IPs from `status.loadBalancer.ingress`, in order. */
  readonly ips: readonly IpAddress[];
}

/** Why an IP from a Service's status could not be restored. */
export type RestoreProblemCode = 'IPNotInAnyEip' | 'IPInUse' | 'DuplicateFamily';

/** One IP that was not restored; the controller re-runs assign() for the Service. */
export interface RestoreProblem {
  readonly service: ServiceKey;
  readonly code: RestoreProblemCode;
  readonly address: string;
  readonly message: string;
  /** For IPInUse: the Services that keep the IP. */
  readonly conflicts?: readonly IpConflict[];
}

/** Outcome of {@link Allocator.restore}. */
export interface RestoreReport {
  /** Allocations as they now stand, for every entry that kept at least one IP. */
  readonly restored: readonly Allocation[];
  readonly problems: readonly RestoreProblem[];
}

/** An Eip the controller could not parse, kept by name so refusals can say why. */
export interface InvalidEip {
  readonly name: string;
  /** What is wrong, e.g. the formatted field errors. */
  readonly reason: string;
}

/** An Eip setPools refused because its range overlaps one accepted before it. */
export interface RejectedEip {
  readonly eip: string;
  readonly code: 'EipOverlap';
  readonly message: string;
  /** The Eip it overlaps. */
  readonly overlaps: string;
}

/** An IP a Service lost or must give up because its pool changed. */
export interface DisplacedIp {
  readonly service: ServiceKey;
  readonly eip: string;
  readonly address: string;
  /** `removed`, `invalid`, `deleting` (still held until the Service moves) or `outOfRange`. */
  readonly why: 'removed' | 'invalid' | 'deleting' | 'outOfRange';
  readonly message: string;
}

/** An IP that stayed with its Service but now belongs to another Eip (same address, new pool). */
export interface RehomedIp {
  readonly service: ServiceKey;
  readonly address: string;
  readonly from: string;
  readonly to: string;
}

/** Outcome of {@link Allocator.setPools}. */
export interface PoolChange {
  readonly rejected: readonly RejectedEip[];
  /** Services to run assign() for: each lost an IP (or holds one in a deleting Eip). */
  readonly displaced: readonly DisplacedIp[];
  readonly rehomed: readonly RehomedIp[];
}

/**
 * Counters of one Eip for its status and metrics. `size` counts every address of the range (a /24
 * is 256, as OpenELB reports it); `reserved` are the network and broadcast addresses of an IPv4 CIDR
 * shorter than /31, which are never handed out automatically but may be requested explicitly.
 */
export interface PoolStatus {
  readonly eip: string;
  readonly family: IpFamily;
  readonly v4: boolean;
  readonly firstIP: string;
  readonly lastIP: string;
  /** Addresses in the range (`status.poolSize`, saturated with toSafeCount for JSON). */
  readonly size: bigint;
  /** Addresses never handed out automatically. */
  readonly reserved: bigint;
  /** Addresses of the range that are Nodes' own: never handed out (held ones stay). */
  readonly nodeAddresses: number;
  /** Distinct IPs held (`status.usage`). */
  readonly inUse: number;
  /** Addresses still free for automatic allocation. */
  readonly available: bigint;
  /** No address left for automatic allocation (`status.occupied`). */
  readonly occupied: boolean;
  /** ip → `ns/a` or `ns/a;ns/b` when shared (`status.used`). */
  readonly used: Readonly<Record<string, string>>;
  readonly disabled: boolean;
  readonly deleting: boolean;
  /** Bumped on every change to this pool: write the status only when it moved. */
  readonly revision: number;
}

/** PoolStatus without the `used` map: what metrics need, O(1) to build. */
export type PoolCounters = Omit<PoolStatus, 'used'>;

/** An Eip as selection sees it: its config and whether it can still hand out an address. */
export interface EipView {
  readonly config: EipConfig;
  readonly occupied: boolean;
}
