/**
 * Peers and global config (domain) <-> gobgp Peer / Global messages. Pure; bad input comes back as
 * an error value naming the field.
 */
import { create } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { formatIp, parseIp } from '../ip/address.js';
import type { Result } from '../ip/address.js';
import {
  AfiSafiSchema,
  GlobalSchema,
  GracefulRestartSchema,
  PeerSchema,
  PeerState_AdminState,
  PeerState_SessionState,
  RemovePrivate,
} from './gen/gobgp_pb.js';
import type { AfiSafi, Global, GracefulRestart, Message, Peer } from './gen/gobgp_pb.js';
import { familyFromProto, familyToProto, routeFamilyOf } from './path-mapping.js';
import type {
  AfiSafiConfig,
  GlobalConfig,
  GracefulRestartConfig,
  MessageCounters,
  PeerConfig,
  PeerStatus,
  SessionState,
} from './types.js';

const MAX_U32 = 0xffffffff;

const REMOVE_PRIVATE_TO_PROTO: Readonly<Record<'none' | 'all' | 'replace', RemovePrivate>> = {
  none: RemovePrivate.REMOVE_NONE,
  all: RemovePrivate.REMOVE_ALL,
  replace: RemovePrivate.REPLACE,
};

/** gobgp prints an unset Go net.IP as "<nil>"; the domain uses ''. */
function ipText(text: string | undefined): string {
  return text === undefined || text === '<nil>' ? '' : text;
}

function isU32(n: number | undefined): boolean {
  return n === undefined || (Number.isInteger(n) && n >= 0 && n <= MAX_U32);
}

function checkAsn(field: string, asn: number | undefined, required: boolean): string | undefined {
  if (asn === undefined) return required ? `${field}: required` : undefined;
  return Number.isInteger(asn) && asn >= 1 && asn <= MAX_U32
    ? undefined
    : `${field}: ${asn} is not an ASN (1..4294967295)`;
}

function graceToProto(g: GracefulRestartConfig | undefined): GracefulRestart | undefined {
  return g === undefined ? undefined : create(GracefulRestartSchema, { ...g });
}

function graceFromProto(g: GracefulRestart | undefined): GracefulRestartConfig | undefined {
  if (g === undefined) return undefined;
  return {
    enabled: g.enabled,
    restartTime: g.restartTime,
    helperOnly: g.helperOnly,
    deferralTime: g.deferralTime,
    notificationEnabled: g.notificationEnabled,
    longlivedEnabled: g.longlivedEnabled,
    staleRoutesTime: g.staleRoutesTime,
  };
}

function afiSafiToProto(a: AfiSafiConfig): AfiSafi {
  return create(AfiSafiSchema, {
    config: { family: familyToProto(a.family), enabled: a.enabled },
    ...(a.addPaths !== undefined && { addPaths: { config: { ...a.addPaths } } }),
    ...(a.mpGracefulRestart !== undefined && {
      mpGracefulRestart: { config: { enabled: a.mpGracefulRestart } },
    }),
  });
}

