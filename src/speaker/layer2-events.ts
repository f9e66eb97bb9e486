/**
 * What the layer2 speaker tells users: a Normal Event on each Service whose IP this node starts announcing, and
 * Warning Events for problems (bad node annotation, no NIC, range off the NIC's subnet, a socket that would not
 * open, kube-proxy IPVS without strictARP, another host using an announced IP). Each problem is reported once
 * until its message changes or it goes away, not once per reconcile; an address conflict once per
 * (IP, MAC) per CONFLICT_REPEAT_MS.
 */
import { API_GROUP, STORAGE_VERSION } from '../api/keys.js';
import type { EventRecorder } from '../kube/events.js';
import type { AddressClaim, ClaimEvidence } from '../layer2/conflict.js';
import type { Logger } from '../observability/logger.js';
import type { DesiredLayer2 } from './desired-layer2.js';
import type { NicChange } from './layer2-dataplane.js';
import type { KubernetesObject } from '@kubernetes/client-node';

/** Dependencies of the reporter. */
export interface Layer2ReporterOptions {
  readonly nodeName: string;
  readonly events: EventRecorder;
  readonly log: Logger;
  /** The Services as cached, so Events carry their uid. */
  readonly services: () => readonly KubernetesObject[];
  /** Milliseconds, for repeating address-conflict Events. */
  readonly now: () => number;
}

const STRICT_ARP = 'strictARP';

/** The reason of the Warning about another host using an announced IP (status lists these). */
export const ADDRESS_CONFLICT_REASON = 'Layer2AddressConflict';

/** An address conflict seen again is reported again after this long (it is still there). */
export const CONFLICT_REPEAT_MS = 10 * 60_000;

/**
 * Other hosts reported per IP within CONFLICT_REPEAT_MS. Anyone on the LAN can send ARP with any MAC: without a
 * bound, spoofed frames would turn into an Event per MAC (API load) and an entry per MAC (memory).
 */
export const CONFLICT_HOSTS_PER_IP = 4;

/** What the frame showed, and what it means for the Service. */
const EVIDENCE: Record<ClaimEvidence, string> = {
  'arp-request':
    'it sent an ARP request from that address; traffic for the Service may reach that host instead',
  'arp-reply': 'it sent an ARP reply for that address; traffic for the Service may reach that host instead',
  'dad-probe':
    "it tried to configure that address (IPv6 DAD); this node's answer made it give up, so that host lacks the address",
  'neighbor-solicitation':
    'it sent a Neighbor Solicitation from that address; traffic for the Service may reach that host instead',
  'neighbor-advertisement':
    'it answered a Neighbor Solicitation for that address; traffic for the Service may reach that host instead',
};

/** Turns reconcile outcomes into logs and Events. */
export class Layer2Reporter {
  /** Problems already reported (key → message). */
  readonly #reported = new Map<string, string>();
  /** Address conflicts reported: IP → MAC → when (at most CONFLICT_HOSTS_PER_IP MACs per IP). */
  readonly #conflicts = new Map<string, Map<string, number>>();
  /** IP → the Services holding it, as of the last report(). */
  #servicesOf = new Map<string, readonly string[]>();

  constructor(private readonly o: Layer2ReporterOptions) {}

