import { toJson } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { PolicyAssignmentSchema, SetPoliciesRequestSchema } from '../../src/bgp/gen/policy_pb.js';
import { assignmentFromProto, globalAssignment, setPoliciesRequest } from '../../src/bgp/policy-mapping.js';
import type { RoutingPolicy } from '../../src/bgp/policy-types.js';

const POLICY: RoutingPolicy = {
  definedSets: [
    { kind: 'prefix', name: 'lb', prefixes: [{ prefix: '198.51.100.0/24', min: 32, max: 32 }] },
    { kind: 'neighbor', name: 'n', list: ['10.0.0.1/32'] },
    { kind: 'community', name: 'c', list: ['64512:100'] },
    { kind: 'as-path', name: 'a', list: ['^64513_'] },
    { kind: 'ext-community', name: 'e', list: ['RT:64512:1'] },
    { kind: 'large-community', name: 'l', list: ['64512:1:1'] },
  ],
  policies: [
    {
      name: 'p',
      statements: [
        {
          name: 's1',
          conditions: {
            prefixSet: { set: 'lb', option: 'any' },
            neighborSet: { set: 'n', option: 'invert' },
            communitySet: { set: 'c', option: 'all' },
            asPathSet: { set: 'a', option: 'any' },
            asPathLength: { operator: 'le', length: 3 },
            routeType: 'local',
          },
          actions: {
            disposition: 'accept',
            community: { op: 'add', communities: ['64512:100'] },
            largeCommunity: { op: 'replace', communities: ['64512:1:2'] },
            med: { op: 'mod', value: -10 },
            localPref: 150,
            asPathPrepend: { asn: 64512, useLeftMost: false, repeat: 2 },
            nextHop: { kind: 'address', address: '192.0.2.1' },
          },
        },
        { name: 's2', conditions: {}, actions: { disposition: 'reject', nextHop: { kind: 'self' } } },
      ],
    },
  ],
  import: { policies: [], defaultAction: 'accept' },
  export: { policies: ['p'], defaultAction: 'reject' },
};

describe('policy mapping to the gobgp API', () => {
  it('builds SetPolicies with upstream enum names and field shapes', () => {
    const json = toJson(SetPoliciesRequestSchema, setPoliciesRequest(POLICY));
    expect(json).toEqual({
      definedSets: [
        { name: 'lb', prefixes: [{ ipPrefix: '198.51.100.0/24', maskLengthMin: 32, maskLengthMax: 32 }] },
        { definedType: 'NEIGHBOR', name: 'n', list: ['10.0.0.1/32'] },
        { definedType: 'COMMUNITY', name: 'c', list: ['64512:100'] },
        { definedType: 'AS_PATH', name: 'a', list: ['^64513_'] },
        { definedType: 'EXT_COMMUNITY', name: 'e', list: ['RT:64512:1'] },
        { definedType: 'LARGE_COMMUNITY', name: 'l', list: ['64512:1:1'] },
      ],
      policies: [
        {
          name: 'p',
          statements: [
            {
              name: 's1',
              conditions: {
                prefixSet: { name: 'lb' },
                neighborSet: { type: 'INVERT', name: 'n' },
                communitySet: { type: 'ALL', name: 'c' },
                asPathSet: { name: 'a' },
                asPathLength: { type: 'LE', length: 3 },
                routeType: 'ROUTE_TYPE_LOCAL',
              },
              actions: {
                routeAction: 'ACCEPT',
                community: { communities: ['64512:100'] },
                largeCommunity: { type: 'REPLACE', communities: ['64512:1:2'] },
                med: { value: '-10' },
                localPref: { value: 150 },
                asPrepend: { asn: 64512, repeat: 2 },
                nexthop: { address: '192.0.2.1' },
              },
            },
            { name: 's2', conditions: {}, actions: { routeAction: 'REJECT', nexthop: { self: true } } },
          ],
        },
      ],
    });
  });

  it('builds the global assignments and reads them back', () => {
    const exp = globalAssignment('export', POLICY.export);
    expect(toJson(PolicyAssignmentSchema, exp)).toEqual({
      name: 'global',
      direction: 'EXPORT',
      policies: [{ name: 'p' }],
      defaultAction: 'REJECT',
    });
    expect(assignmentFromProto(exp)).toEqual(POLICY.export);
    const imp = globalAssignment('import', POLICY.import);
    expect(toJson(PolicyAssignmentSchema, imp)).toEqual({
      name: 'global',
      direction: 'IMPORT',
      defaultAction: 'ACCEPT',
    });
    expect(assignmentFromProto(imp)).toEqual(POLICY.import);
  });
});
