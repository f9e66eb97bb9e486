/**
 * The BGP announcer: given the complete desired state, makes this node's gobgpd run exactly that.
 * Level-triggered and idempotent: every call reads what gobgpd has (GetBgp, ListPeer, ListPath) and
 * applies only the difference, so it also repairs gobgpd after it restarted empty. The speaker hands it a
 * client whose state reads may come from memory (read-cache.ts), under the same invalidation rules as
 * the RIB view below.
 */
import type { GobgpClient } from './client.js';
import { globalAction, planPaths, planPeers } from './announcer-diff.js';
import { RibView } from './rib-view.js';
import type { GlobalConfig, PeerConfig, PeerStatus, RibRoute, RouteFamily, RouteInput } from './types.js';
import type { Logger } from '../observability/logger.js';

/** The gobgpd calls the announcer makes (GobgpClient satisfies it; tests may fake it). */
export type AnnouncerClient = Pick<
  GobgpClient,
  | 'getGlobal'
  | 'startIfStopped'
  | 'stop'
  | 'listPeers'
  | 'addPeer'
  | 'updatePeer'
  | 'deletePeer'
  | 'listPaths'
  | 'addPaths'
  | 'deletePathByContent'
>;

/**
 * What gobgpd should run. `global`: a config to run; `stopped`: BGP must not run (no BgpConf);
 * `unchanged`: the BgpConf is unusable, keep whatever runs and still reconcile peers and paths.
 */
export interface AnnounceSet {
  readonly global:
    | { readonly kind: 'config'; readonly config: GlobalConfig }
    | { readonly kind: 'stopped' }
    | { readonly kind: 'unchanged' };
  readonly peers: readonly PeerConfig[];
  readonly paths: readonly RouteInput[];
  /**
   * Runs once BGP is up, before any peer or path change (alongside the listings, which it must not
   * change): StartBgp wipes gobgpd's routing policy, and paths must not reach a peer before the
   * policy that filters them is back. `started`: BGP (re)started now.
   */
  readonly beforeRoutes?: (started: boolean, signal: AbortSignal) => Promise<void>;
}

/** What one apply() did and what gobgpd runs afterwards. */
export interface ApplyReport {
  readonly global: 'started' | 'restarted' | 'stopped' | 'kept' | 'not-running';
  readonly globalReason: string;
  /** gobgpd's global config afterwards (asn 0 when BGP is not running). */
  readonly running: GlobalConfig;
  readonly peersAdded: number;
  readonly peersUpdated: number;
  readonly peersDeleted: number;
  readonly pathsAdded: number;
  readonly pathsDeleted: number;
  /** Local routes announced after the apply. */
  readonly announced: number;
  readonly invalidPaths: readonly string[];
  /** Peers as listed after the changes (for status). */
  readonly peers: readonly PeerStatus[];
}

const FAMILIES: readonly RouteFamily[] = ['ipv4-unicast', 'ipv6-unicast'];

/** Optional tuning of the announcer. */
export interface AnnouncerOptions {
  /** Milliseconds clock for the age of the last ListPath. @default performance.now */
  readonly now?: () => number;
  /**
   * How long a ListPath may be reused, updated with this process's own changes (rib-view.ts): how long a
   * path gobgpd lost without a watch event or an error goes unrepaired at most. @default 2000
   */
  readonly maxListingAgeMs?: number;
}

/** Drives one gobgpd. Not re-entrant: run apply() from a single reconcile loop. */
export class BgpAnnouncer {
  /** Peer fingerprints this process applied; cleared when BGP restarts. */
  #applied = new Map<string, string>();
  /**
   * This process ran gobgpd from a BgpConf. Only then does a missing BgpConf stop BGP: a gobgpd
   * configured by other means (a config file) with no BgpConf in the cluster is left alone.
   */
  #managed = false;
  readonly #rib: RibView;
  readonly #now: () => number;

