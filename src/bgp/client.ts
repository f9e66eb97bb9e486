/**
 * Typed client for gobgpd 3.10 (gRPC over h2c with connect-node). Per-call deadlines, AbortSignal
 * on every call, typed errors (GobgpError), automatic reconnects (the HTTP/2 session manager opens
 * a new connection on the next call after gobgpd went away; until then calls fail `unavailable`
 * and onConnectivityChange reports it), and domain helpers that hide protobuf from the announcer.
 */
import { DEFAULT_GOBGP_ADDRESS } from './defaults.js';
import { setTimeout as delay } from 'node:timers/promises';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import type { CallOptions as ConnectCallOptions, Client, Transport } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { GobgpError, toGobgpError, type GobgpErrorKind } from './errors.js';
import { linkedSignal } from '../kube/abortable.js';
import {
  type AddPathStreamRequestSchema,
  GobgpApi,
  ListPeerRequestSchema,
  ResetPeerRequest_SoftResetDirection,
  TableType,
} from './gen/gobgp_pb.js';
import type { DefinedSet, Policy, PolicyAssignment, SetPoliciesRequest } from './gen/policy_pb.js';
import {
  buildPath,
  compareRoutes,
  familyToProto,
  normalizeRoute,
  routeFromPath,
  routeToPath,
} from './path-mapping.js';
import { globalFromProto, globalToProto, peerFromProto, peerToProto } from './peer-mapping.js';
import { watchPeerEvents } from './watch.js';
import type {
  GlobalConfig,
  PeerConfig,
  PeerStatus,
  PeerWatchEvent,
  RibRoute,
  Route,
  RouteFamily,
  RouteInput,
} from './types.js';

/** Whether gobgpd answered the last call. */
export type Connectivity = 'unknown' | 'ready' | 'unavailable';

/** Options of GobgpClient; every field has a default. */
export interface GobgpClientOptions {
  /** gobgpd's gRPC `host:port` (IPv6 as `[::1]:50051`). Default 127.0.0.1:50051. */
  readonly address?: string;
  /** Deadline of each call, streams included (watchPeers excepted). Default 5000 ms. */
  readonly deadlineMs?: number;
  /** Told when gobgpd becomes unreachable or reachable again. */
  readonly onConnectivityChange?: (state: Connectivity, error?: GobgpError) => void;
  /** Backoff of watchPeers between resubscriptions. Default 100 ms doubling to 5 s. */
  readonly watchBackoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Injectable sleep for the watch backoff (tests). Rejects or resolves early when aborted. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Replace the HTTP/2 transport (tests). close() then leaves it alone. */
  readonly transport?: Transport;
  /** Told after every call (metrics): which RPC, how it ended, how long it took. */
  readonly onCall?: (call: GobgpCallRecord) => void;
  /** Milliseconds clock for onCall's durations. Default performance.now. */
  readonly now?: () => number;
}

/** One finished call, as onCall reports it. */
export interface GobgpCallRecord {
  /** The RPC, e.g. `GetBgp`, `AddPathStream`. */
  readonly operation: string;
  /** `ok`, or the kind of GobgpError it failed with. */
  readonly outcome: 'ok' | GobgpErrorKind;
  readonly seconds: number;
}

/** Per-call options. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly deadlineMs?: number;
}

/** Result of startIfStopped. */
export interface StartResult {
  /** `started`: StartBgp was called; `already-running`: gobgpd had an ASN, nothing was changed. */
  readonly action: 'started' | 'already-running';
  /** gobgpd's global config after the call. */
  readonly current: GlobalConfig;
}

export { DEFAULT_GOBGP_ADDRESS };
const DEFAULT_DEADLINE_MS = 5000;

/** A gobgpd gRPC client. Create one per gobgpd; call close() when done. */
/** Paths per AddPathStream message (~100 bytes each, far below gRPC's 4 MiB message limit). */
const PATHS_PER_STREAM_MESSAGE = 500;

export class GobgpClient {
  /** The raw generated client, for RPCs without a helper. No deadline or error mapping is added. */
  readonly raw: Client<typeof GobgpApi>;
  private readonly sessions: Http2SessionManager | undefined;
  private readonly closed = new AbortController();
  private readonly deadlineMs: number;
  private state: Connectivity = 'unknown';
  private readonly now: () => number;

