import { describe, expect, it } from 'vitest';
import type { AfPacketBinding, AfPacketHandle, SocketKind } from '../../src/layer2/native.js';
import { interfaceInfo, RawSocket, toRawSocketError } from '../../src/layer2/raw-socket.js';

function errnoError(code: string, syscall: string, message = `${syscall} failed`): Error {
  return Object.assign(new Error(message), { code, syscall });
}

/** A fake addon that records calls; `failOpen` makes open() throw like the real one. */
function fakeBinding(failOpen?: Error) {
  const calls: string[] = [];
  let onFrame: ((frame: Buffer) => void) | undefined;
  const handle = {} as AfPacketHandle;
  const binding: AfPacketBinding = {
    interfaceInfo: (ifname) => {
      if (ifname === 'missing0') throw errnoError('ENODEV', 'if_nametoindex');
      return { index: 7, mac: Buffer.from('02005e10000b', 'hex') };
    },
    open: (ifname: string, kind: SocketKind, cb: (frame: Buffer) => void, netnsPath?: string) => {
      calls.push(`open ${ifname} ${kind} ${netnsPath ?? '-'}`);
      if (failOpen) throw failOpen;
      onFrame = cb;
      return handle;
    },
    send: (_h, frame) => {
      calls.push(`send ${frame.length}`);
      return frame.length;
    },
    addMembership: (_h, mac) => void calls.push(`join ${mac.toString('hex')}`),
    dropMembership: (_h, mac) => {
      calls.push(`leave ${mac.toString('hex')}`);
      throw errnoError(
        'EADDRNOTAVAIL',
        'setsockopt(PACKET_DROP_MEMBERSHIP)',
        'Cannot assign requested address',
      );
    },
    stats: () => ({ received: 1, droppedOutgoing: 0, droppedTruncated: 0 }),
    close: () => void calls.push('close'),
  };
  return { binding, calls, deliver: (frame: Buffer) => onFrame?.(frame) };
}

describe('RawSocket over a fake addon', () => {
  it('opens with the interface MAC, forwards frames, sends, joins and stops once', () => {
    const fake = fakeBinding();
    const frames: Buffer[] = [];
    const opened = RawSocket.open({
      interfaceName: 'eth1',
      kind: 'ndp',
      onFrame: (f) => frames.push(f),
      binding: fake.binding,
      netnsPath: '/var/run/netns/x',
    });
    if (!opened.ok) throw opened.error;
    const socket = opened.value;
    expect(socket.mac).toBe('02:00:5e:10:00:0b');
    fake.deliver(Buffer.from('ab', 'hex'));
    expect(frames).toEqual([Buffer.from('ab', 'hex')]);
    expect(socket.send(Buffer.alloc(42))).toEqual({ ok: true, value: 42 });
    expect(socket.joinMulticast('33:33:ff:00:00:02')).toEqual({ ok: true, value: undefined });
    const left = socket.leaveMulticast('33:33:ff:00:00:02');
    expect(left.ok || left.error.kind).toBe('os-error');
    expect(!left.ok && left.error.errno).toBe('EADDRNOTAVAIL');
    socket.stop();
    socket.stop();
    expect(socket.stopped).toBe(true);
    const afterStop = socket.send(Buffer.alloc(42));
    expect(afterStop.ok || afterStop.error.kind).toBe('closed');
    expect(fake.calls).toEqual([
      'open eth1 ndp /var/run/netns/x',
      'send 42',
      'join 3333ff000002',
      'leave 3333ff000002',
      'close',
    ]);
  });

  it('stops when the AbortSignal fires, and opens nothing when it already fired', () => {
    const fake = fakeBinding();
    const controller = new AbortController();
    const opened = RawSocket.open({
      interfaceName: 'eth1',
      kind: 'arp',
      onFrame: () => undefined,
      binding: fake.binding,
      signal: controller.signal,
    });
    if (!opened.ok) throw opened.error;
    controller.abort();
    expect(opened.value.stopped).toBe(true);
    expect(fake.calls).toEqual(['open eth1 arp -', 'close']);
    const again = RawSocket.open({
      interfaceName: 'eth1',
      kind: 'arp',
      onFrame: () => undefined,
      binding: fake.binding,
      signal: controller.signal,
    });
    expect(again.ok || again.error.kind).toBe('closed');
    expect(fake.calls).toHaveLength(2);
  });

  it('a throwing frame callback reaches onError instead of crashing', () => {
    const fake = fakeBinding();
    const errors: unknown[] = [];
    const opened = RawSocket.open({
      interfaceName: 'eth1',
      kind: 'arp',
      onFrame: () => {
        throw new Error('boom');
      },
      onError: (err) => errors.push(err),
      binding: fake.binding,
    });
    expect(opened.ok).toBe(true);
    fake.deliver(Buffer.alloc(1));
    expect(errors).toEqual([new Error('boom')]);
  });

  it.each([
    [
      errnoError('EPERM', 'socket(AF_PACKET)', 'Operation not permitted'),
      'needs-cap-net-raw',
      'needs CAP_NET_RAW',
    ],
    [errnoError('EPERM', 'setns', 'Operation not permitted'), 'needs-cap-net-raw', 'needs CAP_SYS_ADMIN'],
    [errnoError('ENODEV', 'if_nametoindex'), 'no-such-interface', 'no such interface'],
    [errnoError('ENOENT', 'setns'), 'no-such-netns', 'no such network namespace'],
    [errnoError('ENOBUFS', 'bind(AF_PACKET)'), 'os-error', 'failed'],
  ])('maps %s to %s', (err, kind, text) => {
    const fake = fakeBinding(err);
    const opened = RawSocket.open({
      interfaceName: 'eth1',
      kind: 'arp',
      onFrame: () => undefined,
      binding: fake.binding,
    });
    expect(opened.ok || opened.error.kind).toBe(kind);
    expect(!opened.ok && opened.error.message).toContain(text);
    expect(!opened.ok && opened.error.message).toContain('opening the ARP socket on eth1');
  });

  it('reports a missing interface before trying to open it', () => {
    const fake = fakeBinding();
    const info = interfaceInfo('missing0', undefined, fake.binding);
    expect(info.ok || info.error.kind).toBe('no-such-interface');
    expect(toRawSocketError('plain string', 'x').kind).toBe('os-error');
  });
});
