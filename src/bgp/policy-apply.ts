/**
 * Applies a routing policy to gobgpd's global RIB without touching any session: SetPolicies (all
 * defined sets and policies at once), SetPolicyAssignment for import and export, then a soft reset
 * so routes already exchanged are re-evaluated. gobgp 3.10's soft reset out re-sends what the policy
 * now accepts but never withdraws what it now rejects, so a prefix that left some peer's Adj-RIB-Out
 * is withdrawn by hand: DeletePath + AddPath of our own path (the withdrawal passes export policy,
 * the re-added path is then filtered as the new policy says).
 */
import type { GobgpClient } from './client.js';
import { GobgpError } from './errors.js';
import { PolicyDirection } from './gen/policy_pb.js';
import { GLOBAL_RIB, assignmentFromProto, globalAssignment, setPoliciesRequest } from './policy-mapping.js';
import { EMPTY_POLICY, type AssignmentSpec, type RoutingPolicy } from './policy-types.js';
import type { RouteFamily } from './types.js';
import type { Logger } from '../observability/logger.js';

/** The gobgpd calls the applier makes (GobgpClient satisfies it). */
export type PolicyClient = Pick<
  GobgpClient,
  | 'setPolicies'
  | 'setPolicyAssignment'
  | 'listPolicyAssignments'
  | 'softResetAll'
  | 'listAdjOut'
  | 'listPeers'
  | 'listPaths'
  | 'deletePathByContent'
  | 'addPath'
>;

/**
 * What should run: `none` (no policy configured: nothing defined, accept everything), a `policy`
 * from `source` (ConfigMap/key), or `keep` (the configured one is unusable: keep the last good one).
 */
export type DesiredPolicy =
  | { readonly kind: 'none' }
  | { readonly kind: 'policy'; readonly source: string; readonly policy: RoutingPolicy }
  | { readonly kind: 'keep' };

/** What one apply() did. */
export interface PolicyApplyReport {
  readonly action: 'applied' | 'cleared' | 'unchanged' | 'kept' | 'rejected';
  /** gobgpd's own message when it refused the policy (`rejected`). */
  readonly error?: string;
  /** Prefixes withdrawn by hand because the new export policy rejects them for some peer. */
  readonly withdrawn: readonly string[];
}

const FAMILIES: readonly RouteFamily[] = ['ipv4-unicast', 'ipv6-unicast'];

/** Keeps one gobgpd's global policy equal to the desired one. Not re-entrant. */
export class PolicyApplier {
  /** Fingerprint of the policy this process last applied (undefined: none yet). */
  #applied: string | undefined;
  /** The last policy gobgpd accepted, re-applied after a gobgpd restart while the desired one is bad. */
  #lastGood: RoutingPolicy | undefined;
  /** The last policy gobgpd refused, not retried until it changes. */
  #rejected: { fingerprint: string; error: string } | undefined;

  constructor(
    private readonly client: PolicyClient,
    private readonly log: Logger,
  ) {}

