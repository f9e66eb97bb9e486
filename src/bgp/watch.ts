/**
 * The resubscribing WatchEvent(peer) loop behind GobgpClient.watchPeers. gobgp sends no headers
 * and no initial state on a peer watch, so a successful probe RPC on the same connection is what
 * tells us the subscription is live; the caller then relists to catch up on anything missed.
 */
import type { Client } from '@connectrpc/connect';
import { linkedSignal } from '../kube/abortable.js';
import { GobgpError, toGobgpError } from './errors.js';
import type { GobgpApi } from './gen/gobgp_pb.js';
import { peerFromProto } from './peer-mapping.js';
import type { PeerWatchEvent } from './types.js';

/** Dependencies of the watch loop. */
export interface WatchDeps {
  readonly raw: Client<typeof GobgpApi>;
  readonly signal: AbortSignal;
  readonly onEvent: (event: PeerWatchEvent) => void;
  /** A cheap unary call that succeeds only if gobgpd answers. */
  readonly probe: (signal: AbortSignal) => Promise<void>;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Thrown out of the loop when the consumer's callback throws: that is a bug, not a gobgpd problem. */
class CallbackFailure extends Error {
  constructor(readonly error: unknown) {
    super('the watchPeers callback threw', { cause: error });
  }
}

function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function emit(onEvent: (event: PeerWatchEvent) => void, event: PeerWatchEvent): void {
  try {
    onEvent(event);
  } catch (err) {
    throw new CallbackFailure(err);
  }
}

async function pump(deps: WatchDeps, signal: AbortSignal): Promise<void> {
  for await (const response of deps.raw.watchEvent({ peer: {} }, { signal })) {
    if (response.event.case !== 'peer' || response.event.value.peer === undefined) continue;
    const peer = peerFromProto(response.event.value.peer);
    // gobgp emits an event without a neighbour when a watcher registers; it describes no peer.
    if (peer.config.neighborAddress !== '') emit(deps.onEvent, { type: 'peer', peer });
  }
}

async function subscribeOnce(deps: WatchDeps): Promise<GobgpError> {
  const attempt = new AbortController();
  // Not AbortSignal.any: one per attempt (every few seconds while gobgpd is away), and any() would
  // leave an entry per attempt on the caller's signal for the life of the watch (see linkedSignal).
  const linked = linkedSignal([deps.signal, attempt.signal]);
  const signal = linked.signal;
  const stream = pump(deps, signal);
  // Awaited below; this only keeps a failure during the probe from counting as unhandled.
  stream.catch(() => undefined);
  try {
    await deps.probe(signal);
    emit(deps.onEvent, { type: 'subscribed' });
    await stream;
    return new GobgpError('unavailable', 'WatchEvent', 'gobgpd ended the event stream');
  } catch (err) {
    if (err instanceof CallbackFailure) throw err;
    return toGobgpError('WatchEvent', err, signal);
  } finally {
    attempt.abort();
    linked.dispose();
  }
}

/** Runs until deps.signal aborts; rethrows only what the consumer's callback threw. */
export async function watchPeerEvents(deps: WatchDeps): Promise<void> {
  try {
    await loop(deps);
  } catch (err) {
    throw err instanceof CallbackFailure ? err.error : err;
  }
}

async function loop(deps: WatchDeps): Promise<void> {
  let wait = deps.backoff.initialMs;
  while (!deps.signal.aborted) {
    const attempt = { subscribed: false };
    const error = await subscribeOnce({
      ...deps,
      onEvent: (event) => {
        if (event.type === 'subscribed') attempt.subscribed = true;
        deps.onEvent(event);
      },
    });
    if (isAborted(deps.signal)) return;
    // A subscription that worked resets the backoff; repeated failures double it.
    if (attempt.subscribed) wait = deps.backoff.initialMs;
    emit(deps.onEvent, { type: 'disconnected', error, retryInMs: wait });
    await deps.sleep(wait, deps.signal).catch(() => undefined);
    wait = Math.min(wait * 2, deps.backoff.maxMs);
  }
}
