/** BgpPeer CR (v1alpha1 or v1alpha2) -> validated neighbour configuration. */
import type { Static } from '@sinclair/typebox';
import { formatIp, parseIp, type IpAddress } from '../../ip/address.js';
import { dedupeByPath, type FieldError, type ParseResult } from '../errors.js';
import { BGP_PEER, LABEL_CNI, type ApiVersion } from '../keys.js';
import { parseLabelSelector, type LabelSelector } from '../label-selector.js';
import {
  AFIS,
  BgpPeerV1alpha1,
  BgpPeerV1alpha2,
  DEFAULT_ADD_PATHS_SEND_MAX,
  REMOVE_PRIVATE_AS,
  SAFIS,
} from '../schema/bgppeer.js';
import type { GracefulRestart } from '../schema/common.js';
import { dig, flag, isRecord, optInt, optString, readEnvelope } from './envelope.js';
import { schemaErrors } from './schema-errors.js';
import { readTimers, type BgpTimers } from './timers.js';

/** Where the TCP MD5 password comes from. */
export type PeerAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'inline'; readonly password: string }
  | {
      readonly kind: 'secret';
      readonly name: string;
      readonly namespace: string | undefined;
      readonly key: string;
    };

/** One address family of the session. */
export interface AfiSafiConfig {
  readonly afi: (typeof AFIS)[number];
  readonly safi: (typeof SAFIS)[number];
  readonly enabled: boolean;
  readonly addPathsReceive: boolean;
  readonly addPathsSendMax: number;
  readonly mpGracefulRestart: boolean;
}

/** A validated BgpPeer. */
export interface BgpPeerConfig {
  readonly name: string;
  readonly apiVersion: ApiVersion;
  readonly generation: number | undefined;
  readonly peerAs: number;
  readonly neighbor: IpAddress;
  /** Canonical neighbour address text. */
  readonly neighborAddress: string;
  /** 0 = use the BgpConf ASN. */
  readonly localAs: number;
  readonly auth: PeerAuth;
  readonly description: string | undefined;
  readonly peerGroup: string | undefined;
  readonly peerType: number | undefined;
  readonly removePrivateAs: (typeof REMOVE_PRIVATE_AS)[number] | undefined;
  readonly routeFlapDamping: boolean;
  readonly sendCommunity: number | undefined;
  readonly neighborInterface: string | undefined;
  readonly vrf: string | undefined;
  readonly allowOwnAs: number;
  readonly replacePeerAs: boolean;
  readonly adminDown: boolean;
  readonly ebgpMultihop: { readonly enabled: boolean; readonly ttl: number | undefined } | undefined;
  readonly timers: BgpTimers;
  readonly transport: {
    readonly mtuDiscovery: boolean;
    readonly passiveMode: boolean;
    readonly remoteAddress: string | undefined;
    /** 0 = 179. */
    readonly remotePort: number;
    readonly tcpMss: number;
  };
  readonly gracefulRestart: Static<typeof GracefulRestart> | undefined;
  /** Never empty: defaulted from the neighbour family when the spec has none. */
  readonly afiSafis: readonly AfiSafiConfig[];
  /** True when afiSafis came from the default rather than the spec. */
  readonly afiSafisDefaulted: boolean;
  /** Which speakers peer; undefined = every speaker. */
  readonly nodeSelector: LabelSelector | undefined;
  readonly cni: string | undefined;
  readonly deleting: boolean;
}

/** The family OpenELB negotiates when afiSafis is empty: the neighbour's, unicast, ADD-PATH send-max 10. */
export function defaultAfiSafi(neighbor: IpAddress, sendMax = DEFAULT_ADD_PATHS_SEND_MAX): AfiSafiConfig {
  return {
    afi: neighbor.family === 'IPv4' ? 'AFI_IP' : 'AFI_IP6',
    safi: 'SAFI_UNICAST',
    enabled: true,
    addPathsReceive: false,
    addPathsSendMax: sendMax,
    mpGracefulRestart: false,
  };
}

