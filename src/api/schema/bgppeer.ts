/** BgpPeer: one BGP neighbour (router) and which speakers peer with it. */
import { Type } from '@sinclair/typebox';
import {
  bool,
  describe,
  int,
  list,
  map,
  obj,
  str,
  stringEnum,
  UINT32_MAX,
  uintOrDigits,
} from './builders.js';
import {
  asn,
  Conditions,
  GracefulRestart,
  IP_CHARS_PATTERN,
  IPV4_PATTERN,
  LabelSelector,
  objectName,
  resource,
} from './common.js';

/** gobgp RemovePrivateAs enum names (jsonpb). */
export const REMOVE_PRIVATE_AS = ['NONE', 'ALL', 'REPLACE'] as const;
/** gobgp Family.Afi enum names. */
export const AFIS = ['AFI_UNKNOWN', 'AFI_IP', 'AFI_IP6', 'AFI_L2VPN', 'AFI_LS', 'AFI_OPAQUE'] as const;
/** gobgp Family.Safi enum names. */
export const SAFIS = [
  'SAFI_UNKNOWN',
  'SAFI_UNICAST',
  'SAFI_MULTICAST',
  'SAFI_MPLS_LABEL',
  'SAFI_ENCAPSULATION',
  'SAFI_VPLS',
  'SAFI_EVPN',
  'SAFI_LS',
  'SAFI_SR_POLICY',
  'SAFI_MUP',
  'SAFI_MPLS_VPN',
  'SAFI_MPLS_VPN_MULTICAST',
  'SAFI_ROUTE_TARGET_CONSTRAINTS',
  'SAFI_FLOW_SPEC_UNICAST',
  'SAFI_FLOW_SPEC_VPN',
  'SAFI_KEY_VALUE',
] as const;
/** ADD-PATH send-max OpenELB uses when afiSafis is empty. */
export const DEFAULT_ADD_PATHS_SEND_MAX = 10;

const NEIGHBOR_ADDRESS_DESCRIPTION = 'Address of the BGP neighbour (IPv4 or IPv6).';

/** Secret holding the TCP MD5 password (an addition of this project; preferred over authPassword). */
export const SecretKeyRef = obj(
  {
    name: objectName('Name of the Secret.'),
    namespace: Type.Optional(
      str('Namespace of the Secret; default: the namespace OpenELB runs in.', {
        maxLength: 63,
        pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      }),
    ),
    key: str('Key in the Secret whose value is the password.', {
      minLength: 1,
      maxLength: 253,
      pattern: '^[-._a-zA-Z0-9]+$',
    }),
  },
  'Reference to the TCP MD5 password in a Secret (v1alpha2 addition; use instead of authPassword).',
);

/** gobgp PeerConf. */
export const PeerConf = obj(
  {
    peerAs: asn('ASN of the neighbour (1-4294967295).'),
    neighborAddress: str(NEIGHBOR_ADDRESS_DESCRIPTION, { pattern: IP_CHARS_PATTERN, maxLength: 45 }),
    authPassword: Type.Optional(
      str('TCP MD5 password in clear text (OpenELB field). Prefer authPasswordSecretRef.', { maxLength: 80 }),
    ),
    authPasswordSecretRef: Type.Optional(SecretKeyRef),
    description: Type.Optional(str('Free-text description of the neighbour.')),
    localAs: Type.Optional(int('Local ASN for this session; 0 uses BgpConf spec.as.', 0, UINT32_MAX)),
    peerGroup: Type.Optional(
      str('gobgp peer group name. No effect: the speaker defines no peer groups (admission warning).'),
    ),
    peerType: Type.Optional(
      int('gobgp peer type: 0 internal, 1 external. No effect: gobgpd derives it from the ASNs.', 0, 1),
    ),
    removePrivateAs: Type.Optional(
      stringEnum([...REMOVE_PRIVATE_AS], 'Remove private ASNs from AS paths sent: NONE, ALL or REPLACE.'),
    ),
    routeFlapDamping: Type.Optional(bool('Route flap damping. No effect: gobgpd does not implement it.')),
    sendCommunity: Type.Optional(
      int('gobgp send-community bit mask. No effect: gobgpd does not apply it.', 0, UINT32_MAX),
    ),
    neighborInterface: Type.Optional(
      str('Interface for an unnumbered session. No effect: not supported; set neighborAddress.'),
    ),
    vrf: Type.Optional(str('gobgp VRF name. No effect: the speaker uses the global table only.')),
    allowOwnAs: Type.Optional(int('How many times our own ASN may appear in received AS paths.', 0, 255)),
    replacePeerAs: Type.Optional(bool('Replace the peer ASN with ours in sent AS paths.')),
    adminDown: Type.Optional(bool('Keep the session administratively down.')),
  },
  'Neighbour settings (gobgp PeerConf).',
  {
    rules: [
      {
        rule: '!(has(self.authPassword) && size(self.authPassword) > 0 && has(self.authPasswordSecretRef))',
        message: 'set either authPassword or authPasswordSecretRef, not both (prefer authPasswordSecretRef)',
        fieldPath: '.authPasswordSecretRef',
        reason: 'FieldValueForbidden',
      },
    ],
  },
);

