/** Eip: a pool of external IPs (OpenELB `network.kubesphere.io` Eip, v1alpha1 and v1alpha2). */
import { Type } from '@sinclair/typebox';
import { bool, int, INT32_MAX, INT32_MIN, list, map, obj, str, stringEnum, withRules } from './builders.js';
import { Conditions, DNS_LABEL_PATTERN, resource } from './common.js';

/** Announcement protocols of an Eip. */
export const EIP_PROTOCOLS = ['bgp', 'layer2', 'vip'] as const;
/** One announcement protocol. */
export type EipProtocol = (typeof EIP_PROTOCOLS)[number];
/** Protocol used when `spec.protocol` is empty (OpenELB default). */
export const DEFAULT_EIP_PROTOCOL: EipProtocol = 'bgp';
/** v1alpha1 only knew these two. */
export const EIP_PROTOCOLS_V1ALPHA1 = ['bgp', 'layer2'] as const;
/** Prefix of `spec.interface` selecting the NIC by route lookup. */
export const CAN_REACH_PREFIX = 'can_reach:';

const ADDRESS_IMMUTABLE = {
  rule: 'self == oldSelf',
  message: 'spec.address is immutable: create a new Eip instead',
} as const;

const ADDRESS_DESCRIPTION =
  'The pool: one IP (192.0.2.10), a CIDR (192.0.2.0/24, 2001:db8::/120) or a range (192.0.2.10-192.0.2.20), IPv4 or IPv6. Immutable.';

/** IPv4 single address, CIDR or dash range (the v1alpha1 pattern). */
const V1ALPHA1_ADDRESS_PATTERN =
  '^([0-9]{1,3}\\.){3}[0-9]{1,3}((/([0-9]|[1-2][0-9]|3[0-2]))|(-([0-9]{1,3}\\.){3}[0-9]{1,3}))?$';

/** A NIC name, can_reach:<ip>, or empty (OpenELB bgp manifests may carry `interface: ""`). */
const INTERFACE_PATTERN = '^(can_reach:[0-9A-Fa-f.:]+|[^\\s/:]{1,15})?$';

const protocolDescription =
  'How the IPs are announced: bgp (routes via the speakers), layer2 (ARP/NDP answers) or vip (keepalived). Default bgp.';

/** Eip v1alpha2 spec. */
export const EipSpecV1alpha2 = obj(
  {
    address: withRules(
      str(ADDRESS_DESCRIPTION, { minLength: 1, maxLength: 128, pattern: '^[0-9A-Fa-f.:/-]+$' }),
      [ADDRESS_IMMUTABLE],
    ),
    protocol: Type.Optional(
      stringEnum([...EIP_PROTOCOLS], protocolDescription, { default: DEFAULT_EIP_PROTOCOL }),
    ),
    interface: Type.Optional(
      str(
        'NIC that answers for layer2/vip: a name (eth0) or can_reach:<ip> (the NIC of the route to that IP). Required for layer2 and vip.',
        { pattern: INTERFACE_PATTERN, maxLength: 64 },
      ),
    ),
    disable: Type.Optional(bool('Stop new allocations from this Eip; existing ones stay.')),
    usingKnownIPs: Type.Optional(bool('Kept from v1alpha1 for compatibility; unused.')),
    priority: Type.Optional(
      int(
        'Order among Eips bound to the same namespace: lower value = tried first. Default 0.',
        INT32_MIN,
        INT32_MAX,
      ),
    ),
    namespaces: Type.Optional(
      list(
        str('A namespace name.', { maxLength: 63, pattern: DNS_LABEL_PATTERN }),
        'Namespaces whose Services may get IPs from this Eip automatically (without pinning it).',
        { 'x-kubernetes-list-type': 'set' },
      ),
    ),
    namespaceSelector: Type.Optional(
      map(
        str('Label value.'),
        'Namespace labels (matchLabels) whose Services may get IPs automatically, e.g. kubesphere.io/workspace: ws1.',
      ),
    ),
  },
  'Desired state of the Eip.',
  {
    rules: [
      {
        rule: "!has(self.protocol) || self.protocol == 'bgp' || (has(self.interface) && size(self.interface) > 0)",
        message:
          'spec.interface is required when spec.protocol is layer2 or vip: set a NIC name (eth0) or can_reach:<ip>',
        fieldPath: '.interface',
        reason: 'FieldValueRequired',
      },
    ],
  },
);

/** Eip v1alpha2 status (written by the controller; keeps every OpenELB field). */
export const EipStatusV1alpha2 = obj(
  {
    occupied: Type.Optional(bool('True when every address is in use.')),
    usage: Type.Optional(int('Number of distinct addresses in use.', 0, undefined)),
    poolSize: Type.Optional(
      int(
        'Number of addresses in the pool (saturates at 9007199254740991 for very large IPv6 pools).',
        0,
        undefined,
      ),
    ),
    used: Type.Optional(
      map(
        str('namespace/name of the Service, or ns1/a;ns2/b when the IP is shared.'),
        'Addresses in use, mapped to the Services holding them.',
      ),
    ),
    firstIP: Type.Optional(str('First address of the pool.')),
    lastIP: Type.Optional(str('Last address of the pool.')),
    v4: Type.Optional(bool('True for an IPv4 pool.')),
    ready: Type.Optional(bool('Kept from OpenELB 0.5; prefer the Valid condition.')),
    conditions: Type.Optional(Conditions),
  },
  'Observed state of the Eip.',
);

/** Eip v1alpha2 (storage version). */
export const EipV1alpha2 = resource(
  'Eip is a pool of external IPs handed out to LoadBalancer Services.',
  EipSpecV1alpha2,
  EipStatusV1alpha2,
);

/** Eip v1alpha1 spec (legacy shape, IPv4 only). */
export const EipSpecV1alpha1 = obj(
  {
    address: withRules(
      str('The pool: an IPv4 address, CIDR or range (a.b.c.d[/n|-e.f.g.h]). Immutable.', {
        pattern: V1ALPHA1_ADDRESS_PATTERN,
      }),
      [ADDRESS_IMMUTABLE],
    ),
    protocol: Type.Optional(
      stringEnum([...EIP_PROTOCOLS_V1ALPHA1], 'How the IPs are announced: bgp or layer2. Default bgp.'),
    ),
    disable: Type.Optional(bool('Stop new allocations from this Eip; existing ones stay.')),
    usingKnownIPs: Type.Optional(bool('Unused; kept for compatibility.')),
  },
  'Desired state of the Eip.',
);

/** Eip v1alpha1 status (legacy subset). */
export const EipStatusV1alpha1 = obj(
  {
    occupied: Type.Optional(bool('True when every address is in use.')),
    usage: Type.Optional(int('Number of distinct addresses in use.', 0, undefined)),
    poolSize: Type.Optional(int('Number of addresses in the pool.', 0, undefined)),
  },
  'Observed state of the Eip.',
);

/** Eip v1alpha1 (served for old clients). */
export const EipV1alpha1 = resource(
  'Eip is a pool of external IPs handed out to LoadBalancer Services (legacy version; prefer v1alpha2).',
  EipSpecV1alpha1,
  EipStatusV1alpha1,
);
