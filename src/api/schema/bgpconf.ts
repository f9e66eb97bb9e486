/** BgpConf: the speakers' global BGP settings (only the object named `default` is honoured). */
import { Type } from '@sinclair/typebox';
import { bool, describe, int, list, map, obj, str, UINT32_MAX } from './builders.js';
import {
  asn,
  Conditions,
  DNS_SUBDOMAIN_PATTERN,
  GracefulRestart,
  IP_CHARS_PATTERN,
  IPV4_PATTERN,
  resource,
} from './common.js';

/** An IPv4 address or the empty string (OpenELB manifests write `routerId: ""`). */
const OPTIONAL_IPV4_PATTERN = `^(${IPV4_PATTERN.slice(1, -1)})?$`;

/** `spec.listenPort` value meaning "do not listen" (gobgp semantics). */
export const LISTEN_PORT_DISABLED = -1;
/** The port gobgp uses when `spec.listenPort` is 0. */
export const BGP_DEFAULT_PORT = 179;
/** The port OpenELB's docs recommend when Calico's BIRD already uses 179. */
export const BGP_RECOMMENDED_PORT = 17900;

/** BgpConf v1alpha2 spec (field names are gobgp's Global, jsonpb camelCase). */
export const BgpConfSpecV1alpha2 = obj(
  {
    as: asn('Local autonomous system number of every speaker (1-4294967295).'),
    asPerRack: Type.Optional(
      map(
        asn('ASN for the nodes of this rack.'),
        'Per-rack ASN override, keyed by the node label openelb.kubesphere.io/rack.',
      ),
    ),
    routerId: Type.Optional(
      str(
        'Router id (IPv4). Leave empty: each speaker then uses its node IP (a shared id breaks sessions).',
        { pattern: OPTIONAL_IPV4_PATTERN },
      ),
    ),
    listenPort: Type.Optional(
      int(
        `BGP listen port. 0 means ${BGP_DEFAULT_PORT}; -1 disables listening; use ${BGP_RECOMMENDED_PORT} when Calico already uses 179.`,
        LISTEN_PORT_DISABLED,
        65535,
      ),
    ),
    listenAddresses: Type.Optional(
      list(str('An IP address.', { pattern: IP_CHARS_PATTERN, maxLength: 45 }), 'Addresses BGP listens on.', {
        'x-kubernetes-list-type': 'set',
      }),
    ),
    families: Type.Optional(
      list(
        int('gobgp family code: AFI << 16 | SAFI, e.g. 65537 = ipv4-unicast.', 0, UINT32_MAX),
        'Address families of the global RIB (gobgp family codes).',
      ),
    ),
    useMultiplePaths: Type.Optional(bool('Let gobgp use multiple paths (ECMP) for best-path selection.')),
    gracefulRestart: Type.Optional(GracefulRestart),
    policy: Type.Optional(
      str('Name of a ConfigMap in the OpenELB namespace whose key gobgp.conf holds a gobgp policy (TOML).', {
        maxLength: 253,
        pattern: DNS_SUBDOMAIN_PATTERN,
      }),
    ),
  },
  'Global BGP settings of the speakers.',
);

/** Per-node view written by the speakers. */
export const NodeConfStatus = obj(
  {
    routerId: Type.Optional(str('Router id this node uses.')),
    as: Type.Optional(int('ASN this node uses.', 0, UINT32_MAX)),
  },
  'BGP identity one speaker uses.',
);

/** BgpConf v1alpha2 status. */
export const BgpConfStatusV1alpha2 = obj(
  {
    nodesConfStatus: Type.Optional(map(NodeConfStatus, 'Per node: the router id and ASN its speaker uses.')),
    conditions: Type.Optional(
      describe(Conditions, 'Conditions, e.g. Valid=False with the reason when the spec cannot be applied.'),
    ),
  },
  'Observed state of the BgpConf.',
);

/** BgpConf v1alpha2 (storage version). */
export const BgpConfV1alpha2 = resource(
  'BgpConf holds the global BGP settings of the speakers; only the object named "default" is used.',
  BgpConfSpecV1alpha2,
  BgpConfStatusV1alpha2,
);

/** BgpConf v1alpha1 spec (legacy shape). */
export const BgpConfSpecV1alpha1 = obj(
  {
    as: asn('Local autonomous system number (1-4294967295).'),
    routerID: str('Router id (IPv4).', { pattern: IPV4_PATTERN }),
    port: int('BGP listen port (1-65535).', 1, 65535),
  },
  'Global BGP settings of the speakers.',
);

/** BgpConf v1alpha1 (served for old clients and the KubeSphere console's detection). */
export const BgpConfV1alpha1 = resource(
  'BgpConf holds the global BGP settings of the speakers (legacy version; prefer v1alpha2).',
  BgpConfSpecV1alpha1,
  obj({}, 'Observed state of the BgpConf.'),
);