  constructor(
    private readonly client: AnnouncerClient,
    private readonly log: Logger,
    options: AnnouncerOptions = {},
  ) {
    this.#now = options.now ?? ((): number => performance.now());
    this.#rib = new RibView({
      now: this.#now,
      ...(options.maxListingAgeMs !== undefined && { maxAgeMs: options.maxListingAgeMs }),
    });
  }

  /**
   * gobgpd may hold other local routes than this process last saw (it restarted, a session changed,
   * the periodic resync): the next apply() lists them again instead of reusing the last listing.
   */
  invalidate(): void {
    this.#rib.invalidate();
  }

  /** Converges gobgpd on `desired`. Throws GobgpError when gobgpd fails (the caller retries). */
  async apply(desired: AnnounceSet, signal: AbortSignal): Promise<ApplyReport> {
    try {
      return await this.#apply(desired, signal);
    } catch (err) {
      // A failed call may have half-applied: only a new listing says what gobgpd holds now.
      this.#rib.invalidate();
      throw err;
    }
  }

  async #apply(desired: AnnounceSet, signal: AbortSignal): Promise<ApplyReport> {
    const call = { signal };
    let running = await this.client.getGlobal(call);
    let global: ApplyReport['global'] = running.asn === 0 ? 'not-running' : 'kept';
    let globalReason = 'the BgpConf cannot be used; gobgpd is left as it is';
    if (desired.global.kind === 'stopped') {
      globalReason = 'there is no usable BgpConf default';
      if (running.asn !== 0 && this.#managed) {
        this.#managed = false;
        await this.client.stop(call);
        this.#applied.clear();
        this.#rib.invalidate();
        global = 'stopped';
        this.log.info({ event: 'bgp_stopped', reason: globalReason }, 'BGP stopped');
      }
      return this.#report(
        global,
        globalReason,
        global === 'stopped' ? { ...running, asn: 0 } : running,
        undefined,
        signal,
      );
    }
    if (desired.global.kind === 'config') {
      const decision = globalAction(running, desired.global.config);
      globalReason = decision.reason;
      this.#managed = true;
      if (decision.action === 'restart') {
        await this.client.stop(call);
        this.#applied.clear();
      }
      if (decision.action !== 'keep') {
        running = (await this.client.startIfStopped(desired.global.config, call)).current;
        global = decision.action === 'start' ? 'started' : 'restarted';
        this.log.info(
          { event: `bgp_${global}`, reason: decision.reason, asn: running.asn, routerId: running.routerId },
          `BGP ${global}`,
        );
      }
    }
    // (Re)starting BGP empties gobgpd's RIB; stopping it too.
    if (global !== 'kept') this.#rib.invalidate();
    if (running.asn === 0) return this.#report('not-running', globalReason, running, undefined, signal);
    // The policy step and the listings of peers and paths are independent (the policy changes no
    // peer and no local path; every change below waits for all of them): one round trip instead of
    // four, which is most of a single Service's time in the speaker.
    const known = this.#rib.current();
    const listingStarted = this.#now();
    const generation = this.#rib.generation();
    const [, listedPeers, byFamily] = await Promise.all([
      desired.beforeRoutes?.(global === 'started' || global === 'restarted', signal),
      this.client.listPeers(call),
      known === undefined
        ? Promise.all(FAMILIES.map((family) => this.client.listPaths(family, call)))
        : undefined,
    ]);
    const peerPlan = planPeers(desired.peers, listedPeers, this.#applied, running.asn);
    for (const address of peerPlan.delete) await this.client.deletePeer(address, call);
    for (const peer of peerPlan.update) await this.client.updatePeer(peer, call);
    for (const peer of peerPlan.add) await this.client.addPeer(peer, call);
    this.#applied = new Map(peerPlan.applied);

    let listed: readonly RibRoute[];
    if (byFamily === undefined) listed = known ?? [];
    else {
      listed = byFamily.flat();
      // Dated from before the call: a change gobgpd made during it is covered by the age bound too.
      this.#rib.listed(listed, listingStarted, generation);
    }
    const pathPlan = planPaths(desired.paths, listed);
    // Withdrawals are independent of each other: pipelining them over the one HTTP/2 connection
    // turns N into ~N/width round trips. Additions go as one AddPathStream: a burst of N Services
    // is one RPC, not N (each unary call costs this process ~1 ms of CPU; the `bgp` benchmark).
    await eachWithLimit(pathPlan.delete, PATH_RPC_WIDTH, (route) =>
      this.client.deletePathByContent(route, call),
    );
    this.#rib.deleted(pathPlan.delete);
    await this.client.addPaths(pathPlan.add, call);
    this.#rib.added(pathPlan.add);
    const changes = {
      peersAdded: peerPlan.add.length,
      peersUpdated: peerPlan.update.length,
      peersDeleted: peerPlan.delete.length,
      pathsAdded: pathPlan.add.length,
      pathsDeleted: pathPlan.delete.length,
      invalidPaths: pathPlan.invalid.map((i) => `${i.input.prefix}: ${i.error}`),
    };
    const localBefore = listed.filter((r) => r.local).length;
    const announced = localBefore + changes.pathsAdded - changes.pathsDeleted;
    if (Object.values(changes).some((v) => (Array.isArray(v) ? v.length > 0 : v !== 0)))
      this.log.info({ event: 'bgp_applied', ...changes, announced }, 'gobgpd updated');
    // The peers as listed are still current unless this pass changed them (one ListPeer less per run).
    const peersUnchanged = changes.peersAdded + changes.peersUpdated + changes.peersDeleted === 0;
    return this.#report(
      global,
      globalReason,
      running,
      { ...changes, announced },
      signal,
      peersUnchanged ? listedPeers : undefined,
    );
  }

  async #report(
    global: ApplyReport['global'],
    globalReason: string,
    running: GlobalConfig,
    changes: Omit<ApplyReport, 'global' | 'globalReason' | 'running' | 'peers'> | undefined,
    signal: AbortSignal,
    listedPeers?: readonly PeerStatus[],
  ): Promise<ApplyReport> {
    const peers = running.asn === 0 ? [] : (listedPeers ?? (await this.client.listPeers({ signal })));
    return {
      global,
      globalReason,
      running,
      peersAdded: 0,
      peersUpdated: 0,
      peersDeleted: 0,
      pathsAdded: 0,
      pathsDeleted: 0,
      announced: 0,
      invalidPaths: [],
      ...changes,
      peers,
    };
  }
}

/** How many DeletePath RPCs are in flight at once against one gobgpd. */
const PATH_RPC_WIDTH = 32;

/** Runs `task` over `items` with at most `width` in flight; rejects with the first failure. */
async function eachWithLimit<T>(
  items: readonly T[],
  width: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
