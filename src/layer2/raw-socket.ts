/**
 * A kernel-filtered packet socket on one interface: ARP frames, or ICMPv6 Neighbor Solicitations and
 * Advertisements only, never our own outgoing frames. Thin wrapper over the addon: errors become values
 * with precise messages, the frame callback cannot crash the process, and the socket closes on stop()
 * or when the AbortSignal fires.
 */
import type { Result } from '../ip/address.js';
import { formatMac, macToBytes, type MacAddress } from './addresses.js';
import {
  loadAfPacket,
  type AfPacketBinding,
  type AfPacketHandle,
  type SocketKind,
  type SocketStats,
} from './native.js';

export type { SocketKind, SocketStats };

/** What went wrong, as a stable value. */
export type RawSocketErrorKind =
  'needs-cap-net-raw' | 'no-such-interface' | 'no-such-netns' | 'addon-unavailable' | 'closed' | 'os-error';

/** A raw-socket failure. `errno` is the errno name from the kernel when there was one. */
export class RawSocketError extends Error {
  override readonly name = 'RawSocketError';
  constructor(
    readonly kind: RawSocketErrorKind,
    message: string,
    readonly errno?: string,
  ) {
    super(message);
  }
}

function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Map an addon error to a RawSocketError that says what to do about it. */
export function toRawSocketError(err: unknown, what: string): RawSocketError {
  const errno = errnoOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  const syscall = (err as { syscall?: unknown } | null)?.syscall;
  if (errno === 'EPERM' || errno === 'EACCES') {
    const needs = syscall === 'setns' ? 'CAP_SYS_ADMIN' : 'CAP_NET_RAW';
    return new RawSocketError('needs-cap-net-raw', `${what} needs ${needs} (${detail})`, errno);
  }
  if (errno === 'ENODEV' || errno === 'ENXIO') {
    return new RawSocketError('no-such-interface', `${what}: no such interface (${detail})`, errno);
  }
  if (syscall === 'setns' && errno === 'ENOENT') {
    return new RawSocketError('no-such-netns', `${what}: no such network namespace (${detail})`, errno);
  }
  if (errno === 'EBADF') return new RawSocketError('closed', `${what}: socket is closed`, errno);
  return new RawSocketError('os-error', `${what} failed: ${detail}`, errno);
}

/** How to open a socket. */
export interface RawSocketOptions {
  /** Interface name, e.g. `eth1`. */
  readonly interfaceName: string;
  readonly kind: SocketKind;
  /** Called once per received frame. Exceptions are caught and passed to onError. */
  readonly onFrame: (frame: Buffer) => void;
  readonly onError?: (err: unknown) => void;
  /** Open the socket inside this network namespace (a path like /var/run/netns/x); needs CAP_SYS_ADMIN. */
  readonly netnsPath?: string;
  /** Stops the socket when aborted. */
  readonly signal?: AbortSignal;
  /** The addon; injectable for tests. Defaults to the built addon. */
  readonly binding?: AfPacketBinding;
}

/** Index and MAC of an interface, read from the kernel (no privileges needed outside a foreign netns). */
export function interfaceInfo(
  interfaceName: string,
  netnsPath?: string,
  binding?: AfPacketBinding,
): Result<{ index: number; mac: MacAddress }, RawSocketError> {
  const addon = resolveBinding(binding);
  if (!addon.ok) return addon;
  try {
    const info = addon.value.interfaceInfo(interfaceName, netnsPath);
    return { ok: true, value: { index: info.index, mac: formatMac(info.mac) } };
  } catch (err) {
    return { ok: false, error: toRawSocketError(err, `reading interface ${interfaceName}`) };
  }
}

function resolveBinding(binding: AfPacketBinding | undefined): Result<AfPacketBinding, RawSocketError> {
  if (binding) return { ok: true, value: binding };
  const loaded = loadAfPacket();
  return loaded.ok ? loaded : { ok: false, error: new RawSocketError('addon-unavailable', loaded.error) };
}

/** One open packet socket. Create with RawSocket.open. */
export class RawSocket {
  #stopped = false;
  readonly #removeAbortListener: () => void;

  private constructor(
    private readonly binding: AfPacketBinding,
    private readonly handle: AfPacketHandle,
    /** Interface name. */
    readonly interfaceName: string,
    readonly kind: SocketKind,
    /** MAC of the interface: the address to answer with and to recognise our own frames by. */
    readonly mac: MacAddress,
    signal: AbortSignal | undefined,
  ) {
    const onAbort = (): void => {
      this.stop();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#removeAbortListener = () => signal?.removeEventListener('abort', onAbort);
  }

  /** Open a socket, or return why it could not be opened. An already aborted signal opens nothing. */
  static open(options: RawSocketOptions): Result<RawSocket, RawSocketError> {
    const what = `opening the ${options.kind.toUpperCase()} socket on ${options.interfaceName}`;
    if (options.signal?.aborted)
      return { ok: false, error: new RawSocketError('closed', `${what}: aborted`) };
    const addon = resolveBinding(options.binding);
    if (!addon.ok) return addon;
    const info = interfaceInfo(options.interfaceName, options.netnsPath, addon.value);
    if (!info.ok) return info;
    const onError = options.onError ?? (() => undefined);
    const onFrame = (frame: Buffer): void => {
      try {
        options.onFrame(frame);
      } catch (err) {
        onError(err);
      }
    };
    let handle: AfPacketHandle;
    try {
      handle = addon.value.open(options.interfaceName, options.kind, onFrame, options.netnsPath);
    } catch (err) {
      return { ok: false, error: toRawSocketError(err, what) };
    }
    const socket = new RawSocket(
      addon.value,
      handle,
      options.interfaceName,
      options.kind,
      info.value.mac,
      options.signal,
    );
    return { ok: true, value: socket };
  }

  /** True once stop() ran (directly or through the AbortSignal). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Send one whole Ethernet frame; returns the bytes sent. */
  send(frame: Buffer): Result<number, RawSocketError> {
    return this.#call(`sending on ${this.interfaceName}`, () => this.binding.send(this.handle, frame));
  }

  /** Accept frames sent to this multicast MAC (e.g. a solicited-node group 33:33:ff:xx:xx:xx). */
  joinMulticast(mac: MacAddress): Result<undefined, RawSocketError> {
    return this.#call(`joining ${mac} on ${this.interfaceName}`, () => {
      this.binding.addMembership(this.handle, macToBytes(mac));
      return undefined;
    });
  }

  /** Undo one joinMulticast (the kernel counts joins per socket; a surplus leave is a no-op). */
  leaveMulticast(mac: MacAddress): Result<undefined, RawSocketError> {
    return this.#call(`leaving ${mac} on ${this.interfaceName}`, () => {
      this.binding.dropMembership(this.handle, macToBytes(mac));
      return undefined;
    });
  }

  /** Frames delivered and dropped by the addon since open. */
  stats(): SocketStats {
    return this.binding.stats(this.handle);
  }

  /** Close the socket: polling stops at once, memberships are dropped by the kernel. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#removeAbortListener();
    this.binding.close(this.handle);
  }

  #call<T>(what: string, action: () => T): Result<T, RawSocketError> {
    if (this.#stopped) return { ok: false, error: new RawSocketError('closed', `${what}: socket is closed`) };
    try {
      return { ok: true, value: action() };
    } catch (err) {
      return { ok: false, error: toRawSocketError(err, what) };
    }
  }
}
