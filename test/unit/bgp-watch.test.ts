import { create } from '@bufbuild/protobuf';
import type { Client } from '@connectrpc/connect';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import {
  GobgpApi,
  PeerState_SessionState,
  WatchEventResponse_PeerEvent_Type,
  WatchEventResponseSchema,
} from '../../src/bgp/gen/gobgp_pb.js';
import type { WatchEventResponse } from '../../src/bgp/gen/gobgp_pb.js';
import type { PeerWatchEvent } from '../../src/bgp/types.js';
import { watchPeerEvents } from '../../src/bgp/watch.js';
import { dependantsAfterOneAny, signalDependants } from '../support/signal-dependants.js';

function peerEvent(address: string, state: PeerState_SessionState): WatchEventResponse {
  return create(WatchEventResponseSchema, {
    event: {
      case: 'peer',
      value: {
        type: WatchEventResponse_PeerEvent_Type.STATE,
        peer: { conf: { neighborAddress: address, peerAsn: 65000 }, state: { sessionState: state } },
      },
    },
  });
}

/** A fake generated client whose WatchEvent streams are scripted per subscription. */
function fakeRaw(streams: ((signal: AbortSignal) => AsyncIterable<WatchEventResponse>)[]): {
  raw: Client<typeof GobgpApi>;
  subscriptions: () => number;
} {
  let n = 0;
  const raw = {
    watchEvent: (_req: unknown, options: { signal: AbortSignal }) => {
      const script = streams[Math.min(n, streams.length - 1)];
      n++;
      if (script === undefined) throw new Error('no script');
      return script(options.signal);
    },
  } as unknown as Client<typeof GobgpApi>;
  return { raw, subscriptions: () => n };
}

/** Yields the given events, then ends (or throws `end`). */
function scripted(events: WatchEventResponse[], end?: Error) {
  return async function* (): AsyncIterable<WatchEventResponse> {
    for (const e of events) {
      await Promise.resolve();
      yield e;
    }
    if (end !== undefined) throw end;
  };
}

/** Never yields; ends when aborted, like a healthy idle stream. */
function idleUntilAborted(signal: AbortSignal): AsyncIterable<WatchEventResponse> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        new Promise<IteratorResult<WatchEventResponse>>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            reject(new ConnectError('aborted', Code.Canceled));
          });
        }),
    }),
  };
}

describe('watchPeerEvents', () => {
  it('emits peer events, reports disconnects with doubling backoff, resubscribes and resets backoff', async () => {
    const stop = new AbortController();
    const reset = new ConnectError('stream reset', Code.Unavailable);
    const { raw, subscriptions } = fakeRaw([
      scripted([peerEvent('192.0.2.1', PeerState_SessionState.ESTABLISHED)], reset),
      scripted([], reset),
      scripted([], reset),
      idleUntilAborted,
    ]);
    const probes = [true, false, true, true];
    const sleeps: number[] = [];
    const events: PeerWatchEvent[] = [];
    await watchPeerEvents({
      raw,
      signal: stop.signal,
      onEvent: (e) => {
        events.push(e);
        if (events.filter((x) => x.type === 'subscribed').length === 3) stop.abort();
      },
      probe: () =>
        probes.shift() === true
          ? Promise.resolve()
          : Promise.reject(new ConnectError('down', Code.Unavailable)),
      backoff: { initialMs: 100, maxMs: 250 },
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    expect(
      events.map((e) => (e.type === 'disconnected' ? `${e.type}:${e.error.kind}:${e.retryInMs}` : e.type)),
    ).toEqual([
      'subscribed',
      'peer',
      'disconnected:unavailable:100',
      'disconnected:unavailable:200',
      'subscribed',
      'disconnected:unavailable:100',
      'subscribed',
    ]);
    const first = events[1];
    expect(first?.type === 'peer' && [first.peer.config.neighborAddress, first.peer.sessionState]).toEqual([
      '192.0.2.1',
      'established',
    ]);
    expect(sleeps).toEqual([100, 200, 100]);
    expect(subscriptions()).toBe(4);
  });

  it('leaves nothing on the caller signal however often gobgpd is away and it resubscribes', async () => {
    expect(dependantsAfterOneAny()).toBe(1); // the probe sees what any() leaves
    const stop = new AbortController();
    const { raw, subscriptions } = fakeRaw([scripted([], new ConnectError('gone', Code.Unavailable))]);
    let disconnects = 0;
    await watchPeerEvents({
      raw,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === 'disconnected' && ++disconnects === 40) stop.abort();
      },
      probe: () => Promise.resolve(),
      backoff: { initialMs: 1, maxMs: 1 },
      sleep: () => Promise.resolve(),
    });
    expect(subscriptions()).toBe(40);
    expect(signalDependants(stop.signal)).toBe(0);
  });

  it('drops the neighbour-less event gobgp sends when a watcher registers', async () => {
    const stop = new AbortController();
    const { raw } = fakeRaw([
      scripted(
        [
          peerEvent('<nil>', PeerState_SessionState.UNKNOWN),
          peerEvent('192.0.2.7', PeerState_SessionState.IDLE),
        ],
        new Error('end'),
      ),
    ]);
    const events: PeerWatchEvent[] = [];
    await watchPeerEvents({
      raw,
      signal: stop.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'disconnected') stop.abort();
      },
      probe: () => Promise.resolve(),
      backoff: { initialMs: 1, maxMs: 1 },
      sleep: () => Promise.resolve(),
    });
    expect(events.filter((e) => e.type === 'peer')).toHaveLength(1);
  });

  it('rethrows what the callback throws instead of retrying', async () => {
    const { raw } = fakeRaw([scripted([peerEvent('192.0.2.1', PeerState_SessionState.ESTABLISHED)])]);
    const bug = new Error('consumer bug');
    await expect(
      watchPeerEvents({
        raw,
        signal: new AbortController().signal,
        onEvent: (e) => {
          if (e.type === 'peer') throw bug;
        },
        probe: () => Promise.resolve(),
        backoff: { initialMs: 1, maxMs: 1 },
        sleep: () => Promise.resolve(),
      }),
    ).rejects.toBe(bug);
  });

  it('returns at once when the signal is already aborted', async () => {
    const { raw, subscriptions } = fakeRaw([idleUntilAborted]);
    await watchPeerEvents({
      raw,
      signal: AbortSignal.abort(),
      onEvent: () => undefined,
      probe: () => Promise.resolve(),
      backoff: { initialMs: 1, maxMs: 1 },
      sleep: () => Promise.resolve(),
    });
    expect(subscriptions()).toBe(0);
  });
});
