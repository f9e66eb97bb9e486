/**
 * Pure diffs of the BGP announcer: what to change in gobgpd so that it runs exactly the desired
 * global config, peers and paths. The announcer does the I/O; this decides.
 */
import { normalizeRoute, routeKey } from './path-mapping.js';
import type { GlobalConfig, PeerConfig, PeerStatus, RibRoute, Route, RouteInput } from './types.js';

/** BGP's well-known port; gobgp listens there when the configured port is 0. */
const BGP_PORT = 179;
const port = (p: number): number => (p === 0 ? BGP_PORT : p);

/**
 * What to do with the running global config. as, router id and listen port can only change by
 * StopBgp + StartBgp (which drops every session); other fields are left until the next restart
 * rather than flapping every session for them (OpenELB restarted BGP on any BgpConf edit).
 */
export function globalAction(
  current: GlobalConfig,
  desired: GlobalConfig,
): { readonly action: 'start' | 'restart' | 'keep'; readonly reason: string } {
  if (current.asn === 0) return { action: 'start', reason: 'BGP is not running' };
  const changed: string[] = [];
  if (current.asn !== desired.asn) changed.push(`as ${String(current.asn)} -> ${String(desired.asn)}`);
  if (current.routerId !== desired.routerId)
    changed.push(`routerId ${current.routerId} -> ${desired.routerId}`);
  if (port(current.listenPort) !== port(desired.listenPort))
    changed.push(`listenPort ${String(current.listenPort)} -> ${String(desired.listenPort)}`);
  if (changed.length > 0) return { action: 'restart', reason: changed.join(', ') };
  return { action: 'keep', reason: 'as, routerId and listenPort are unchanged' };
}

/** A deterministic fingerprint of a peer config (what we applied), to detect spec changes. */
export function peerFingerprint(config: PeerConfig): string {
  return JSON.stringify(config, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/**
 * Whether a peer listed by gobgpd (whose config we did not apply in this process, e.g. after a
 * speaker restart) already matches the desired one on the fields that decide the session. Adopting
 * it avoids an UpdatePeer, and so a session reset, on every speaker restart. gobgpd lists a peer
 * configured without a local AS with the global AS (`globalAsn`) filled in: that is a match too.
 */
export function listedPeerMatches(listed: PeerConfig, desired: PeerConfig, globalAsn = 0): boolean {
  const localAsn = (c: PeerConfig): number => (c.localAsn ?? 0) || globalAsn;
  const families = (c: PeerConfig): string =>
    (c.afiSafis ?? [])
      .map((a) => a.family)
      .sort()
      .join(',');
  return (
    listed.peerAsn === desired.peerAsn &&
    localAsn(listed) === localAsn(desired) &&
    (listed.transport?.passiveMode ?? false) === (desired.transport?.passiveMode ?? false) &&
    (listed.authPassword ?? '') === (desired.authPassword ?? '') &&
    listed.removePrivate === desired.removePrivate &&
    (listed.allowOwnAsn ?? 0) === (desired.allowOwnAsn ?? 0) &&
    (listed.replacePeerAsn ?? false) === (desired.replacePeerAsn ?? false) &&
    (desired.afiSafis === undefined ||
      desired.afiSafis.length === 0 ||
      families(listed) === families(desired))
  );
}

/** Peer changes: add, update (config differs) and delete (no longer desired). */
export interface PeerPlan {
  readonly add: readonly PeerConfig[];
  readonly update: readonly PeerConfig[];
  readonly delete: readonly string[];
  /** Fingerprints after the plan is applied, per neighbour address. */
  readonly applied: ReadonlyMap<string, string>;
}

/**
 * Diffs desired peers against gobgpd's list. `applied` holds fingerprints this process applied;
 * a listed peer without one is compared with listedPeerMatches instead (`globalAsn`: the running AS).
 */
export function planPeers(
  desired: readonly PeerConfig[],
  listed: readonly PeerStatus[],
  applied: ReadonlyMap<string, string>,
  globalAsn = 0,
): PeerPlan {
  const current = new Map(listed.map((p) => [p.config.neighborAddress, p.config]));
  const want = new Map(desired.map((p) => [p.neighborAddress, p]));
  const add: PeerConfig[] = [];
  const update: PeerConfig[] = [];
  const next = new Map<string, string>();
  for (const [address, config] of want) {
    const fp = peerFingerprint(config);
    next.set(address, fp);
    const running = current.get(address);
    if (running === undefined) add.push(config);
    else {
      const before = applied.get(address);
      const same = before === undefined ? listedPeerMatches(running, config, globalAsn) : before === fp;
      if (!same) update.push(config);
    }
  }
  const del = [...current.keys()].filter((a) => !want.has(a)).sort();
  return { add, update, delete: del, applied: next };
}

/** Path changes: local routes to add and to withdraw (by content). */
export interface PathPlan {
  readonly add: readonly Route[];
  readonly delete: readonly Route[];
  /** Desired routes that cannot be announced (bad prefix or next hop), with the reason. */
  readonly invalid: readonly { readonly input: RouteInput; readonly error: string }[];
}

// Every reconcile plans all desired routes again (~45 times per 1,000-Service burst), and validating one
// parses two addresses: remember the outcome per input instead (results are immutable values).
const normalized = new Map<string, ReturnType<typeof normalizeRoute>>();
const NORMALIZED_MAX = 100_000;

// The speaker hands the same route objects in again while their Service is unchanged
// (desired-bgp.ts): look those up by identity before building a key. Inputs are never modified.
const normalizedByInput = new WeakMap<RouteInput, ReturnType<typeof normalizeRoute>>();

function normalizeOnce(input: RouteInput): ReturnType<typeof normalizeRoute> {
  const mine = normalizedByInput.get(input);
  if (mine !== undefined) return mine;
  const key = `${input.prefix}|${String(input.prefixLen)}|${input.nextHop}|${String(input.origin)}|${String(input.identifier)}`;
  let result = normalized.get(key);
  if (result === undefined) {
    result = normalizeRoute(input);
    if (normalized.size >= NORMALIZED_MAX) normalized.clear();
    normalized.set(key, result);
  }
  normalizedByInput.set(input, result);
  return result;
}

// routeKey of the same normalized or listed route objects, reconcile after reconcile.
const keys = new WeakMap<Route, string>();

function routeKeyOnce(route: Route): string {
  let key = keys.get(route);
  if (key === undefined) {
    key = routeKey(route);
    keys.set(route, key);
  }
  return key;
}

/** Diffs desired routes against the routes gobgpd lists; only locally originated ones are touched. */
export function planPaths(desired: readonly RouteInput[], listed: readonly RibRoute[]): PathPlan {
  const want = new Map<string, Route>();
  const invalid: { input: RouteInput; error: string }[] = [];
  for (const input of desired) {
    const route = normalizeOnce(input);
    if (route.ok) want.set(routeKeyOnce(route.value), route.value);
    else invalid.push({ input, error: route.error });
  }
  const have = new Map<string, Route>();
  for (const r of listed) if (r.local) have.set(routeKeyOnce(r), r);
  return {
    add: [...want].filter(([k]) => !have.has(k)).map(([, r]) => r),
    delete: [...have].filter(([k]) => !want.has(k)).map(([, r]) => r),
    invalid,
  };
}