  constructor(private readonly options: GobgpClientOptions = {}) {
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.now = options.now ?? ((): number => performance.now());
    let transport = options.transport;
    if (transport === undefined) {
      const baseUrl = `http://${options.address ?? DEFAULT_GOBGP_ADDRESS}`;
      // Pings detect a dead gobgpd under a long-lived WatchEvent stream even without a TCP reset.
      this.sessions = new Http2SessionManager(baseUrl, { pingIntervalMs: 10_000, pingTimeoutMs: 5_000 });
      transport = createGrpcTransport({ baseUrl, sessionManager: this.sessions });
    }
    this.raw = createClient(GobgpApi, transport);
  }

  /** Reachability as of the last call. */
  get connectivity(): Connectivity {
    return this.state;
  }

  /** gobgpd's global config; `asn` 0 means BGP has not been started. */
  async getGlobal(options?: CallOptions): Promise<GlobalConfig> {
    const response = await this.call('GetBgp', options, (o) => this.raw.getBgp({}, o));
    return globalFromProto(response.global);
  }

  /**
   * Calls StartBgp only when GetBgp reports asn 0: on gobgp 3.10 a second StartBgp replaces the
   * config and wipes the RIB. To change asn or router id, stop() first.
   */
  async startIfStopped(global: GlobalConfig, options?: CallOptions): Promise<StartResult> {
    const message = globalToProto(global);
    if (!message.ok) throw new GobgpError('invalid-input', 'StartBgp', message.error);
    const current = await this.getGlobal(options);
    if (current.asn !== 0) return { action: 'already-running', current };
    await this.call('StartBgp', options, (o) => this.raw.startBgp({ global: message.value }, o));
    return { action: 'started', current: await this.getGlobal(options) };
  }

  /** StopBgp: closes every session and empties the RIB. */
  async stop(options?: CallOptions): Promise<void> {
    await this.call('StopBgp', options, (o) => this.raw.stopBgp({}, o));
  }

  /** Every configured peer (or just `address`), with session state. */
  async listPeers(options?: CallOptions & { readonly address?: string }): Promise<PeerStatus[]> {
    const request = create(ListPeerRequestSchema, { address: options?.address ?? '' });
    return this.call('ListPeer', options, async (o) => {
      const peers: PeerStatus[] = [];
      for await (const response of this.raw.listPeer(request, o)) {
        if (response.peer !== undefined) peers.push(peerFromProto(response.peer));
      }
      return peers;
    });
  }

  /** AddPeer. Fails `invalid-input` before any RPC when the config is malformed. */
  async addPeer(config: PeerConfig, options?: CallOptions): Promise<void> {
    const peer = peerToProto(config);
    if (!peer.ok) throw new GobgpError('invalid-input', 'AddPeer', peer.error);
    await this.call('AddPeer', options, (o) => this.raw.addPeer({ peer: peer.value }, o));
  }

  /** UpdatePeer (with soft reset in when needed); the session stays up where gobgp allows it. */
  async updatePeer(config: PeerConfig, options?: CallOptions): Promise<{ needsSoftResetIn: boolean }> {
    const peer = peerToProto(config);
    if (!peer.ok) throw new GobgpError('invalid-input', 'UpdatePeer', peer.error);
    const response = await this.call('UpdatePeer', options, (o) =>
      this.raw.updatePeer({ peer: peer.value, doSoftResetIn: true }, o),
    );
    return { needsSoftResetIn: response.needsSoftResetIn };
  }

  /** DeletePeer by neighbour address. */
  async deletePeer(neighborAddress: string, options?: CallOptions): Promise<void> {
    await this.call('DeletePeer', options, (o) => this.raw.deletePeer({ address: neighborAddress }, o));
  }

  /** The global RIB of one family as plain routes (local and learned; see RibRoute.local), sorted. */
  async listPaths(family: RouteFamily, options?: CallOptions): Promise<RibRoute[]> {
    const request = {
      tableType: TableType.GLOBAL,
      family: familyToProto(family),
      // Wire-format NLRI and attributes instead of one protobuf Any each: far cheaper to decode.
      enableOnlyBinary: true,
    };
    return this.call('ListPath', options, async (o) => {
      const routes: RibRoute[] = [];
      for await (const response of this.raw.listPath(request, o)) {
        for (const path of response.destination?.paths ?? []) {
          const route = routeFromPath(path);
          // Only IPv4/IPv6 unicast prefixes can be listed for these families; anything else is skipped.
          if (route.ok) routes.push(route.value);
        }
      }
      // gobgp's own sort_type is not reliable in 3.10 (map order leaks through); sort here.
      return routes.sort(compareRoutes);
    });
  }

