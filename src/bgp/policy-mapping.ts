/**
 * RoutingPolicy (domain) to gobgp 3.10 API messages: SetPolicies' defined sets and policies, and the
 * two global PolicyAssignments. Pure. gobgpd's global RIB is addressed by the name "global".
 */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  AsPathLength_Type,
  CommunityAction_Type,
  Conditions_RouteType,
  DefinedType,
  MatchSet_Type,
  MedAction_Type,
  PolicyDirection,
  RouteAction,
  PolicyAssignmentSchema,
  SetPoliciesRequestSchema,
  type ActionsSchema,
  type ConditionsSchema,
  type DefinedSetSchema,
  type MatchSetSchema,
  type PolicyAssignment,
  type SetPoliciesRequest,
} from './gen/policy_pb.js';
import type {
  ActionsSpec,
  AssignmentSpec,
  CommunityEdit,
  ConditionsSpec,
  DefinedSetSpec,
  MatchSpec,
  RoutingPolicy,
} from './policy-types.js';

/** gobgp's name for the global RIB in policy assignments. */
export const GLOBAL_RIB = 'global';

const DEFINED_TYPE: Readonly<Record<DefinedSetSpec['kind'], DefinedType>> = {
  prefix: DefinedType.PREFIX,
  neighbor: DefinedType.NEIGHBOR,
  community: DefinedType.COMMUNITY,
  'as-path': DefinedType.AS_PATH,
  'ext-community': DefinedType.EXT_COMMUNITY,
  'large-community': DefinedType.LARGE_COMMUNITY,
};

const MATCH_TYPE = { any: MatchSet_Type.ANY, all: MatchSet_Type.ALL, invert: MatchSet_Type.INVERT } as const;
const COMMUNITY_OP = {
  add: CommunityAction_Type.ADD,
  remove: CommunityAction_Type.REMOVE,
  replace: CommunityAction_Type.REPLACE,
} as const;

function definedSet(s: DefinedSetSpec): MessageInitShape<typeof DefinedSetSchema> {
  if (s.kind === 'prefix')
    return {
      definedType: DEFINED_TYPE.prefix,
      name: s.name,
      prefixes: s.prefixes.map((p) => ({ ipPrefix: p.prefix, maskLengthMin: p.min, maskLengthMax: p.max })),
    };
  return { definedType: DEFINED_TYPE[s.kind], name: s.name, list: [...s.list] };
}

function matchSet(m: MatchSpec): MessageInitShape<typeof MatchSetSchema> {
  return { name: m.set, type: MATCH_TYPE[m.option] };
}

function conditions(c: ConditionsSpec): MessageInitShape<typeof ConditionsSchema> {
  const routeType = {
    internal: Conditions_RouteType.INTERNAL,
    external: Conditions_RouteType.EXTERNAL,
    local: Conditions_RouteType.LOCAL,
  } as const;
  const lengthType = {
    eq: AsPathLength_Type.EQ,
    ge: AsPathLength_Type.GE,
    le: AsPathLength_Type.LE,
  } as const;
  return {
    ...(c.prefixSet && { prefixSet: matchSet(c.prefixSet) }),
    ...(c.neighborSet && { neighborSet: matchSet(c.neighborSet) }),
    ...(c.communitySet && { communitySet: matchSet(c.communitySet) }),
    ...(c.asPathSet && { asPathSet: matchSet(c.asPathSet) }),
    ...(c.extCommunitySet && { extCommunitySet: matchSet(c.extCommunitySet) }),
    ...(c.largeCommunitySet && { largeCommunitySet: matchSet(c.largeCommunitySet) }),
    ...(c.asPathLength && {
      asPathLength: { type: lengthType[c.asPathLength.operator], length: c.asPathLength.length },
    }),
    ...(c.routeType && { routeType: routeType[c.routeType] }),
  };
}

function communityAction(e: CommunityEdit): { type: CommunityAction_Type; communities: string[] } {
  return { type: COMMUNITY_OP[e.op], communities: [...e.communities] };
}

function actions(a: ActionsSpec): MessageInitShape<typeof ActionsSchema> {
  const routeAction = {
    accept: RouteAction.ACCEPT,
    reject: RouteAction.REJECT,
    none: RouteAction.NONE,
  } as const;
  const nh = a.nextHop;
  return {
    routeAction: routeAction[a.disposition],
    ...(a.community && { community: communityAction(a.community) }),
    ...(a.extCommunity && { extCommunity: communityAction(a.extCommunity) }),
    ...(a.largeCommunity && { largeCommunity: communityAction(a.largeCommunity) }),
    ...(a.med && {
      med: {
        type: a.med.op === 'mod' ? MedAction_Type.MOD : MedAction_Type.REPLACE,
        value: BigInt(a.med.value),
      },
    }),
    ...(a.localPref !== undefined && { localPref: { value: a.localPref } }),
    ...(a.asPathPrepend && {
      asPrepend: {
        asn: a.asPathPrepend.asn,
        repeat: a.asPathPrepend.repeat,
        useLeftMost: a.asPathPrepend.useLeftMost,
      },
    }),
    ...(nh && {
      nexthop:
        nh.kind === 'self'
          ? { self: true }
          : nh.kind === 'unchanged'
            ? { unchanged: true }
            : { address: nh.address },
    }),
  };
}

/** The SetPolicies request: every defined set and policy (gobgp replaces all of them at once). */
export function setPoliciesRequest(policy: RoutingPolicy): SetPoliciesRequest {
  return create(SetPoliciesRequestSchema, {
    definedSets: policy.definedSets.map(definedSet),
    policies: policy.policies.map((p) => ({
      name: p.name,
      statements: p.statements.map((s) => ({
        name: s.name,
        conditions: conditions(s.conditions),
        actions: actions(s.actions),
      })),
    })),
  });
}

/** The global import or export assignment. */
export function globalAssignment(direction: 'import' | 'export', a: AssignmentSpec): PolicyAssignment {
  return create(PolicyAssignmentSchema, {
    name: GLOBAL_RIB,
    direction: direction === 'import' ? PolicyDirection.IMPORT : PolicyDirection.EXPORT,
    policies: a.policies.map((name) => ({ name })),
    defaultAction: a.defaultAction === 'reject' ? RouteAction.REJECT : RouteAction.ACCEPT,
  });
}

/** An assignment as gobgpd lists it, reduced to what we compare: policy names and default. */
export function assignmentFromProto(a: PolicyAssignment): AssignmentSpec {
  return {
    policies: a.policies.map((p) => p.name),
    defaultAction: a.defaultAction === RouteAction.REJECT ? 'reject' : 'accept',
  };
}
