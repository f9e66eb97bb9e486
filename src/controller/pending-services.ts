/**
 * Services refused an address, indexed by what they wait for, so that a release re-queues only the
 * Services it can help instead of every pending one (with thousands pending and heavy churn, the
 * full re-queue per release was O(pending × releases) reconciles).
 *
 * A refusal names what would unblock it: `EipExhausted` waits for an address in the Eips it tried,
 * `IPInUse` for that exact IP. Other refusals (bad annotations, no Eip for the namespace, disabled or
 * unknown Eip, family mismatch) cannot be cured by a release; pool and Namespace changes re-queue all
 * pending Services, and the leader term re-queues all of them periodically, so every pending Service
 * is still retried eventually (level-triggered).
 */
import type { AllocationError } from '../ipam/index.js';

/** An address that left a Service. */
export interface FreedIp {
  readonly eip: string;
  readonly address: string;
}

/**
 * Extra waiters woken per Eip beyond the number of addresses freed in it: a woken Service may no
 * longer want the address (deleted, request changed) and should not leave it unused until the
 * periodic pass.
 */
export const WAKE_SLACK = 2;

const eipToken = (eip: string): string => `eip\0${eip}`;
const ipToken = (address: string): string => `ip\0${address}`;

/** What a refusal waits for (empty: a release cannot help it). */
export function waitTokens(failures: readonly AllocationError[]): string[] {
  const tokens = new Set<string>();
  for (const f of failures) {
    if (f.code === 'EipExhausted') {
      for (const eip of f.eips ?? (f.eip === undefined ? [] : [f.eip])) tokens.add(eipToken(eip));
    } else if (f.code === 'IPInUse' && f.ip !== undefined) tokens.add(ipToken(f.ip));
  }
  return [...tokens];
}

/** See the file comment. Keys are Service keys; waiting order is oldest first. */
export class PendingServices {
  /** Every pending Service → the tokens it waits on. */
  readonly #waits = new Map<string, readonly string[]>();
  /** Token → the Services waiting on it, in waiting order (a Set keeps insertion order). */
  readonly #byToken = new Map<string, Set<string>>();
  /** Every pending Service → the code of its first refusal (`InvalidRequest` when it had none). */
  readonly #reasonOf = new Map<string, string>();
  /** Reason code → pending Services with it (kept in step, for the gauge). */
  readonly #countByReason = new Map<string, number>();

  get size(): number {
    return this.#waits.size;
  }

  has(key: string): boolean {
    return this.#waits.has(key);
  }

  /** How many Services are pending, by the code of their first refusal (`EipExhausted`, ...). */
  countsByReason(): ReadonlyMap<string, number> {
    return this.#countByReason;
  }

  /** Every pending Service. */
  keys(): string[] {
    return [...this.#waits.keys()];
  }

  /** Marks the Service pending with the refusals it got; it goes to the back of each wait line. */
  add(key: string, failures: readonly AllocationError[]): void {
    this.delete(key);
    const tokens = waitTokens(failures);
    this.#waits.set(key, tokens);
    const reason = failures[0]?.code ?? 'InvalidRequest';
    this.#reasonOf.set(key, reason);
    this.#countByReason.set(reason, (this.#countByReason.get(reason) ?? 0) + 1);
    for (const token of tokens) {
      let waiting = this.#byToken.get(token);
      if (waiting === undefined) this.#byToken.set(token, (waiting = new Set()));
      waiting.add(key);
    }
  }

  /** The Service is no longer pending (assigned, released, deleted, not ours). */
  delete(key: string): void {
    const tokens = this.#waits.get(key);
    if (tokens === undefined) return;
    this.#waits.delete(key);
    const reason = this.#reasonOf.get(key) ?? '';
    this.#reasonOf.delete(key);
    const left = (this.#countByReason.get(reason) ?? 1) - 1;
    if (left > 0) this.#countByReason.set(reason, left);
    else this.#countByReason.delete(reason);
    for (const token of tokens) {
      const waiting = this.#byToken.get(token);
      waiting?.delete(key);
      if (waiting?.size === 0) this.#byToken.delete(token);
    }
  }

  /**
   * The Services to retry now that `freed` addresses are free again: every waiter for one of those
   * IPs, and per Eip its oldest waiters, as many as addresses were freed in it plus WAKE_SLACK.
   * Woken Services move to the back of their lines, so the next release wakes others while these
   * are still queued; one that fails again is added back by its reconcile.
   */
  wake(freed: readonly FreedIp[]): string[] {
    if (freed.length === 0 || this.#waits.size === 0) return [];
    const perEip = new Map<string, number>();
    const out = new Set<string>();
    for (const ip of freed) {
      perEip.set(ip.eip, (perEip.get(ip.eip) ?? 0) + 1);
      for (const key of this.#byToken.get(ipToken(ip.address)) ?? []) out.add(key);
    }
    for (const [eip, count] of perEip) {
      let budget = count + WAKE_SLACK;
      for (const key of this.#byToken.get(eipToken(eip)) ?? []) {
        if (budget-- <= 0) break;
        out.add(key);
      }
    }
    for (const key of out) {
      const tokens = this.#waits.get(key);
      if (tokens === undefined) continue;
      for (const token of tokens) {
        const waiting = this.#byToken.get(token);
        if (waiting === undefined) continue;
        waiting.delete(key);
        waiting.add(key);
      }
    }
    return [...out];
  }
}
