/**
 * The ARP/NDP responder of one NIC: answers requests for the IPs this node owns on it, joins the solicited-node
 * groups of owned IPv6 addresses, and sends gratuitous ARP / unsolicited NA on takeover. The owned set is
 * replaced whole by setOwned(); an IP that leaves it is not answered from that moment on (OpenELB kept
 * answering, so two nodes could answer at once).
 */
import type { Clock } from '../kube/clock.js';
import { canonicalIp, parseIp, type Result } from '../ip/address.js';
import { solicitedNodeMac, type MacAddress } from './addresses.js';
import { buildArpRequest, buildGratuitousReply, buildGratuitousRequest, decideArpReply } from './arp.js';
import {
  arpClaim,
  arpTakeover,
  ndpClaim,
  ndpTakeover,
  type AddressClaim,
  type Takeover,
} from './conflict.js';
import { GarpSchedule, DEFAULT_GARP_TIMING, type GarpTiming } from './garp-schedule.js';
import { buildNeighborSolicitation, buildUnsolicitedAdvertisement } from './ndp.js';
import { decideNdpReply } from './ndp-reply.js';

/** The part of a RawSocket the responder uses (a fake in unit tests). */
export interface ResponderSocket {
  readonly mac: MacAddress;
  send(frame: Buffer): Result<number, Error>;
  joinMulticast(mac: MacAddress): Result<undefined, Error>;
  leaveMulticast(mac: MacAddress): Result<undefined, Error>;
}

/** Counters, per IP where the IP is one we own (never per requested IP: that label set is unbounded). */
export interface ResponderMetrics {
  requestReceived(nic: string, ip: string): void;
  replySent(nic: string, ip: string): void;
  gratuitousSent(nic: string, ip: string, packets: number): void;
  dropped(nic: string, reason: string): void;
  sendFailed(nic: string, what: string, err: Error): void;
  /** Another host showed it uses (or configures) an owned IP (conflict.ts). */
  conflictSeen(nic: string, ip: string): void;
}

/** What the responder needs. Either socket may be absent (no IPv4 / no IPv6 on this NIC). */
export interface ResponderOptions {
  readonly nic: string;
  readonly arp?: ResponderSocket;
  readonly ndp?: ResponderSocket;
  readonly clock: Clock;
  readonly metrics?: ResponderMetrics;
  readonly garpTiming?: GarpTiming;
  /** Called for each frame that shows another host using an owned IP (conflict.ts); the caller rate-limits. */
  readonly onClaim?: (nic: string, claim: AddressClaim) => void;
  /** Another node announced that it took an IP answered here over (gratuitous ARP, unsolicited NA). */
  readonly onTakeover?: (nic: string, takeover: Takeover) => void;
  /**
   * The NIC's IPv6 link-local address, the source of the NS probe for a gained IPv6 address (the answer
   * comes back to it, solicited); undefined: no IPv6 probe.
   */
  readonly ipv6ProbeSource?: () => string | undefined;
}

/** What setOwned changed, for logs and Events. */
export interface OwnedChange {
  readonly gained: readonly string[];
  readonly lost: readonly string[];
  /** Inputs that are not IP addresses, or of a family this NIC has no socket for. */
  readonly rejected: readonly { readonly ip: string; readonly reason: string }[];
}

const noMetrics: ResponderMetrics = {
  requestReceived: () => undefined,
  replySent: () => undefined,
  gratuitousSent: () => undefined,
  dropped: () => undefined,
  sendFailed: () => undefined,
  conflictSeen: () => undefined,
};

/** The burst that also carries a probe for the IP (ARP, or an NS): the second, 1.1 s after the gain by default. */
const PROBE_BURST = 1;

/** Answers ARP and NDP on one NIC for the owned IPs. Feed it frames with onArpFrame / onNdpFrame. */
export class Layer2Responder {
  readonly nic: string;
  #v4: ReadonlySet<string> = new Set();
  #v6: ReadonlySet<string> = new Set();
  /** Solicited-node MAC → number of owned IPv6 addresses mapping to it (they share the low 24 bits). */
  readonly #groups = new Map<MacAddress, number>();
  readonly #garp: GarpSchedule;
  readonly #metrics: ResponderMetrics;
  #stopped = false;

