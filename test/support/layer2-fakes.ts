// Stand-ins for a node's NICs and packet sockets, for Layer2Speaker tests against the local API.
import type { Result } from '../../src/ip/address.js';
import type { NicLookup } from '../../src/layer2/announce-nic.js';
import type { SocketKind } from '../../src/layer2/native.js';
import type { OpenedSocket, SocketOpener } from '../../src/speaker/layer2-dataplane.js';

/** A node whose only NIC is eth0; `down()` says whether its link is down right now. */
export function eth0Nics(down: () => boolean = () => false): NicLookup {
  return {
    holding: () => ({ ok: false, error: 'unused' }),
    holdingIn: () => ({ ok: false, error: 'unused' }),
    named: (name) =>
      name !== 'eth0'
        ? { ok: false, error: `no NIC named ${name}` }
        : down()
          ? { ok: false, error: 'eth0 is not usable (operstate down, carrier unknown)' }
          : { ok: true, value: 'eth0' },
    routeTo: () => ({ ok: false, error: 'unused' }),
  };
}

/** A packet socket that accepts every frame and every multicast group. */
export const fakeSocket = (): Result<OpenedSocket, Error> => ({
  ok: true,
  value: {
    mac: '02:00:00:01:00:0b',
    send: (frame) => ({ ok: true, value: frame.length }),
    joinMulticast: () => ({ ok: true, value: undefined }),
    leaveMulticast: () => ({ ok: true, value: undefined }),
    stop: () => undefined,
  },
});

/** A SocketOpener whose sockets behave like fakeSocket, and that can hand frames to what it opened. */
export function frameInjector(): {
  readonly open: SocketOpener;
  /** Hands `frame` to the open socket of `kind` on `nic`; false when there is none. */
  deliver(nic: string, kind: SocketKind, frame: Buffer): boolean;
} {
  const receivers = new Map<string, (frame: Buffer) => void>();
  return {
    open: (nic, kind, onFrame) => {
      receivers.set(`${nic} ${kind}`, onFrame);
      return fakeSocket();
    },
    deliver(nic, kind, frame) {
      const receive = receivers.get(`${nic} ${kind}`);
      receive?.(frame);
      return receive !== undefined;
    },
  };
}