const timer = (what: string): ReturnType<typeof uintOrDigits> =>
  Type.Optional(uintOrDigits(`${what} in seconds, as an integer or a string of digits (jsonpb int64).`));

/** BgpPeer v1alpha2 spec. */
export const BgpPeerSpecV1alpha2 = obj(
  {
    conf: PeerConf,
    ebgpMultihop: Type.Optional(
      obj(
        {
          enabled: Type.Optional(bool('Allow an eBGP neighbour that is more than one hop away.')),
          multihopTtl: Type.Optional(int('TTL of the BGP packets (1-255).', 1, 255)),
        },
        'eBGP multihop.',
      ),
    ),
    timers: Type.Optional(
      obj(
        {
          config: Type.Optional(
            obj(
              {
                connectRetry: timer('Time between connection attempts'),
                holdTime: timer('Hold time proposed to the neighbour (0, or 3-65535)'),
                keepaliveInterval: timer('Keepalive interval'),
                minimumAdvertisementInterval: timer(
                  'Minimum time between UPDATEs. No effect: gobgpd does not implement it',
                ),
              },
              'Timer settings.',
            ),
          ),
        },
        'BGP timers.',
      ),
    ),
    transport: Type.Optional(
      obj(
        {
          mtuDiscovery: Type.Optional(bool('Enable path MTU discovery.')),
          passiveMode: Type.Optional(bool('Wait for the neighbour to connect; never dial it.')),
          remoteAddress: Type.Optional(
            str('Remote address. No effect: the session goes to conf.neighborAddress.'),
          ),
          remotePort: Type.Optional(int('Neighbour TCP port; 0 means 179.', 0, 65535)),
          tcpMss: Type.Optional(int('TCP maximum segment size; 0 means the kernel default.', 0, 65535)),
        },
        'Transport (TCP) settings.',
      ),
    ),
    gracefulRestart: Type.Optional(GracefulRestart),
    afiSafis: Type.Optional(
      list(
        obj(
          {
            config: Type.Optional(
              obj(
                {
                  family: Type.Optional(
                    obj(
                      {
                        afi: Type.Optional(stringEnum([...AFIS], 'Address family, e.g. AFI_IP or AFI_IP6.')),
                        safi: Type.Optional(
                          stringEnum([...SAFIS], 'Subsequent address family, e.g. SAFI_UNICAST.'),
                        ),
                      },
                      'The address family.',
                    ),
                  ),
                  enabled: Type.Optional(bool('Negotiate this family.')),
                },
                'Family settings.',
              ),
            ),
            addPaths: Type.Optional(
              obj(
                {
                  config: Type.Optional(
                    obj(
                      {
                        receive: Type.Optional(bool('Accept several paths per prefix from the neighbour.')),
                        sendMax: Type.Optional(int('Send up to this many paths per prefix (0-255).', 0, 255)),
                      },
                      'ADD-PATH settings.',
                    ),
                  ),
                },
                'ADD-PATH (RFC 7911).',
              ),
            ),
            mpGracefulRestart: Type.Optional(
              obj(
                {
                  config: Type.Optional(
                    obj({ enabled: Type.Optional(bool('Graceful restart for this family.')) }, 'Settings.'),
                  ),
                },
                'Per-family graceful restart.',
              ),
            ),
          },
          'One address family of the session.',
        ),
        `Address families. Empty: the neighbour address's family, unicast, with ADD-PATH send-max ${DEFAULT_ADD_PATHS_SEND_MAX}.`,
      ),
    ),
    nodeSelector: Type.Optional(
      describe(LabelSelector, 'Nodes whose speakers peer with this neighbour. Absent: every speaker.'),
    ),
  },
  'Desired state of the BgpPeer.',
);

