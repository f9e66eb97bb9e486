/**
 * The layer2 data plane of one node: per NIC, the ARP and NDP packet sockets (opened lazily, the first time
 * the NIC has something to answer, and closed when it has nothing left) and one Layer2Responder. apply() takes
 * the desired NIC → IPs map and reports, per NIC, what was gained, lost, or could not be served.
 */
import type { Result } from '../ip/address.js';
import type { Clock } from '../kube/clock.js';
import type { AddressClaim, Takeover } from '../layer2/conflict.js';
import type { GarpTiming } from '../layer2/garp-schedule.js';
import type { SocketKind } from '../layer2/native.js';
import { Layer2Responder, type ResponderMetrics, type ResponderSocket } from '../layer2/responder.js';

/** An open packet socket as the data plane needs it (RawSocket in production). */
export interface OpenedSocket extends ResponderSocket {
  stop(): void;
}

/** Opens one socket on `nic`; `onFrame` receives every frame the kernel filter lets through. */
export type SocketOpener = (
  nic: string,
  kind: SocketKind,
  onFrame: (frame: Buffer) => void,
) => Result<OpenedSocket, Error>;

/** What changed on one NIC in one apply(). */
export interface NicChange {
  readonly nic: string;
  readonly gained: readonly string[];
  readonly lost: readonly string[];
  /** IPs that should be answered here but cannot be (socket not open, bad address). */
  readonly failed: readonly { readonly ip: string; readonly reason: string }[];
}

/** Dependencies of the data plane. */
export interface Layer2DataplaneOptions {
  readonly open: SocketOpener;
  readonly clock: Clock;
  readonly metrics?: ResponderMetrics;
  readonly garpTiming?: GarpTiming;
  /** Another host uses an IP this node answers for (see conflict.ts). */
  readonly onClaim?: (nic: string, claim: AddressClaim) => void;
  /** Another node announced it took an IP answered here over (see conflict.ts). */
  readonly onTakeover?: (nic: string, takeover: Takeover) => void;
  /** The IPv6 link-local address of a NIC, the source of its NS probes (responder.ts). */
  readonly ipv6ProbeSource?: (nic: string) => string | undefined;
}

interface NicState {
  /** Shared with the sockets' frame callbacks, which must reach the current responder after a rebuild. */
  readonly ref: { responder?: Layer2Responder };
  responder: Layer2Responder;
  readonly sockets: Partial<Record<SocketKind, OpenedSocket>>;
  owned: ReadonlySet<string>;
}

const familyKind = (ip: string): SocketKind => (ip.includes(':') ? 'ndp' : 'arp');

/** Owns every socket and responder of this node. Not safe to use after stop(). */
export class Layer2Dataplane {
  readonly #nics = new Map<string, NicState>();

  constructor(private readonly o: Layer2DataplaneOptions) {}

  /** NIC → IPs answered right now (sorted), for tests and the demo. */
  answering(): Map<string, string[]> {
    return new Map([...this.#nics].map(([nic, s]) => [nic, s.responder.owned()]));
  }

  /** Make the node answer exactly for `desired` (NIC → IPs). Never throws. */
  apply(desired: ReadonlyMap<string, readonly string[]>): NicChange[] {
    const changes: NicChange[] = [];
    for (const [nic, state] of [...this.#nics]) {
      if ((desired.get(nic) ?? []).length > 0) continue;
      changes.push({ nic, gained: [], lost: [...state.owned].sort(), failed: [] });
      this.#close(nic, state);
    }
    for (const [nic, ips] of desired) {
      if (ips.length === 0) continue;
      const change = this.#applyNic(nic, ips);
      if (change.gained.length + change.lost.length + change.failed.length > 0) changes.push(change);
    }
    return changes;
  }

  /** Stop answering everywhere and close every socket. */
  stop(): void {
    for (const [nic, state] of [...this.#nics]) this.#close(nic, state);
  }

  #applyNic(nic: string, ips: readonly string[]): NicChange {
    const failed: { ip: string; reason: string }[] = [];
    let state = this.#nics.get(nic);
    const before = state?.owned ?? new Set<string>();
    const needed = new Set(ips.map(familyKind));
    const missing = [...needed].filter((k) => state?.sockets[k] === undefined);
    const openErrors = new Map<SocketKind, string>();
    const fresh: Partial<Record<SocketKind, OpenedSocket>> = {};
    const ref: { responder?: Layer2Responder } = state?.ref ?? {};
    if (missing.length > 0) {
      // A responder's sockets are fixed at construction: open what is missing, then build a fresh one.
      for (const kind of missing) {
        const result = this.o.open(nic, kind, (frame) => {
          if (kind === 'arp') ref.responder?.onArpFrame(frame);
          else ref.responder?.onNdpFrame(frame);
        });
        if (result.ok) fresh[kind] = result.value;
        else openErrors.set(kind, result.error.message);
      }
    }
    const opened = missing.some((k) => !openErrors.has(k));
    if (state === undefined || opened) {
      // Rebuilding re-sends gratuitous ARP for the kept IPs: harmless, and it happens only when a socket opened.
      const sockets: Partial<Record<SocketKind, OpenedSocket>> = { ...state?.sockets, ...fresh };
      state?.responder.stop();
      const probeSource = this.o.ipv6ProbeSource;
      const responder = new Layer2Responder({
        nic,
        ...(sockets.arp !== undefined && { arp: sockets.arp }),
        ...(sockets.ndp !== undefined && { ndp: sockets.ndp }),
        clock: this.o.clock,
        ...(this.o.metrics !== undefined && { metrics: this.o.metrics }),
        ...(this.o.garpTiming !== undefined && { garpTiming: this.o.garpTiming }),
        ...(this.o.onClaim !== undefined && { onClaim: this.o.onClaim }),
        ...(this.o.onTakeover !== undefined && { onTakeover: this.o.onTakeover }),
        ...(probeSource !== undefined && { ipv6ProbeSource: () => probeSource(nic) }),
      });
      ref.responder = responder;
      state = { ref, responder, sockets, owned: new Set() };
      this.#nics.set(nic, state);
    }
    const result = state.responder.setOwned(ips);
    for (const r of result.rejected) {
      const openError = openErrors.get(familyKind(r.ip));
      failed.push({ ip: r.ip, reason: openError ?? r.reason });
    }
    const after = new Set(state.responder.owned());
    state.owned = after;
    if (after.size === 0 && Object.keys(state.sockets).length === 0) this.#nics.delete(nic);
    return {
      nic,
      gained: [...after].filter((ip) => !before.has(ip)).sort(),
      lost: [...before].filter((ip) => !after.has(ip)).sort(),
      failed,
    };
  }

  #close(nic: string, state: NicState): void {
    state.responder.stop();
    for (const socket of Object.values(state.sockets)) socket.stop();
    this.#nics.delete(nic);
  }
}
