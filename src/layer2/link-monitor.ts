/**
 * Notices a NIC going down (or coming back) within one poll interval, so a node whose announcing NIC lost its
 * link stops answering, republishes what it can serve, and the next candidate takes over in well under a
 * second instead of waiting for the next resync. Polling /sys/class/net/<nic>/{operstate,carrier} every
 * ~200 ms costs two small reads per watched NIC; rtnetlink would need a native socket for little gain.
 */
import { readFileSync } from 'node:fs';
import type { Result } from '../ip/address.js';
import { sleep, type Clock } from '../kube/clock.js';

/** What the kernel says about one link; undefined when the NIC does not exist. */
export interface LinkState {
  /** /sys/class/net/<nic>/operstate: up, down, dormant, lowerlayerdown, unknown, ... */
  readonly operstate: string;
  /** /sys/class/net/<nic>/carrier; undefined when unreadable (it is, while the NIC is admin-down). */
  readonly carrier: boolean | undefined;
}

/** Reads the state of one NIC. */
export type LinkReader = (nic: string) => LinkState | undefined;

/**
 * Can a NIC in `state` carry our answers? `unknown` operstate is accepted when the carrier is up, because
 * some virtual drivers never report `up` (tun, some veth setups); everything else must be `up`.
 */
export function linkUsable(nic: string, state: LinkState | undefined): Result<undefined> {
  if (state === undefined) return { ok: false, error: `this host has no NIC named ${nic}` };
  if (state.operstate === 'up' && state.carrier !== false) return { ok: true, value: undefined };
  if (state.operstate === 'unknown' && state.carrier === true) return { ok: true, value: undefined };
  const carrier = state.carrier === undefined ? 'unknown' : state.carrier ? 'up' : 'down';
  return {
    ok: false,
    error: `${nic} is not usable (operstate ${state.operstate}, carrier ${carrier})`,
  };
}

const NIC_NAME = /^[\w.@:-]{1,15}$/;

/** The LinkReader of this machine (and network namespace, as /sys is mounted for it). */
export function sysfsLinkReader(root = '/sys/class/net'): LinkReader {
  return (nic) => {
    if (!NIC_NAME.test(nic)) return undefined;
    let operstate: string;
    try {
      operstate = readFileSync(`${root}/${nic}/operstate`, 'utf8').trim();
    } catch {
      return undefined;
    }
    let carrier: boolean | undefined;
    try {
      carrier = readFileSync(`${root}/${nic}/carrier`, 'utf8').trim() === '1';
    } catch {
      carrier = undefined; // EINVAL while the NIC is administratively down
    }
    return { operstate, carrier };
  };
}

/** Options of the link monitor. */
export interface LinkMonitorOptions {
  readonly read: LinkReader;
  readonly clock: Clock;
  /** Told (once per poll) when any watched NIC became usable or unusable. */
  readonly onChange: (changed: readonly string[]) => void;
  /** @default 200 */
  readonly intervalMs?: number;
}

/** Polls the usability of a set of NICs and reports changes. */
export class LinkMonitor {
  /** NIC → usable at the last poll. */
  readonly #last = new Map<string, boolean>();

  constructor(private readonly o: LinkMonitorOptions) {}

  /**
   * Adds NICs to watch. NICs are never dropped while they exist: a NIC that went down is exactly the one
   * whose return we must notice, even though nothing resolves to it any more.
   */
  watch(nics: Iterable<string>): void {
    for (const nic of nics)
      if (!this.#last.has(nic)) this.#last.set(nic, linkUsable(nic, this.o.read(nic)).ok);
  }

  /** The watched NICs (sorted). */
  watched(): string[] {
    return [...this.#last.keys()].sort();
  }

  /** One poll: returns (and reports) the NICs whose usability changed. */
  poll(): string[] {
    const changed: string[] = [];
    for (const [nic, was] of [...this.#last]) {
      const state = this.o.read(nic);
      if (state === undefined) {
        // Gone (deleted, or moved to another namespace): stop watching; report if it was serving.
        this.#last.delete(nic);
        if (was) changed.push(nic);
        continue;
      }
      const now = linkUsable(nic, state).ok;
      if (now !== was) {
        this.#last.set(nic, now);
        changed.push(nic);
      }
    }
    if (changed.length > 0) this.o.onChange(changed);
    return changed;
  }

  /** Polls until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const every = this.o.intervalMs ?? 200;
    while (await sleep(this.o.clock, every, signal)) {
      this.poll();
    }
  }
}