/** Builds the Peer for AddPeer/UpdatePeer. Address families default to the neighbour's own. */
export function peerToProto(config: PeerConfig): Result<Peer> {
  const neighbor = parseIp(config.neighborAddress);
  if (!neighbor.ok) return { ok: false, error: `neighborAddress: ${neighbor.error}` };
  const asnError = checkAsn('peerAsn', config.peerAsn, true) ?? checkAsn('localAsn', config.localAsn, false);
  if (asnError !== undefined) return { ok: false, error: asnError };
  const t = config.timers;
  for (const [field, value] of Object.entries({ ...t, multihopTtl: config.ebgpMultihop?.multihopTtl })) {
    if (typeof value === 'number' && !isU32(value))
      return { ok: false, error: `${field}: ${value} is out of range` };
  }
  const local = config.transport?.localAddress;
  if (local !== undefined && local !== '' && !parseIp(local).ok) {
    return { ok: false, error: `transport.localAddress: "${local}" is not an IP address` };
  }
  const afiSafis =
    config.afiSafis !== undefined && config.afiSafis.length > 0
      ? config.afiSafis
      : [{ family: routeFamilyOf(neighbor.value.family), enabled: true }];
  const peer = create(PeerSchema, {
    conf: {
      neighborAddress: formatIp(neighbor.value),
      peerAsn: config.peerAsn,
      localAsn: config.localAsn ?? 0,
      authPassword: config.authPassword ?? '',
      description: config.description ?? '',
      adminDown: config.adminDown ?? false,
      removePrivate: REMOVE_PRIVATE_TO_PROTO[config.removePrivate ?? 'none'],
      allowOwnAsn: config.allowOwnAsn ?? 0,
      replacePeerAsn: config.replacePeerAsn ?? false,
    },
    ...(config.ebgpMultihop !== undefined && { ebgpMultihop: { ...config.ebgpMultihop } }),
    ...(t !== undefined && {
      timers: {
        config: {
          connectRetry: BigInt(t.connectRetry ?? 0),
          holdTime: BigInt(t.holdTime ?? 0),
          keepaliveInterval: BigInt(t.keepaliveInterval ?? 0),
        },
      },
    }),
    ...(config.transport !== undefined && { transport: { ...config.transport } }),
    gracefulRestart: graceToProto(config.gracefulRestart),
    afiSafis: afiSafis.map(afiSafiToProto),
  });
  return { ok: true, value: peer };
}

const SESSION_STATES: Readonly<Record<PeerState_SessionState, SessionState>> = {
  [PeerState_SessionState.UNKNOWN]: 'unknown',
  [PeerState_SessionState.IDLE]: 'idle',
  [PeerState_SessionState.CONNECT]: 'connect',
  [PeerState_SessionState.ACTIVE]: 'active',
  [PeerState_SessionState.OPENSENT]: 'opensent',
  [PeerState_SessionState.OPENCONFIRM]: 'openconfirm',
  [PeerState_SessionState.ESTABLISHED]: 'established',
};

function counters(m: Message | undefined): MessageCounters {
  return {
    notification: Number(m?.notification ?? 0n),
    update: Number(m?.update ?? 0n),
    open: Number(m?.open ?? 0n),
    keepalive: Number(m?.keepalive ?? 0n),
    refresh: Number(m?.refresh ?? 0n),
    discarded: Number(m?.discarded ?? 0n),
    total: Number(m?.total ?? 0n),
  };
}

function afiSafiFromProto(a: AfiSafi): AfiSafiConfig | undefined {
  const family = familyFromProto(a.config?.family ?? a.state?.family);
  if (family === undefined) return undefined;
  const addPaths = a.addPaths?.config;
  return {
    family,
    enabled: a.config?.enabled ?? a.state?.enabled ?? false,
    ...(addPaths !== undefined && { addPaths: { receive: addPaths.receive, sendMax: addPaths.sendMax } }),
    ...(a.mpGracefulRestart?.config !== undefined && {
      mpGracefulRestart: a.mpGracefulRestart.config.enabled,
    }),
  };
}