  /**
   * Converges gobgpd's global policy. `bgpStarted`: StartBgp ran just now, which wiped any policy.
   * Throws GobgpError when gobgpd is unreachable; a policy gobgpd refuses is reported as `rejected`.
   */
  async apply(desired: DesiredPolicy, bgpStarted: boolean, signal: AbortSignal): Promise<PolicyApplyReport> {
    const target =
      desired.kind === 'none' ? EMPTY_POLICY : desired.kind === 'policy' ? desired.policy : this.#lastGood;
    if (target === undefined) return { action: 'kept', withdrawn: [] };
    const fingerprint = JSON.stringify(target);
    if (this.#rejected?.fingerprint === fingerprint)
      return { action: 'rejected', error: this.#rejected.error, withdrawn: [] };
    const call = { signal };
    const live = await this.client.listPolicyAssignments(GLOBAL_RIB, call);
    const liveOf = (d: PolicyDirection): AssignmentSpec | undefined => {
      const a = live.find((x) => x.direction === d);
      return a === undefined ? undefined : assignmentFromProto(a);
    };
    const inPlace =
      sameAssignment(liveOf(PolicyDirection.IMPORT), target.import) &&
      sameAssignment(liveOf(PolicyDirection.EXPORT), target.export);
    // The empty policy is in place whenever both assignments are empty: defined sets or policies
    // left over have no effect, so a speaker restart does not soft-reset every session for nothing.
    const nothingToDo =
      fingerprint === JSON.stringify(EMPTY_POLICY) ? inPlace : inPlace && this.#applied === fingerprint;
    if (!bgpStarted && nothingToDo) {
      this.#applied = fingerprint;
      return { action: desired.kind === 'keep' ? 'kept' : 'unchanged', withdrawn: [] };
    }
    const established = (await this.client.listPeers(call))
      .filter((p) => p.sessionState === 'established')
      .map((p) => p.config.neighborAddress);
    const before = bgpStarted ? new Map<string, Set<string>>() : await this.#adjOut(established, signal);
    try {
      await this.client.setPolicies(setPoliciesRequest(target), call);
      await this.client.setPolicyAssignment(globalAssignment('import', target.import), call);
      await this.client.setPolicyAssignment(globalAssignment('export', target.export), call);
    } catch (err) {
      if (!(err instanceof GobgpError) || !refusal(err)) throw err;
      this.#rejected = { fingerprint, error: err.detail };
      this.log.warn(
        { event: 'bgp_policy_rejected', reason: err.detail },
        'gobgpd refused the routing policy',
      );
      // SetPolicies is all-or-nothing, but an assignment may have failed after it: put the last good one back.
      if (this.#lastGood !== undefined && this.#lastGood !== target)
        await this.#restore(this.#lastGood, signal);
      return { action: 'rejected', error: err.detail, withdrawn: [] };
    }
    this.#applied = fingerprint;
    this.#lastGood = target;
    this.#rejected = undefined;
    if (established.length > 0) await this.client.softResetAll('both', call);
    const withdrawn = await this.#withdrawRejected(before, established, signal);
    const action = desired.kind === 'none' ? 'cleared' : 'applied';
    this.log.info(
      {
        event: `bgp_policy_${action}`,
        reason: desired.kind === 'policy' ? desired.source : 'no spec.policy',
        withdrawn,
      },
      `routing policy ${action}`,
    );
    return { action, withdrawn };
  }

  async #restore(policy: RoutingPolicy, signal: AbortSignal): Promise<void> {
    await this.client.setPolicies(setPoliciesRequest(policy), { signal });
    await this.client.setPolicyAssignment(globalAssignment('import', policy.import), { signal });
    await this.client.setPolicyAssignment(globalAssignment('export', policy.export), { signal });
  }

  /** Prefixes (`prefix/len`) each peer's Adj-RIB-Out holds now. */
  async #adjOut(peers: readonly string[], signal: AbortSignal): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    for (const peer of peers) {
      const set = new Set<string>();
      for (const family of FAMILIES)
        for (const r of await this.client.listAdjOut(peer, family, { signal }))
          set.add(`${r.prefix}/${String(r.prefixLen)}`);
      out.set(peer, set);
    }
    return out;
  }

  async #withdrawRejected(
    before: ReadonlyMap<string, ReadonlySet<string>>,
    established: readonly string[],
    signal: AbortSignal,
  ): Promise<string[]> {
    if (before.size === 0) return [];
    const after = await this.#adjOut(
      established.filter((p) => before.has(p)),
      signal,
    );
    const gone = new Set<string>();
    for (const [peer, prefixes] of before)
      for (const p of prefixes) if (after.get(peer)?.has(p) === false) gone.add(p);
    if (gone.size === 0) return [];
    const withdrawn: string[] = [];
    for (const family of FAMILIES)
      for (const route of await this.client.listPaths(family, { signal })) {
        const key = `${route.prefix}/${String(route.prefixLen)}`;
        if (!route.local || !gone.has(key)) continue;
        await this.client.deletePathByContent(route, { signal });
        await this.client.addPath(route, { signal });
        withdrawn.push(key);
      }
    return withdrawn.sort();
  }
}

function sameAssignment(live: AssignmentSpec | undefined, want: AssignmentSpec): boolean {
  const l = live ?? { policies: [], defaultAction: 'accept' };
  return l.defaultAction === want.defaultAction && l.policies.join('\n') === want.policies.join('\n');
}

/** gobgpd's answer to content it cannot use (as opposed to being unreachable). */
function refusal(err: GobgpError): boolean {
  return (
    err.kind === 'unknown' ||
    err.kind === 'invalid-argument' ||
    err.kind === 'not-found' ||
    err.kind === 'already-exists' ||
    err.kind === 'failed-precondition'
  );
}
