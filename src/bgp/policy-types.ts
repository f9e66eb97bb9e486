/**
 * Domain model of a gobgp routing policy (the `gobgp.conf` TOML of OpenELB's BgpConf `spec.policy`
 * ConfigMap), independent of TOML and of protobuf: policy-toml.ts builds it, policy-mapping.ts turns
 * it into SetPolicies / SetPolicyAssignment messages.
 */

/** gobgp's match-set-options. Prefix and neighbor sets only allow `any` and `invert`. */
export type MatchOption = 'any' | 'all' | 'invert';

/** One prefix-list entry: matches prefixes inside `prefix` whose length is within [min, max]. */
export interface PrefixEntry {
  readonly prefix: string;
  readonly min: number;
  readonly max: number;
}

/** Kinds of list-valued defined sets, named as in gobgp's TOML. */
export type ListSetKind = 'neighbor' | 'community' | 'as-path' | 'ext-community' | 'large-community';

/** A named set that conditions refer to. */
export type DefinedSetSpec =
  | { readonly kind: 'prefix'; readonly name: string; readonly prefixes: readonly PrefixEntry[] }
  | { readonly kind: ListSetKind; readonly name: string; readonly list: readonly string[] };

/** A condition on one defined set. */
export interface MatchSpec {
  readonly set: string;
  readonly option: MatchOption;
}

/** Conditions of a statement; all present ones must hold. */
export interface ConditionsSpec {
  readonly prefixSet?: MatchSpec;
  readonly neighborSet?: MatchSpec;
  readonly communitySet?: MatchSpec;
  readonly asPathSet?: MatchSpec;
  readonly extCommunitySet?: MatchSpec;
  readonly largeCommunitySet?: MatchSpec;
  readonly asPathLength?: { readonly operator: 'eq' | 'ge' | 'le'; readonly length: number };
  readonly routeType?: 'internal' | 'external' | 'local';
}

/** set-community / set-ext-community / set-large-community. */
export interface CommunityEdit {
  readonly op: 'add' | 'remove' | 'replace';
  readonly communities: readonly string[];
}

/** Actions of a statement. */
export interface ActionsSpec {
  readonly disposition: 'accept' | 'reject' | 'none';
  readonly community?: CommunityEdit;
  readonly extCommunity?: CommunityEdit;
  readonly largeCommunity?: CommunityEdit;
  /** `mod` adds `value` (may be negative); `replace` sets it. */
  readonly med?: { readonly op: 'mod' | 'replace'; readonly value: number };
  readonly localPref?: number;
  /** `asn` is ignored when `useLeftMost` (gobgp's `as = "last-as"`). */
  readonly asPathPrepend?: { readonly asn: number; readonly useLeftMost: boolean; readonly repeat: number };
  readonly nextHop?:
    | { readonly kind: 'self' }
    | { readonly kind: 'unchanged' }
    | { readonly kind: 'address'; readonly address: string };
}

/** One statement of a policy definition. */
export interface StatementSpec {
  readonly name: string;
  readonly conditions: ConditionsSpec;
  readonly actions: ActionsSpec;
}

/** A named list of statements. */
export interface PolicySpec {
  readonly name: string;
  readonly statements: readonly StatementSpec[];
}

/** The global import or export assignment: policies in order, then the default action. */
export interface AssignmentSpec {
  readonly policies: readonly string[];
  readonly defaultAction: 'accept' | 'reject';
}

/** A complete routing policy for gobgpd's global RIB. */
export interface RoutingPolicy {
  readonly definedSets: readonly DefinedSetSpec[];
  readonly policies: readonly PolicySpec[];
  readonly import: AssignmentSpec;
  readonly export: AssignmentSpec;
}

/** A problem in the TOML, located by its TOML path (e.g. `policy-definitions[0].statements[1].name`). */
export interface PolicyError {
  readonly path: string;
  readonly message: string;
}

/** The policy gobgpd runs when none is configured: nothing defined, accept everything. */
export const EMPTY_POLICY: RoutingPolicy = {
  definedSets: [],
  policies: [],
  import: { policies: [], defaultAction: 'accept' },
  export: { policies: [], defaultAction: 'accept' },
};