/** One speaker's view of the session (gobgp PeerState); deep fields are kept as written. */
export const NodePeerStatus = obj(
  {
    peerState: Type.Optional(
      obj(
        {
          sessionState: Type.Optional(
            str('Session state: IDLE, CONNECT, ACTIVE, OPENSENT, OPENCONFIRM, ESTABLISHED.'),
          ),
          adminState: Type.Optional(str('Administrative state: UP, DOWN or PFX_CT.')),
          neighborAddress: Type.Optional(str('Neighbour address.')),
          peerAs: Type.Optional(int('Neighbour ASN.', 0, UINT32_MAX)),
          localAs: Type.Optional(int('Local ASN.', 0, UINT32_MAX)),
          routerId: Type.Optional(str('Router id of the neighbour.')),
          flops: Type.Optional(int('Number of session flaps.', 0, undefined)),
        },
        'Session state as gobgp reports it (other gobgp fields are kept unvalidated).',
        { 'x-kubernetes-preserve-unknown-fields': true },
      ),
    ),
    timersState: Type.Optional(
      obj({}, 'Negotiated timers, uptime and downtime as gobgp reports them.', {
        'x-kubernetes-preserve-unknown-fields': true,
      }),
    ),
  },
  'Session state seen by one speaker.',
);

/** BgpPeer v1alpha2 status. */
export const BgpPeerStatusV1alpha2 = obj(
  {
    nodesPeerStatus: Type.Optional(map(NodePeerStatus, 'Per node: the session with this neighbour.')),
    conditions: Type.Optional(
      describe(Conditions, 'Conditions, e.g. Valid=False with the reason when the spec cannot be applied.'),
    ),
  },
  'Observed state of the BgpPeer.',
);

/** BgpPeer v1alpha2 (storage version). */
export const BgpPeerV1alpha2 = resource(
  'BgpPeer is a BGP neighbour (router) the selected speakers peer with.',
  BgpPeerSpecV1alpha2,
  BgpPeerStatusV1alpha2,
);

/** BgpPeer v1alpha1 spec (legacy shape, IPv4 only). */
export const BgpPeerSpecV1alpha1 = obj(
  {
    config: obj(
      {
        peerAs: asn('ASN of the neighbour (1-4294967295).'),
        neighborAddress: str('Address of the BGP neighbour (IPv4).', { pattern: IPV4_PATTERN }),
      },
      'Neighbour settings.',
    ),
    addPaths: Type.Optional(
      obj(
        { sendMax: Type.Optional(int('Send up to this many paths per prefix (0-255).', 0, 255)) },
        'ADD-PATH settings.',
      ),
    ),
    transport: Type.Optional(
      obj(
        {
          passiveMode: Type.Optional(bool('Wait for the neighbour to connect; never dial it.')),
          remotePort: Type.Optional(int('Neighbour TCP port (1-65535).', 1, 65535)),
        },
        'Transport (TCP) settings.',
      ),
    ),
    usingPortForward: Type.Optional(bool('Unused since OpenELB 0.6; kept for compatibility.')),
  },
  'Desired state of the BgpPeer.',
);

/** BgpPeer v1alpha1 (served for old clients). */
export const BgpPeerV1alpha1 = resource(
  'BgpPeer is a BGP neighbour the speakers peer with (legacy version; prefer v1alpha2).',
  BgpPeerSpecV1alpha1,
  obj({}, 'Observed state of the BgpPeer.'),
);