function readAfiSafis(raw: unknown): AfiSafiConfig[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isRecord).map((entry) => ({
    afi: AFIS.find((a) => a === dig(entry, 'config', 'family', 'afi')) ?? 'AFI_UNKNOWN',
    safi: SAFIS.find((s) => s === dig(entry, 'config', 'family', 'safi')) ?? 'SAFI_UNKNOWN',
    enabled: flag(dig(entry, 'config', 'enabled')),
    addPathsReceive: flag(dig(entry, 'addPaths', 'config', 'receive')),
    addPathsSendMax: optInt(dig(entry, 'addPaths', 'config', 'sendMax')) ?? 0,
    mpGracefulRestart: flag(dig(entry, 'mpGracefulRestart', 'config', 'enabled')),
  }));
}

function readAuth(conf: unknown, errors: FieldError[]): PeerAuth {
  const password = optString(dig(conf, 'authPassword'));
  const ref = dig(conf, 'authPasswordSecretRef');
  if (password !== undefined && ref !== undefined) {
    errors.push({
      path: 'spec.conf.authPasswordSecretRef',
      message:
        'set either authPassword or authPasswordSecretRef, not both: remove authPassword and keep the Secret',
    });
  }
  const name = optString(dig(ref, 'name'));
  const key = optString(dig(ref, 'key'));
  if (name !== undefined && key !== undefined) {
    return { kind: 'secret', name, key, namespace: optString(dig(ref, 'namespace')) };
  }
  return password === undefined ? { kind: 'none' } : { kind: 'inline', password };
}

/**
 * OpenELB passes these gobgp settings through, but here they change nothing, so a user who sets one is
 * told (a webhook admission warning) instead of finding out from the router: gobgpd 3 does not
 * implement the first three, and the speaker configures no peer groups, VRFs or unnumbered sessions.
 * The AS-path options (removePrivateAs, allowOwnAs, replacePeerAs) do apply.
 */
function noEffectWarnings(conf: unknown, spec: unknown, timers: BgpTimers): FieldError[] {
  const warnings: FieldError[] = [];
  const warn = (path: string, message: string): void => {
    warnings.push({ path, message: `has no effect: ${message}` });
  };
  if (flag(dig(conf, 'routeFlapDamping')))
    warn('spec.conf.routeFlapDamping', 'gobgpd does not implement route flap damping');
  if ((optInt(dig(conf, 'sendCommunity')) ?? 0) !== 0)
    warn(
      'spec.conf.sendCommunity',
      'gobgpd does not apply it; paths are sent with the communities they carry',
    );
  if ((timers.minimumAdvertisementInterval ?? 0) !== 0)
    warn(
      'spec.timers.config.minimumAdvertisementInterval',
      'gobgpd does not implement it; updates are sent at once',
    );
  if (optString(dig(conf, 'peerGroup')) !== undefined)
    warn('spec.conf.peerGroup', 'the speaker defines no gobgpd peer groups; set the options on this BgpPeer');
  if (optString(dig(conf, 'vrf')) !== undefined)
    warn('spec.conf.vrf', "the speaker announces from gobgpd's global table only");
  if (optString(dig(conf, 'neighborInterface')) !== undefined)
    warn(
      'spec.conf.neighborInterface',
      'BGP unnumbered is not supported; the session goes to spec.conf.neighborAddress',
    );
  if (dig(conf, 'peerType') !== undefined)
    warn('spec.conf.peerType', 'gobgpd tells internal from external by comparing peerAs with the local AS');
  const remote = optString(dig(spec, 'transport', 'remoteAddress'));
  if (remote !== undefined && remote !== optString(dig(conf, 'neighborAddress')))
    warn('spec.transport.remoteAddress', 'the session goes to spec.conf.neighborAddress');
  return warnings;
}

/**
 * Parse a BgpPeer as read from the API (any served version). v1alpha1 `spec.config` maps to `conf`,
 * `addPaths.sendMax` to the default family's send-max; `usingPortForward` is ignored with a warning.
 */