/** A listed Peer as a PeerStatus (configuration as gobgpd holds it, plus session state). */
export function peerFromProto(peer: Peer): PeerStatus {
  const conf = peer.conf;
  const state = peer.state;
  const timers = peer.timers;
  const uptime = timers?.state?.uptime;
  const downtime = timers?.state?.downtime;
  const tr = peer.transport;
  const config: PeerConfig = {
    neighborAddress: ipText(conf?.neighborAddress) || ipText(state?.neighborAddress),
    peerAsn: conf?.peerAsn ?? state?.peerAsn ?? 0,
    localAsn: conf?.localAsn ?? 0,
    authPassword: conf?.authPassword ?? '',
    description: conf?.description ?? '',
    adminDown: conf?.adminDown ?? false,
    ...(conf?.removePrivate === RemovePrivate.REMOVE_ALL && { removePrivate: 'all' as const }),
    ...(conf?.removePrivate === RemovePrivate.REPLACE && { removePrivate: 'replace' as const }),
    ...((conf?.allowOwnAsn ?? 0) !== 0 && { allowOwnAsn: conf?.allowOwnAsn }),
    ...(conf?.replacePeerAsn === true && { replacePeerAsn: true }),
    ...(peer.ebgpMultihop !== undefined && {
      ebgpMultihop: { enabled: peer.ebgpMultihop.enabled, multihopTtl: peer.ebgpMultihop.multihopTtl },
    }),
    timers: {
      connectRetry: Number(timers?.config?.connectRetry ?? 0n),
      holdTime: Number(timers?.config?.holdTime ?? 0n),
      keepaliveInterval: Number(timers?.config?.keepaliveInterval ?? 0n),
    },
    ...(tr !== undefined && {
      transport: {
        localAddress: ipText(tr.localAddress),
        localPort: tr.localPort,
        remotePort: tr.remotePort,
        passiveMode: tr.passiveMode,
        mtuDiscovery: tr.mtuDiscovery,
        tcpMss: tr.tcpMss,
        bindInterface: tr.bindInterface,
      },
    }),
    ...(peer.gracefulRestart !== undefined && { gracefulRestart: graceFromProto(peer.gracefulRestart) }),
    afiSafis: peer.afiSafis.map(afiSafiFromProto).filter((a) => a !== undefined),
  };
  // The epoch (or an unset timestamp) means "never".
  const when = (ts: typeof uptime): Date | undefined =>
    ts === undefined || ts.seconds <= 0n ? undefined : timestampDate(ts);
  return {
    config,
    sessionState: SESSION_STATES[state?.sessionState ?? PeerState_SessionState.UNKNOWN],
    adminState:
      state?.adminState === PeerState_AdminState.DOWN
        ? 'down'
        : state?.adminState === PeerState_AdminState.PFX_CT
          ? 'prefix-limit'
          : 'up',
    routerId: ipText(state?.routerId),
    flops: state?.flops ?? 0,
    messages: { received: counters(state?.messages?.received), sent: counters(state?.messages?.sent) },
    negotiatedHoldTime: Number(timers?.state?.negotiatedHoldTime ?? 0n),
    uptime: when(uptime),
    downtime: when(downtime),
  };
}

/** Builds the Global for StartBgp. */
export function globalToProto(config: GlobalConfig): Result<Global> {
  const asnError = checkAsn('asn', config.asn, true);
  if (asnError !== undefined) return { ok: false, error: asnError };
  const routerId = parseIp(config.routerId);
  if (!routerId.ok || routerId.value.family !== 'IPv4') {
    return { ok: false, error: `routerId: "${config.routerId}" is not an IPv4 address` };
  }
  if (!Number.isInteger(config.listenPort) || config.listenPort < -1 || config.listenPort > 65535) {
    return { ok: false, error: `listenPort: ${config.listenPort} is not -1 or a port number` };
  }
  for (const address of config.listenAddresses) {
    if (!parseIp(address).ok)
      return { ok: false, error: `listenAddresses: "${address}" is not an IP address` };
  }
  return {
    ok: true,
    value: create(GlobalSchema, {
      asn: config.asn,
      routerId: formatIp(routerId.value),
      listenPort: config.listenPort,
      listenAddresses: [...config.listenAddresses],
      useMultiplePaths: config.useMultiplePaths ?? false,
      gracefulRestart: graceToProto(config.gracefulRestart),
    }),
  };
}

/** GetBgp's Global as a GlobalConfig; asn 0 means gobgpd has not been started. */
export function globalFromProto(global: Global | undefined): GlobalConfig {
  return {
    asn: global?.asn ?? 0,
    routerId: global?.routerId ?? '',
    listenPort: global?.listenPort ?? 0,
    listenAddresses: global?.listenAddresses ?? [],
    useMultiplePaths: global?.useMultiplePaths ?? false,
    ...(global?.gracefulRestart !== undefined && { gracefulRestart: graceFromProto(global.gracefulRestart) }),
  };
}
