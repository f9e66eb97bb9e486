/**
 * Which routing policy this node's gobgpd should run, from BgpConf `spec.policy` (a ConfigMap name in
 * the speaker's namespace, key `gobgp.conf`, as in OpenELB). Pure: a value plus the problem to report.
 */
import type { DesiredPolicy } from './policy-apply.js';
import { formatPolicyErrors, parseGobgpPolicy } from './policy-toml.js';

/** The ConfigMap key OpenELB reads the gobgp TOML from. */
export const POLICY_CONFIGMAP_KEY = 'gobgp.conf';

/** A ConfigMap as the informer caches it (only what is read here). */
export interface ConfigMapLike {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly data?: Readonly<Record<string, string>>;
}

/** The decision: the policy, and a message when spec.policy cannot be used as written. */
export interface PolicyDecision {
  readonly policy: DesiredPolicy;
  /** A spec problem of BgpConf default (every speaker sees the same ConfigMap). */
  readonly problem?: string;
  /** Valid gobgp content that is deliberately not applied. */
  readonly notes: readonly string[];
}

/**
 * `policyName` undefined: no policy. A deleted ConfigMap removes the policy (as an empty
 * `spec.policy` does); a ConfigMap without the key, or with content that does not parse, keeps the
 * last good policy running and says why.
 */
export function desiredPolicy(
  policyName: string | undefined,
  namespace: string,
  configMaps: readonly ConfigMapLike[],
): PolicyDecision {
  if (policyName === undefined || policyName === '') return { policy: { kind: 'none' }, notes: [] };
  const source = `ConfigMap ${namespace}/${policyName}`;
  const cm = configMaps.find((c) => c.metadata?.name === policyName && c.metadata.namespace === namespace);
  if (cm === undefined)
    return {
      policy: { kind: 'none' },
      problem: `spec.policy: ${source} does not exist; no routing policy is applied`,
      notes: [],
    };
  const text = cm.data?.[POLICY_CONFIGMAP_KEY];
  if (text === undefined)
    return {
      policy: { kind: 'keep' },
      problem: `spec.policy: ${source} has no key ${POLICY_CONFIGMAP_KEY}; the last good policy stays applied`,
      notes: [],
    };
  const parsed = parseGobgpPolicy(text);
  if (!parsed.ok)
    return {
      policy: { kind: 'keep' },
      problem: `spec.policy: ${source} key ${POLICY_CONFIGMAP_KEY}: ${formatPolicyErrors(parsed.errors)}; the last good policy stays applied`,
      notes: [],
    };
  return {
    policy: { kind: 'policy', source: `${source} key ${POLICY_CONFIGMAP_KEY}`, policy: parsed.policy },
    notes: parsed.notes,
  };
}