  /** Report one reconcile: gained/lost IPs, failures and the desired state's problems. */
  report(desired: DesiredLayer2, changes: readonly NicChange[]): void {
    const node = this.o.nodeName;
    const servicesOf = new Map(desired.owned.map((o) => [o.ip, o.services]));
    this.#servicesOf = servicesOf;
    for (const change of changes) {
      for (const ip of change.gained) {
        const message = `announcing ${ip} from ${node} on ${change.nic}`;
        this.o.log.info({ event: 'layer2_gained', ip, nic: change.nic }, message);
        for (const svc of servicesOf.get(ip) ?? [])
          this.#serviceEvent(svc, 'Normal', 'Layer2Announcing', message);
      }
      for (const ip of change.lost)
        this.o.log.info(
          { event: 'layer2_lost', ip, nic: change.nic },
          `stopped answering for ${ip} on ${change.nic}`,
        );
      for (const f of change.failed) {
        const message = `cannot answer for ${f.ip} on ${change.nic} from ${node}: ${f.reason}`;
        this.#once(`ip/${f.ip}`, message, () => {
          for (const svc of servicesOf.get(f.ip) ?? [])
            this.#serviceEvent(svc, 'Warning', 'Layer2Failed', message);
        });
      }
    }
    const current = new Set<string>();
    for (const p of desired.problems) {
      const key = `${p.reason} ${p.subject}`;
      current.add(key);
      this.#once(key, p.message, () => {
        const [kind = '', name = ''] = p.subject.split(' ');
        this.#objectEvent(kind, name, p.reason, `${node}: ${p.message}`);
      });
    }
    for (const c of changes) for (const f of c.failed) current.add(`ip/${f.ip}`);
    for (const key of [...this.#reported.keys()])
      if (!key.startsWith(STRICT_ARP) && !current.has(key)) this.#reported.delete(key);
  }

  /**
   * The strictARP warning on each of `eips` (undefined `message`: nothing wrong). The caller makes one node
   * report it, since kube-proxy's configuration is the same cluster-wide.
   */
  strictArp(eips: readonly string[], message: string | undefined): void {
    const current = new Set<string>();
    if (message !== undefined)
      for (const eip of eips) {
        const key = `${STRICT_ARP} ${eip}`;
        current.add(key);
        this.#once(key, message, () => {
          this.#objectEvent('Eip', eip, 'StrictARPDisabled', message);
        });
      }
    for (const key of [...this.#reported.keys()])
      if (key.startsWith(STRICT_ARP) && !current.has(key)) this.#reported.delete(key);
  }

  /**
   * Another host uses an IP this node answers for: a Warning on the Services holding it. Every frame of that
   * host may show it, so one (IP, MAC) pair is reported once per CONFLICT_REPEAT_MS, and at most
   * CONFLICT_HOSTS_PER_IP hosts per IP (the counter metric still counts every frame).
   */
  conflict(nic: string, claim: AddressClaim): void {
    const now = this.o.now();
    for (const [ip, hosts] of this.#conflicts) {
      for (const [mac, at] of hosts) if (now - at >= CONFLICT_REPEAT_MS) hosts.delete(mac);
      if (hosts.size === 0) this.#conflicts.delete(ip);
    }
    const hosts = this.#conflicts.get(claim.ip) ?? new Map<string, number>();
    if (hosts.has(claim.mac) || hosts.size >= CONFLICT_HOSTS_PER_IP) return;
    hosts.set(claim.mac, now);
    this.#conflicts.set(claim.ip, hosts);
    const message =
      `${this.o.nodeName}: another host, ${claim.mac} on ${nic}, also uses ${claim.ip}: ${EVIDENCE[claim.evidence]}. ` +
      "Remove the address from that host, or from the Eip's range and pin the Service to another IP";
    this.o.log.warn(
      { event: 'layer2_address_conflict', ip: claim.ip, mac: claim.mac, nic, evidence: claim.evidence },
      message,
    );
    for (const svc of this.#servicesOf.get(claim.ip) ?? [])
      this.#serviceEvent(svc, 'Warning', ADDRESS_CONFLICT_REASON, message);
  }

  #once(key: string, message: string, emit: () => void): void {
    if (this.#reported.get(key) === message) return;
    this.#reported.set(key, message);
    this.o.log.warn({ event: 'layer2_problem', subject: key, reason: message }, message);
    emit();
  }

  #objectEvent(kind: string, name: string, reason: string, message: string): void {
    const apiVersion = kind === 'Node' ? 'v1' : `${API_GROUP}/${STORAGE_VERSION}`;
    this.o.events.record({ apiVersion, kind, name }, 'Warning', reason, message);
  }

  #serviceEvent(key: string, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const [namespace = '', name = ''] = key.split('/');
    const svc = this.o
      .services()
      .find((s) => s.metadata?.namespace === namespace && s.metadata.name === name);
    this.o.events.record(
      svc ?? { apiVersion: 'v1', kind: 'Service', namespace, name },
      type,
      reason,
      message,
    );
  }
}
