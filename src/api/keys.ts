/**
 * Every name OpenELB users and tools already depend on: API group/versions/kinds, annotation, label and
 * finalizer keys, Lease names and the default namespace. Keep these byte-identical to OpenELB 0.6
 * (reference openelb.md §2.5) so existing manifests and the KubeSphere console keep working.
 */

/** API group of the OpenELB custom resources. */
export const API_GROUP = 'network.kubesphere.io';
/** Served versions, oldest first. v1alpha2 is the storage version. */
export const API_VERSIONS = ['v1alpha1', 'v1alpha2'] as const;
/** One served version of the OpenELB API. */
export type ApiVersion = (typeof API_VERSIONS)[number];
/** The version objects are stored in (and the one new code should write). */
export const STORAGE_VERSION: ApiVersion = 'v1alpha2';
/** `apiVersion` strings as they appear in objects. */
export const API_VERSION_V1ALPHA1 = `${API_GROUP}/v1alpha1`;
export const API_VERSION_V1ALPHA2 = `${API_GROUP}/v1alpha2`;

/** Kind, plural and singular of each custom resource. */
export const EIP = { kind: 'Eip', listKind: 'EipList', plural: 'eips', singular: 'eip' } as const;
export const BGP_CONF = {
  kind: 'BgpConf',
  listKind: 'BgpConfList',
  plural: 'bgpconfs',
  singular: 'bgpconf',
} as const;
export const BGP_PEER = {
  kind: 'BgpPeer',
  listKind: 'BgpPeerList',
  plural: 'bgppeers',
  singular: 'bgppeer',
} as const;
/** The kinds this API defines. */
export type OpenElbKind = typeof EIP.kind | typeof BGP_CONF.kind | typeof BGP_PEER.kind;

/** The only BgpConf object the speaker honours (OpenELB semantics). */
export const DEFAULT_BGP_CONF_NAME = 'default';

// ---- Service annotations (set by users or the KubeSphere console) ----

/** Opt-in annotation: a LoadBalancer Service is handled when it carries this key with value `openelb`. */
export const ANNOTATION_LB = 'lb.kubesphere.io/v1alpha1';
/** The value of {@link ANNOTATION_LB} that opts a Service in. */
export const LB_ANNOTATION_VALUE = 'openelb';
/** Pre-0.4 value of {@link ANNOTATION_LB} (the project was called Porter); accepted for old KubeSphere installs. */
export const LB_ANNOTATION_VALUE_LEGACY = 'porter';
/** Service annotation pinning the Eip (by name) to allocate from. */
export const ANNOTATION_EIP = 'eip.openelb.kubesphere.io/v1alpha2';
/** Service annotation requesting one specific IP; wins over `spec.loadBalancerIP`. */
export const ANNOTATION_EIP_IP = 'eip.openelb.kubesphere.io/v1alpha1';
/** Service annotation naming a protocol; accepted and ignored since OpenELB 0.6 (the Eip decides). */
export const ANNOTATION_PROTOCOL = 'protocol.openelb.kubesphere.io/v1alpha1';

// ---- Service label (set by the controller) ----

/** Service label naming the Eip an IP was allocated from. Same key as {@link ANNOTATION_EIP}. */
export const LABEL_EIP = 'eip.openelb.kubesphere.io/v1alpha2';

// ---- Eip annotation ----

/** Eip annotation marking the cluster-wide default pool; value `"true"` (case-insensitive). At most one. */
export const ANNOTATION_DEFAULT_EIP = 'eip.openelb.kubesphere.io/is-default-eip';

// ---- Node annotations and labels ----

/** Node annotation: an IP or CIDR of this node whose NIC answers ARP/NDP in layer2 mode. */
export const ANNOTATION_LAYER2_NODE = 'layer2.openelb.kubesphere.io/v1alpha1';
/** Node label naming the node's rack; BgpConf `spec.asPerRack` keys refer to it. */
export const LABEL_RACK = 'openelb.kubesphere.io/rack';
/** Well-known node label: nodes carrying it never announce load-balancer IPs. */
export const LABEL_EXCLUDE_FROM_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';

// ---- Labels on OpenELB objects ----

/** Label on BgpConf/BgpPeer/Eip meaning "the CNI announces these, the speaker must ignore them". */
export const LABEL_CNI = 'openelb.kubesphere.io/cni';

// ---- Finalizers ----

/** Finalizer on Services (release the IP first), and on BgpConf/BgpPeer in OpenELB. */
export const FINALIZER_LB = 'finalizer.lb.kubesphere.io/v1alpha1';
/** Finalizer on Eips (move their Services elsewhere first). */
export const FINALIZER_IPAM = 'finalizer.ipam.kubesphere.io/v1alpha1';

// ---- Service spec ----

/** `spec.loadBalancerClass` value that opts a Service in without the annotation (OpenELB issue #367). */
export const LOAD_BALANCER_CLASS = 'openelb.kubesphere.io/lb';

// ---- Runtime objects ----

/** Namespace the manager runs in when `OPENELB_NAMESPACE` is not set. */
export const DEFAULT_NAMESPACE = 'openelb-system';
/** Lease used by the controller replicas for leader election. */
export const CONTROLLER_LEASE_NAME = 'openelb-manager';
/** Prefix of the per-node speaker liveness Lease; see {@link speakerLeaseName}. */
export const SPEAKER_LEASE_PREFIX = 'openelb-speaker-';

/**
 * The liveness Lease of the speaker on `nodeName`. Node names are DNS subdomains (<= 253 chars), so the
 * result may exceed the 253-char object-name limit only for absurd names; callers get it unchanged.
 */
export function speakerLeaseName(nodeName: string): string {
  return `${SPEAKER_LEASE_PREFIX}${nodeName}`;
}

/** The node name a speaker Lease belongs to, or undefined when `leaseName` is not a speaker Lease. */
export function nodeOfSpeakerLease(leaseName: string): string | undefined {
  if (!leaseName.startsWith(SPEAKER_LEASE_PREFIX)) return undefined;
  const node = leaseName.slice(SPEAKER_LEASE_PREFIX.length);
  return node === '' ? undefined : node;
}

/** Pod labels of the manifests (`app=openelb,component=controller|speaker`). */
export const LABEL_APP = 'app';
export const LABEL_APP_VALUE = 'openelb';
export const LABEL_COMPONENT = 'component';