export function parseBgpPeer(obj: unknown): ParseResult<BgpPeerConfig> {
  const { envelope, errors: envelopeErrors } = readEnvelope(obj, BGP_PEER.kind);
  if (envelope === undefined) return { ok: false, errors: envelopeErrors };
  const { version, meta, raw } = envelope;
  const v1 = version === 'v1alpha1';
  const errors: FieldError[] = schemaErrors(v1 ? BgpPeerV1alpha1 : BgpPeerV1alpha2, raw);
  const warnings: FieldError[] = [];
  const spec = dig(raw, 'spec');
  const confKey = v1 ? 'config' : 'conf';
  const conf = dig(spec, confKey);

  let neighbor: IpAddress | undefined;
  const neighborText = dig(conf, 'neighborAddress');
  if (typeof neighborText === 'string') {
    const ip = parseIp(neighborText);
    if (ip.ok) neighbor = ip.value;
    else
      errors.push({
        path: `spec.${confKey}.neighborAddress`,
        message: `${ip.error}: write the router's address, e.g. 192.0.2.1 or 2001:db8::1`,
      });
  }
  const peerAs = optInt(dig(conf, 'peerAs'));
  const auth = v1 ? ({ kind: 'none' } as const) : readAuth(conf, errors);
  const timers = readTimers(dig(spec, 'timers', 'config'), 'spec.timers.config', errors);
  const selector = v1
    ? { selector: undefined, errors: [] }
    : parseLabelSelector(dig(spec, 'nodeSelector'), 'spec.nodeSelector');
  errors.push(...selector.errors);
  if (v1 && flag(dig(spec, 'usingPortForward'))) {
    warnings.push({
      path: 'spec.usingPortForward',
      message: 'has no effect (unused since OpenELB 0.6): set BgpConf listenPort instead',
    });
  }

  if (!v1) warnings.push(...noEffectWarnings(conf, spec, timers));

  const all = dedupeByPath(errors);
  if (all.length > 0 || neighbor === undefined || peerAs === undefined) return { ok: false, errors: all };

  const explicitFamilies = v1 ? [] : readAfiSafis(dig(spec, 'afiSafis'));
  const sendMax = v1 ? optInt(dig(spec, 'addPaths', 'sendMax')) : undefined;
  const multihop = dig(spec, 'ebgpMultihop');
  const transport = dig(spec, 'transport');
  const grRaw = dig(spec, 'gracefulRestart');
  return {
    ok: true,
    warnings,
    value: {
      name: meta.name,
      apiVersion: version,
      generation: meta.generation,
      peerAs,
      neighbor,
      neighborAddress: formatIp(neighbor),
      localAs: optInt(dig(conf, 'localAs')) ?? 0,
      auth,
      description: optString(dig(conf, 'description')),
      peerGroup: optString(dig(conf, 'peerGroup')),
      peerType: optInt(dig(conf, 'peerType')),
      removePrivateAs: REMOVE_PRIVATE_AS.find((r) => r === dig(conf, 'removePrivateAs')),
      routeFlapDamping: flag(dig(conf, 'routeFlapDamping')),
      sendCommunity: optInt(dig(conf, 'sendCommunity')),
      neighborInterface: optString(dig(conf, 'neighborInterface')),
      vrf: optString(dig(conf, 'vrf')),
      allowOwnAs: optInt(dig(conf, 'allowOwnAs')) ?? 0,
      replacePeerAs: flag(dig(conf, 'replacePeerAs')),
      adminDown: flag(dig(conf, 'adminDown')),
      ebgpMultihop: isRecord(multihop)
        ? { enabled: flag(multihop.enabled), ttl: optInt(multihop.multihopTtl) }
        : undefined,
      timers,
      transport: {
        mtuDiscovery: flag(dig(transport, 'mtuDiscovery')),
        passiveMode: flag(dig(transport, 'passiveMode')),
        remoteAddress: optString(dig(transport, 'remoteAddress')),
        remotePort: optInt(dig(transport, 'remotePort')) ?? 0,
        tcpMss: optInt(dig(transport, 'tcpMss')) ?? 0,
      },
      gracefulRestart: isRecord(grRaw) ? grRaw : undefined,
      afiSafis: explicitFamilies.length > 0 ? explicitFamilies : [defaultAfiSafi(neighbor, sendMax)],
      afiSafisDefaulted: explicitFamilies.length === 0,
      nodeSelector: selector.selector,
      cni: meta.labels[LABEL_CNI],
      deleting: meta.deleting,
    },
  };
}
