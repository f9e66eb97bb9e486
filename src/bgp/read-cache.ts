/**
 * The speaker's gobgpd client with its state reads answered from memory: GetBgp, ListPeer and
 * ListPolicyAssignment. Every reconcile asked gobgpd all three before touching a path (the diff needs
 * the running config, the peers and the policy in place), and in a burst of Service changes that was
 * three of the four or five RPCs per reconcile, one of them a round trip before any other could start.
 * What they report changes only through this process's own writes (which drop the cache), a session
 * change or a gobgpd restart (both arrive as watch events, on which the owner calls invalidate()), or
 * an operator using the gobgp CLI (covered by the age bound). The same rules as the RIB view
 * (rib-view.ts): any failed call drops the cache too, and nothing older than `maxAgeMs` is reused.
 * Path calls pass straight through.
 */
import type { GobgpClient } from './client.js';
import type { AnnouncerClient } from './announcer.js';
import type { PolicyClient } from './policy-apply.js';

/** The calls the BGP speaker makes. */
export type SpeakerGobgpClient = AnnouncerClient & PolicyClient;

/** Tuning of the cache. */
export interface ReadCacheOptions {
  /** Milliseconds clock (monotonic is best). */
  readonly now: () => number;
  /** A read older than this is made again. @default 2000 */
  readonly maxAgeMs?: number;
}

type CallOptions = Parameters<GobgpClient['getGlobal']>[0];

// Cache slots; a write drops every slot whose name starts with its prefix ('' drops all).
const GLOBAL = 'global';
const PEERS = 'peers';
const ASSIGNMENTS = 'assignments/';

interface Entry {
  readonly at: number;
  readonly value: Promise<unknown>;
}

/** See the file comment. Share one instance between the announcer and the policy applier. */
export class GobgpReadCache implements SpeakerGobgpClient {
  readonly #client: SpeakerGobgpClient;
  readonly #now: () => number;
  readonly #maxAgeMs: number;
  /** Pending or settled reads by call; a concurrent second caller shares the first one's RPC. */
  readonly #entries = new Map<string, Entry>();

  constructor(client: SpeakerGobgpClient, options: ReadCacheOptions) {
    this.#client = client;
    this.#now = options.now;
    this.#maxAgeMs = options.maxAgeMs ?? 2000;
  }

  /** gobgpd may report something else now (session change, restart, resync): read it again. */
  invalidate(): void {
    this.#entries.clear();
  }

  getGlobal(options?: CallOptions): ReturnType<GobgpClient['getGlobal']> {
    return this.#read(GLOBAL, () => this.#client.getGlobal(options));
  }

  listPeers(options?: Parameters<GobgpClient['listPeers']>[0]): ReturnType<GobgpClient['listPeers']> {
    // One peer's listing is a different answer; it is rare (not on the reconcile path): not cached.
    if (options?.address !== undefined) return this.#pass(() => this.#client.listPeers(options));
    return this.#read(PEERS, () => this.#client.listPeers(options));
  }

  listPolicyAssignments(
    name: string,
    options?: CallOptions,
  ): ReturnType<GobgpClient['listPolicyAssignments']> {
    return this.#read(`${ASSIGNMENTS}${name}`, () => this.#client.listPolicyAssignments(name, options));
  }

  // Writes: each drops the reads whose answer it changes (starting or stopping BGP changes all).
  startIfStopped(...a: Parameters<GobgpClient['startIfStopped']>): ReturnType<GobgpClient['startIfStopped']> {
    return this.#write('', () => this.#client.startIfStopped(...a));
  }

  stop(...a: Parameters<GobgpClient['stop']>): ReturnType<GobgpClient['stop']> {
    return this.#write('', () => this.#client.stop(...a));
  }

  addPeer(...a: Parameters<GobgpClient['addPeer']>): ReturnType<GobgpClient['addPeer']> {
    return this.#write(PEERS, () => this.#client.addPeer(...a));
  }

  updatePeer(...a: Parameters<GobgpClient['updatePeer']>): ReturnType<GobgpClient['updatePeer']> {
    return this.#write(PEERS, () => this.#client.updatePeer(...a));
  }

  deletePeer(...a: Parameters<GobgpClient['deletePeer']>): ReturnType<GobgpClient['deletePeer']> {
    return this.#write(PEERS, () => this.#client.deletePeer(...a));
  }

  setPolicies(...a: Parameters<GobgpClient['setPolicies']>): ReturnType<GobgpClient['setPolicies']> {
    return this.#write(ASSIGNMENTS, () => this.#client.setPolicies(...a));
  }

  setPolicyAssignment(
    ...a: Parameters<GobgpClient['setPolicyAssignment']>
  ): ReturnType<GobgpClient['setPolicyAssignment']> {
    return this.#write(ASSIGNMENTS, () => this.#client.setPolicyAssignment(...a));
  }

  softResetAll(...a: Parameters<GobgpClient['softResetAll']>): ReturnType<GobgpClient['softResetAll']> {
    return this.#write(PEERS, () => this.#client.softResetAll(...a));
  }

  // Path calls: the RIB view (rib-view.ts) keeps track of those.
  listPaths(...a: Parameters<GobgpClient['listPaths']>): ReturnType<GobgpClient['listPaths']> {
    return this.#pass(() => this.#client.listPaths(...a));
  }

  listAdjOut(...a: Parameters<GobgpClient['listAdjOut']>): ReturnType<GobgpClient['listAdjOut']> {
    return this.#pass(() => this.#client.listAdjOut(...a));
  }

  addPath(...a: Parameters<GobgpClient['addPath']>): ReturnType<GobgpClient['addPath']> {
    return this.#pass(() => this.#client.addPath(...a));
  }

  addPaths(...a: Parameters<GobgpClient['addPaths']>): ReturnType<GobgpClient['addPaths']> {
    return this.#pass(() => this.#client.addPaths(...a));
  }

  deletePathByContent(
    ...a: Parameters<GobgpClient['deletePathByContent']>
  ): ReturnType<GobgpClient['deletePathByContent']> {
    return this.#pass(() => this.#client.deletePathByContent(...a));
  }

  #read<T>(slot: string, call: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(slot);
    if (hit !== undefined && this.#now() - hit.at <= this.#maxAgeMs) return hit.value as Promise<T>;
    // Dated from before the call, like a RIB listing: a change during it is covered by the age bound.
    const entry: Entry = { at: this.#now(), value: this.#pass(call) };
    this.#entries.set(slot, entry);
    // A failed read was removed by #pass's invalidate(); an invalidation during the call removed it too.
    return entry.value as Promise<T>;
  }

  async #write<T>(prefix: string, call: () => Promise<T>): Promise<T> {
    this.#drop(prefix);
    try {
      return await this.#pass(call);
    } finally {
      // Reads that started while the write was in flight may predate it.
      this.#drop(prefix);
    }
  }

  #drop(prefix: string): void {
    for (const slot of [...this.#entries.keys()]) if (slot.startsWith(prefix)) this.#entries.delete(slot);
  }

  async #pass<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      // A failed call may have half-applied, or gobgpd may be gone: only a new read says.
      this.invalidate();
      throw err;
    }
  }
}
