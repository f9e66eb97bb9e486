/**
 * Pure mapping of the OpenELB CRs (already parsed by src/api) to what gobgpd is given: the global
 * config of this node from BgpConf `default`, and one PeerConfig per BgpPeer.
 */
import { LABEL_RACK } from '../api/keys.js';
import type { BgpGlobalConfig, GracefulRestartConfig as ApiGracefulRestart } from '../api/parse/bgpconf.js';
import type { AfiSafiConfig as ApiAfiSafi, BgpPeerConfig } from '../api/parse/bgppeer.js';
import type { AfiSafiConfig, GlobalConfig, GracefulRestartConfig, PeerConfig } from '../bgp/types.js';

/** BGP's well-known port: gobgp's default when BgpConf.listenPort is 0. */
const BGP_PORT = 179;

/** A value or a precise error message. */
export type Mapped<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

function gracefulRestart(g: ApiGracefulRestart | undefined): GracefulRestartConfig | undefined {
  if (g === undefined) return undefined;
  return {
    enabled: g.enabled ?? false,
    ...(g.restartTime !== undefined && { restartTime: g.restartTime }),
    ...(g.helperOnly !== undefined && { helperOnly: g.helperOnly }),
    ...(g.deferralTime !== undefined && { deferralTime: g.deferralTime }),
    ...(g.notificationEnabled !== undefined && { notificationEnabled: g.notificationEnabled }),
    ...(g.longlivedEnabled !== undefined && { longlivedEnabled: g.longlivedEnabled }),
    ...(g.staleRoutesTime !== undefined && { staleRoutesTime: g.staleRoutesTime }),
  };
}

/**
 * This node's global config. The router id defaults to the node's own IPv4 InternalIP, never one
 * shared by all speakers (OpenELB #315); a rack ASN override also forces the node IP, as in OpenELB.
 */
export function globalForNode(
  conf: BgpGlobalConfig,
  nodeLabels: Readonly<Record<string, string>>,
  nodeIpv4: string | undefined,
): Mapped<GlobalConfig> {
  const rack = nodeLabels[LABEL_RACK];
  const rackAs = rack === undefined ? undefined : conf.asPerRack.get(rack);
  const routerId = rackAs === undefined ? (conf.routerId ?? nodeIpv4) : nodeIpv4;
  if (routerId === undefined)
    return {
      ok: false,
      error:
        'BgpConf default has no routerId and this node has no IPv4 InternalIP to use instead: set spec.routerId or give the node an IPv4 address',
    };
  const gr = gracefulRestart(conf.gracefulRestart);
  return {
    ok: true,
    value: {
      asn: rackAs ?? conf.as,
      routerId,
      listenPort: conf.effectiveListenPort ?? -1,
      listenAddresses: conf.listenAddresses,
      useMultiplePaths: conf.useMultiplePaths,
      ...(gr !== undefined && { gracefulRestart: gr }),
    },
  };
}

/** The port gobgpd reports for a configured listen port (0 means 179). */
export function effectivePort(listenPort: number): number {
  return listenPort === 0 ? BGP_PORT : listenPort;
}

function afiSafi(a: ApiAfiSafi): Mapped<AfiSafiConfig> {
  if (a.safi !== 'SAFI_UNICAST' || (a.afi !== 'AFI_IP' && a.afi !== 'AFI_IP6'))
    return {
      ok: false,
      error: `address family ${a.afi}/${a.safi} is not supported: use AFI_IP or AFI_IP6 with SAFI_UNICAST`,
    };
  return {
    ok: true,
    value: {
      family: a.afi === 'AFI_IP' ? 'ipv4-unicast' : 'ipv6-unicast',
      enabled: a.enabled,
      ...((a.addPathsReceive || a.addPathsSendMax > 0) && {
        addPaths: { receive: a.addPathsReceive, sendMax: a.addPathsSendMax },
      }),
      ...(a.mpGracefulRestart && { mpGracefulRestart: true }),
    },
  };
}

/** Resolves a Secret key to its decoded value, or an error message saying what is missing. */
export type SecretLookup = (namespace: string, name: string, key: string) => Mapped<string>;

/**
 * The gobgp neighbour for a BgpPeer. The MD5 password comes from spec.conf.authPassword or from the
 * referenced Secret (its namespace, else the speaker's namespace).
 */
export function peerFromBgpPeer(
  peer: BgpPeerConfig,
  speakerNamespace: string,
  secret: SecretLookup,
): Mapped<PeerConfig> {
  let authPassword: string | undefined;
  if (peer.auth.kind === 'inline') authPassword = peer.auth.password;
  if (peer.auth.kind === 'secret') {
    const found = secret(peer.auth.namespace ?? speakerNamespace, peer.auth.name, peer.auth.key);
    if (!found.ok) return { ok: false, error: `spec.conf.authPasswordSecretRef: ${found.error}` };
    authPassword = found.value;
  }
  const families: AfiSafiConfig[] = [];
  for (const a of peer.afiSafis) {
    const mapped = afiSafi(a);
    if (!mapped.ok) return { ok: false, error: `spec.afiSafis: ${mapped.error}` };
    families.push(mapped.value);
  }
  const t = peer.timers;
  const timers = {
    ...(t.connectRetry !== undefined && { connectRetry: t.connectRetry }),
    ...(t.holdTime !== undefined && { holdTime: t.holdTime }),
    ...(t.keepaliveInterval !== undefined && { keepaliveInterval: t.keepaliveInterval }),
  };
  const tr = peer.transport;
  const gr = gracefulRestart(peer.gracefulRestart);
  return {
    ok: true,
    value: {
      neighborAddress: peer.neighborAddress,
      peerAsn: peer.peerAs,
      ...(peer.localAs !== 0 && { localAsn: peer.localAs }),
      ...(authPassword !== undefined && authPassword !== '' && { authPassword }),
      ...(peer.description !== undefined && { description: peer.description }),
      ...(peer.adminDown && { adminDown: true }),
      ...(peer.removePrivateAs === 'ALL' && { removePrivate: 'all' as const }),
      ...(peer.removePrivateAs === 'REPLACE' && { removePrivate: 'replace' as const }),
      ...(peer.allowOwnAs !== 0 && { allowOwnAsn: peer.allowOwnAs }),
      ...(peer.replacePeerAs && { replacePeerAsn: true }),
      ...(peer.ebgpMultihop?.enabled === true && {
        ebgpMultihop: { enabled: true, multihopTtl: peer.ebgpMultihop.ttl ?? 255 },
      }),
      ...(Object.keys(timers).length > 0 && { timers }),
      transport: {
        passiveMode: tr.passiveMode,
        ...(tr.mtuDiscovery && { mtuDiscovery: true }),
        ...(tr.remotePort !== 0 && { remotePort: tr.remotePort }),
        ...(tr.tcpMss !== 0 && { tcpMss: tr.tcpMss }),
      },
      ...(gr !== undefined && { gracefulRestart: gr }),
      afiSafis: families,
    },
  };
}