  constructor(private readonly options: ResponderOptions) {
    this.nic = options.nic;
    this.#metrics = options.metrics ?? noMetrics;
    this.#garp = new GarpSchedule(
      options.clock,
      (ip, index) => {
        this.#announce(ip, index);
      },
      options.garpTiming ?? DEFAULT_GARP_TIMING,
    );
  }

  /** The owned IPs, sorted (v4 then v6). */
  owned(): string[] {
    return [...[...this.#v4].sort(), ...[...this.#v6].sort()];
  }

  /**
   * Replace the owned set. Lost IPs stop being answered immediately and their GARP bursts stop; gained IPs are
   * announced at once (then on the GARP schedule). Returns what changed.
   */
  setOwned(ips: Iterable<string>): OwnedChange {
    const rejected: { ip: string; reason: string }[] = [];
    const v4 = new Set<string>();
    const v6 = new Set<string>();
    for (const raw of ips) {
      const ip = parseIp(raw);
      if (!ip.ok) {
        rejected.push({ ip: raw, reason: ip.error });
        continue;
      }
      const text = canonicalIp(raw) ?? raw;
      const socket = ip.value.family === 'IPv4' ? this.options.arp : this.options.ndp;
      if (socket === undefined) {
        rejected.push({
          ip: text,
          reason: `${this.nic} has no ${ip.value.family === 'IPv4' ? 'ARP' : 'NDP'} socket`,
        });
        continue;
      }
      (ip.value.family === 'IPv4' ? v4 : v6).add(text);
    }
    if (this.#stopped) return { gained: [], lost: [], rejected };
    const before = new Set([...this.#v4, ...this.#v6]);
    const after = new Set([...v4, ...v6]);
    const lost = [...before].filter((ip) => !after.has(ip)).sort();
    const gained = [...after].filter((ip) => !before.has(ip)).sort();
    // Swap first: from here on, frames for lost IPs are dropped and frames for gained ones answered.
    this.#v4 = v4;
    this.#v6 = v6;
    for (const ip of lost) this.#garp.lost(ip);
    for (const ip of lost) if (!ip.includes('.')) this.#leaveGroup(ip);
    for (const ip of gained) if (!ip.includes('.')) this.#joinGroup(ip);
    for (const ip of gained) this.#garp.gained(ip);
    return { gained, lost, rejected };
  }

  /** Handle one frame from the ARP socket. */
  onArpFrame(frame: Buffer): void {
    const arp = this.options.arp;
    if (this.#stopped || arp === undefined) return;
    const decision = decideArpReply(frame, this.#v4, arp.mac);
    if (decision.action === 'drop') {
      this.#metrics.dropped(this.nic, decision.reason);
      // A host using one of our IPs shows it in ARP for others (not-for-us) and in replies (not-a-request).
      // Requests answered here come from clients: the hot path is not parsed twice.
      if (decision.reason === 'not-for-us' || decision.reason === 'not-a-request')
        this.#claimed(arpClaim(frame, this.#v4, arp.mac));
      if (decision.reason === 'gratuitous' || decision.reason === 'not-a-request')
        this.#tookOver(arpTakeover, frame, this.#v4, arp.mac);
      return;
    }
    this.#reply(arp, decision.ip, decision.frame);
  }

  /** Handle one frame from the NDP socket. */
  onNdpFrame(frame: Buffer): void {
    const ndp = this.options.ndp;
    if (this.#stopped || ndp === undefined) return;
    const decision = decideNdpReply(frame, this.#v6, ndp.mac);
    if (decision.action === 'drop') {
      this.#metrics.dropped(this.nic, decision.reason);
      // Advertisements reach here only as answers to our probe (conflict.ts): 'not-a-solicitation'.
      if (decision.reason === 'not-for-us' || decision.reason === 'not-a-solicitation')
        this.#claimed(ndpClaim(frame, this.#v6, ndp.mac));
      if (decision.reason === 'not-a-solicitation') this.#tookOver(ndpTakeover, frame, this.#v6, ndp.mac);
      return;
    }
    // A DAD probe for an owned IP is answered (the prober gives the address up) and reported.
    if (decision.dad) this.#claimed({ ip: decision.ip, mac: decision.requester, evidence: 'dad-probe' });
    this.#reply(ndp, decision.ip, decision.frame);
  }

  /** Stop answering and announcing; leaves the multicast groups. The sockets are the caller's to close. */
  stop(): void {
    if (this.#stopped) return;
    this.setOwned([]);
    this.#stopped = true;
    this.#garp.stop();
  }

  #claimed(claim: AddressClaim | undefined): void {
    if (claim === undefined) return;
    this.#metrics.conflictSeen(this.nic, claim.ip);
    this.options.onClaim?.(this.nic, claim);
  }

  /** Parsed only when someone listens: gratuitous frames are rare, but nobody needs them otherwise. */
  #tookOver(detect: typeof arpTakeover, frame: Buffer, owned: ReadonlySet<string>, mac: MacAddress): void {
    const listener = this.options.onTakeover;
    if (listener === undefined) return;
    const takeover = detect(frame, owned, mac);
    if (takeover !== undefined) listener(this.nic, takeover);
  }

  #reply(socket: ResponderSocket, ip: string, frame: Buffer): void {
    this.#metrics.requestReceived(this.nic, ip);
    const sent = socket.send(frame);
    if (sent.ok) this.#metrics.replySent(this.nic, ip);
    else this.#metrics.sendFailed(this.nic, `reply for ${ip}`, sent.error);
  }

  #announce(ip: string, index: number): void {
    const v4 = ip.includes('.');
    const socket = v4 ? this.options.arp : this.options.ndp;
    if (socket === undefined || this.#stopped) return;
    const frames = v4
      ? [buildGratuitousRequest(socket.mac, ip), buildGratuitousReply(socket.mac, ip)]
      : [buildUnsolicitedAdvertisement(socket.mac, ip)];
    // An ARP probe (RFC 5227: sender 0.0.0.0) makes an idle host that holds the IP answer, and its reply is
    // a claim the conflict check sees. Passive detection alone waits until that host sends ARP itself, and
    // its replies to others are unicast, never seen here. Not with the first burst: on a handover the
    // previous owner may answer for a few tens of ms, and its reply must not read as a conflict.
    // For IPv6 the probe is an NS from the node's link-local address: the holder's answer is then a
    // solicited NA to us, unlike a peer speaker's unsolicited one (a DAD probe's answer is unsolicited).
    if (index === PROBE_BURST) {
      const source = v4 ? '0.0.0.0' : this.options.ipv6ProbeSource?.();
      if (source !== undefined)
        frames.push(
          v4 ? buildArpRequest(socket.mac, source, ip) : buildNeighborSolicitation(socket.mac, source, ip),
        );
    }
    let sent = 0;
    for (const frame of frames) {
      if (!frame.ok) {
        this.#metrics.sendFailed(this.nic, `gratuitous for ${ip}`, new Error(frame.error));
        continue;
      }
      const result = socket.send(frame.value);
      if (result.ok) sent++;
      else this.#metrics.sendFailed(this.nic, `gratuitous for ${ip}`, result.error);
    }
    if (sent > 0) this.#metrics.gratuitousSent(this.nic, ip, sent);
  }

  #joinGroup(ip: string): void {
    const mac = solicitedNodeMac(ip);
    const ndp = this.options.ndp;
    if (!mac.ok || ndp === undefined) return;
    const count = this.#groups.get(mac.value) ?? 0;
    this.#groups.set(mac.value, count + 1);
    if (count > 0) return;
    const joined = ndp.joinMulticast(mac.value);
    if (!joined.ok) this.#metrics.sendFailed(this.nic, `joining ${mac.value} for ${ip}`, joined.error);
  }

  #leaveGroup(ip: string): void {
    const mac = solicitedNodeMac(ip);
    const ndp = this.options.ndp;
    if (!mac.ok || ndp === undefined) return;
    const count = this.#groups.get(mac.value) ?? 0;
    if (count > 1) {
      this.#groups.set(mac.value, count - 1);
      return;
    }
    this.#groups.delete(mac.value);
    const left = ndp.leaveMulticast(mac.value);
    if (!left.ok) this.#metrics.sendFailed(this.nic, `leaving ${mac.value} for ${ip}`, left.error);
  }
}
