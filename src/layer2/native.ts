/**
 * Loads the AF_PACKET addon (native/afpacket.c) from its node-gyp build output. The binding is described by a
 * narrow interface so the TypeScript wrapper can be tested against a fake.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Result } from '../ip/address.js';

/** Opaque handle of one open packet socket. */
export interface AfPacketHandle {
  readonly __afPacketHandle: unique symbol;
}

/** Which frames the kernel lets through to a socket. */
export type SocketKind = 'arp' | 'ndp';

/** Per-socket counters kept by the addon. */
export interface SocketStats {
  readonly received: number;
  readonly droppedOutgoing: number;
  readonly droppedTruncated: number;
}

/** The addon's functions. All of them throw Errors whose `code` is an errno name (EPERM, ENODEV, ...). */
export interface AfPacketBinding {
  interfaceInfo(ifname: string, netnsPath?: string): { index: number; mac: Buffer };
  open(
    ifname: string,
    kind: SocketKind,
    onFrame: (frame: Buffer) => void,
    netnsPath?: string,
  ): AfPacketHandle;
  send(handle: AfPacketHandle, frame: Buffer): number;
  addMembership(handle: AfPacketHandle, mac: Buffer): void;
  dropMembership(handle: AfPacketHandle, mac: Buffer): void;
  stats(handle: AfPacketHandle): SocketStats;
  close(handle: AfPacketHandle): void;
}

const ADDON_FILE = 'native/build/Release/openelb_afpacket.node';
// From src/layer2 (tests, tsx) and from dist/src/layer2 (the built program) to the package root.
const ROOT_CANDIDATES = ['../../', '../../../'];

let cached: Result<AfPacketBinding> | undefined;

/** The addon, or an error saying where it was looked for and how to build it. Loaded once per process. */
export function loadAfPacket(): Result<AfPacketBinding> {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const root of ROOT_CANDIDATES) {
    const path = fileURLToPath(new URL(root + ADDON_FILE, import.meta.url));
    tried.push(path);
    if (!existsSync(path)) continue;
    try {
      cached = { ok: true, value: require(path) as AfPacketBinding };
    } catch (err) {
      cached = { ok: false, error: `loading ${path} failed: ${(err as Error).message}` };
    }
    return cached;
  }
  cached = {
    ok: false,
    error: `the AF_PACKET addon is not built (looked for ${tried.join(', ')}); run \`npm run build:native\``,
  };
  return cached;
}
