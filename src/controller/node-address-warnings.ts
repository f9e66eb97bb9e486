/**
 * The Warnings about Nodes' own addresses inside Eips: `NodeAddressesInRange` on the Eip (its list
 * changed since this term last said it) and `IPIsNodeAddress` on each Service that holds one of them,
 * because the people who own a Service read its Events, not the Eip's.
 */
import { API_VERSION_V1ALPHA2, EIP } from '../api/keys.js';
import { parseIp } from '../ip/address.js';
import type { Allocator } from '../ipam/index.js';
import type { InvolvedObject } from '../kube/event-correlator.js';
import { heldNodeAddressMessage, nodeAddressesMessage } from './node-addresses.js';
import { involved, type EipObject, type Reader, type ServiceObject } from './objects.js';

/** What the warnings need. */
export interface NodeAddressWarningDeps {
  readonly allocator: Allocator;
  readonly eips: Reader<EipObject>;
  readonly services: Reader<ServiceObject>;
  readonly warn: (object: InvolvedObject, reason: string, message: string) => void;
}

/** One per leadership term: a new leader says it all again (the Event recorder folds repeats). */
export class NodeAddressWarnings {
  /** Eip → the Warning last recorded for it. */
  readonly #said = new Map<string, string>();

  constructor(private readonly d: NodeAddressWarningDeps) {}

  /** Warn about every Eip whose node addresses changed since the last call. O(Eips) when nothing did. */
  report(): void {
    const { allocator } = this.d;
    for (const { eip: name } of allocator.poolCounters()) {
      const found = allocator.nodeAddressesIn(name);
      const message = nodeAddressesMessage(name, found);
      if (message === this.#said.get(name)) continue;
      if (message === undefined) {
        this.#said.delete(name);
        continue;
      }
      this.#said.set(name, message);
      const eip = this.d.eips.getByName(name);
      if (eip !== undefined)
        this.d.warn(involved(eip, API_VERSION_V1ALPHA2, EIP.kind), 'NodeAddressesInRange', message);
      this.#warnHolders(found);
    }
  }

  #warnHolders(found: readonly { readonly address: string; readonly node: string }[]): void {
    for (const { address, node } of found) {
      const ip = parseIp(address);
      if (!ip.ok) continue;
      for (const key of this.d.allocator.holdersOf(ip.value)) {
        const svc = this.d.services.get(key);
        if (svc !== undefined)
          this.d.warn(
            involved(svc, 'v1', 'Service'),
            'IPIsNodeAddress',
            heldNodeAddressMessage(address, node),
          );
      }
    }
  }
}