  /** Announces a route. Refuses (`invalid-input`) loopback next hops and malformed prefixes. */
  async addPath(input: RouteInput, options?: CallOptions): Promise<{ route: Route; uuid: Uint8Array }> {
    const built = buildPath(input);
    if (!built.ok) throw new GobgpError('invalid-input', 'AddPath', built.error);
    const { route, path } = built.value;
    const response = await this.call('AddPath', options, (o) =>
      this.raw.addPath({ tableType: TableType.GLOBAL, path }, o),
    );
    return { route, uuid: response.uuid };
  }

  /**
   * Announces many routes in one AddPathStream call: gobgpd applies each message as one batch, so a
   * burst costs one RPC instead of one per route (each unary call costs ~1 ms of this process's CPU).
   * Paths added this way have no uuid; withdraw them with deletePathByContent. All or nothing on
   * invalid input: nothing is sent when any route is malformed. The protobuf paths are built one
   * message at a time as the stream takes them: built all at once, 20,000 of them were ~40 MB of a
   * speaker's peak RSS (`npm run bench -- speaker`).
   */
  async addPaths(inputs: readonly (RouteInput | Route)[], options?: CallOptions): Promise<Route[]> {
    const routes: Route[] = [];
    for (const input of inputs) {
      const r = normalizeRoute(input);
      if (!r.ok) throw new GobgpError('invalid-input', 'AddPathStream', r.error);
      routes.push(r.value);
    }
    if (routes.length === 0) return [];
    function* messages(): Generator<MessageInitShape<typeof AddPathStreamRequestSchema>, void> {
      for (let i = 0; i < routes.length; i += PATHS_PER_STREAM_MESSAGE)
        yield {
          tableType: TableType.GLOBAL,
          paths: routes.slice(i, i + PATHS_PER_STREAM_MESSAGE).map(routeToPath),
        };
    }
    await this.call('AddPathStream', options, (o) => this.raw.addPathStream(pulled(messages()), o));
    return routes;
  }

  /**
   * Withdraws a route by content (family, prefix, attributes): ListPath returns no uuids, so this is
   * how routes from before a restart are removed. Deleting a route that is not there is not an error.
   */
  async deletePathByContent(route: RouteInput | Route, options?: CallOptions): Promise<void> {
    const built = buildPath(route);
    if (!built.ok) throw new GobgpError('invalid-input', 'DeletePath', built.error);
    const path = routeToPath(built.value.route);
    await this.call('DeletePath', options, (o) =>
      this.raw.deletePath({ tableType: TableType.GLOBAL, family: path.family, path }, o),
    );
  }

  /** SetPolicies: replaces every defined set and policy (assignments keep their names). */
  async setPolicies(request: SetPoliciesRequest, options?: CallOptions): Promise<void> {
    await this.call('SetPolicies', options, (o) => this.raw.setPolicies(request, o));
  }

  /** SetPolicyAssignment: replaces the policy list and default action of one table and direction. */
  async setPolicyAssignment(assignment: PolicyAssignment, options?: CallOptions): Promise<void> {
    await this.call('SetPolicyAssignment', options, (o) => this.raw.setPolicyAssignment({ assignment }, o));
  }

  /** The import and export assignments of one table (`global` for the global RIB). */
  async listPolicyAssignments(name: string, options?: CallOptions): Promise<PolicyAssignment[]> {
    return this.call('ListPolicyAssignment', options, async (o) => {
      const out: PolicyAssignment[] = [];
      for await (const r of this.raw.listPolicyAssignment({ name }, o))
        if (r.assignment !== undefined) out.push(r.assignment);
      return out;
    });
  }

  /** Every policy definition, with its statements. */
  async listPolicies(options?: CallOptions): Promise<Policy[]> {
    return this.call('ListPolicy', options, async (o) => {
      const out: Policy[] = [];
      for await (const r of this.raw.listPolicy({}, o)) if (r.policy !== undefined) out.push(r.policy);
      return out;
    });
  }

  /** Every defined set of one type (gobgp lists one type per call). */
  async listDefinedSets(type: DefinedSet['definedType'], options?: CallOptions): Promise<DefinedSet[]> {
    return this.call('ListDefinedSet', options, async (o) => {
      const out: DefinedSet[] = [];
      for await (const r of this.raw.listDefinedSet({ definedType: type }, o))
        if (r.definedSet !== undefined) out.push(r.definedSet);
      return out;
    });
  }

  /**
   * Soft reset of every established peer (`in`, `out` or `both`): re-runs the policies over the
   * routes without closing any session. Never sends a NOTIFICATION (only `soft: true` is ever sent).
   */
  async softResetAll(direction: 'in' | 'out' | 'both', options?: CallOptions): Promise<void> {
    const d = ResetPeerRequest_SoftResetDirection;
    const dir = direction === 'in' ? d.IN : direction === 'out' ? d.OUT : d.BOTH;
    await this.call('ResetPeer', options, (o) =>
      this.raw.resetPeer({ address: 'all', soft: true, direction: dir }, o),
    );
  }

  /** What gobgpd would send to one peer now (its Adj-RIB-Out under the current export policy). */
  async listAdjOut(peer: string, family: RouteFamily, options?: CallOptions): Promise<RibRoute[]> {
    const request = { tableType: TableType.ADJ_OUT, name: peer, family: familyToProto(family) };
    return this.call('ListPath', options, async (o) => {
      const routes: RibRoute[] = [];
      for await (const response of this.raw.listPath(request, o))
        for (const path of response.destination?.paths ?? []) {
          const route = routeFromPath(path);
          if (route.ok) routes.push(route.value);
        }
      return routes.sort(compareRoutes);
    });
  }

  /**
   * Streams peer state changes until `signal` aborts or close() is called. When gobgpd goes away
   * it reports `disconnected`, retries with backoff and reports `subscribed` once it can resubscribe
   * (the caller should then relist: events were missed and gobgpd may have restarted empty).
   * Resolves on abort; rejects only if `onEvent` throws.
   */
  async watchPeers(signal: AbortSignal, onEvent: (event: PeerWatchEvent) => void): Promise<void> {
    const linked = linkedSignal([signal, this.closed.signal]);
    try {
      await watchPeerEvents({
        raw: this.raw,
        signal: linked.signal,
        onEvent,
        probe: async (probeSignal) => {
          await this.getGlobal({ signal: probeSignal });
        },
        backoff: this.options.watchBackoff ?? { initialMs: 100, maxMs: 5000 },
        sleep: this.options.sleep ?? ((ms, s) => delay(ms, undefined, { signal: s })),
      });
    } finally {
      linked.dispose();
    }
  }

  /** Cancels in-flight calls and watches and closes the connection. Later calls fail `closed`. */
  close(): void {
    if (this.closed.signal.aborted) return;
    this.closed.abort();
    this.sessions?.abort();
  }

  private async call<T>(
    operation: string,
    options: CallOptions | undefined,
    run: (o: ConnectCallOptions) => Promise<T>,
  ): Promise<T> {
    if (this.closed.signal.aborted) throw new GobgpError('closed', operation, 'the client is closed');
    // Not AbortSignal.any: per call, it would pile up on these long-lived signals (see linkedSignal).
    const linked =
      options?.signal === undefined ? undefined : linkedSignal([options.signal, this.closed.signal]);
    const started = this.now();
    try {
      const result = await run({
        signal: linked?.signal ?? this.closed.signal,
        timeoutMs: options?.deadlineMs ?? this.deadlineMs,
      });
      this.setConnectivity('ready');
      this.record(operation, 'ok', started);
      return result;
    } catch (err) {
      const error = this.isClosed()
        ? new GobgpError('closed', operation, 'the client was closed during the call', undefined, {
            cause: err,
          })
        : toGobgpError(operation, err, options?.signal);
      if (error.kind === 'unavailable') this.setConnectivity('unavailable', error);
      this.record(operation, error.kind, started);
      throw error;
    } finally {
      linked?.dispose();
    }
  }

  private record(operation: string, outcome: GobgpCallRecord['outcome'], started: number): void {
    this.options.onCall?.({ operation, outcome, seconds: (this.now() - started) / 1000 });
  }

  private isClosed(): boolean {
    return this.closed.signal.aborted;
  }

  private setConnectivity(state: Connectivity, error?: GobgpError): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onConnectivityChange?.(state, error);
  }
}

/**
 * `items` as the async iterator a client stream takes (connect calls next, return and throw), each item
 * made only when the stream pulls it.
 */
function pulled<T>(items: Generator<T, void>): AsyncIterableIterator<T> {
  const step = (f: () => IteratorResult<T, void>): Promise<IteratorResult<T, void>> => {
    try {
      return Promise.resolve(f());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
  const it: AsyncIterableIterator<T> = {
    next: () => step(() => items.next()),
    return: () => step(() => items.return()),
    throw: (err: unknown) => step(() => items.throw(err)),
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}
