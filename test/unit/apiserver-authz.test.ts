import { describe, expect, it } from 'vitest';
import { authenticate, parseServiceAccountUser } from '../lab/apiserver/authn.js';
import {
  attributesOf,
  authorize,
  forbidden,
  type Attributes,
  type RbacSource,
  type UserInfo,
} from '../lab/apiserver/authz.js';
import { parsePath } from '../lab/apiserver/routes.js';
import type { Obj } from '../lab/apiserver/store.js';

const SA = 'system:serviceaccount:openelb-system:openelb-speaker';
const speaker: UserInfo = {
  name: SA,
  groups: ['system:serviceaccounts', 'system:serviceaccounts:openelb-system', 'system:authenticated'],
};
const alice: UserInfo = { name: 'alice', groups: ['devs', 'system:authenticated'] };
const anonymous: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };

const saSubject = { kind: 'ServiceAccount', name: 'openelb-speaker', namespace: 'openelb-system' };
const clusterRoles: Record<string, Obj> = {
  reader: {
    rules: [
      { apiGroups: [''], resources: ['services', 'nodes'], verbs: ['list', 'watch'] },
      { apiGroups: ['network.kubesphere.io'], resources: ['bgppeers/status'], verbs: ['patch'] },
    ],
  },
  'pod-logs': { rules: [{ apiGroups: ['*'], resources: ['*/log'], verbs: ['get'] }] },
  'cm-reader': { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
  metrics: { rules: [{ nonResourceURLs: ['/metrics', '/debug/*'], verbs: ['get'] }] },
};
const roles: Record<string, Obj> = {
  'kube-system/proxy-cm': {
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['kube-proxy'], verbs: ['get'] }],
  },
  'openelb-system/leases': {
    rules: [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['openelb-manager'],
        verbs: ['get', 'update', 'watch', 'list'],
      },
    ],
  },
};
const crbs: Obj[] = [
  { roleRef: { kind: 'ClusterRole', name: 'reader' }, subjects: [saSubject] },
  { roleRef: { kind: 'ClusterRole', name: 'pod-logs' }, subjects: [{ kind: 'Group', name: 'devs' }] },
  { roleRef: { kind: 'ClusterRole', name: 'metrics' }, subjects: [{ kind: 'User', name: 'alice' }] },
  { roleRef: { kind: 'ClusterRole', name: 'gone' }, subjects: [{ kind: 'User', name: 'bob' }] },
];
const rbs: Record<string, Obj[]> = {
  'kube-system': [{ roleRef: { kind: 'Role', name: 'proxy-cm' }, subjects: [saSubject] }],
  // No namespace on the ServiceAccount subject: it defaults to the binding's namespace.
  'openelb-system': [
    {
      roleRef: { kind: 'Role', name: 'leases' },
      subjects: [{ kind: 'ServiceAccount', name: 'openelb-speaker' }],
    },
  ],
  // A RoleBinding to a ClusterRole grants its rules in that namespace only.
  team: [
    { roleRef: { kind: 'ClusterRole', name: 'cm-reader' }, subjects: [{ kind: 'User', name: 'alice' }] },
  ],
};
const src: RbacSource = {
  clusterRoleBindings: () => crbs,
  roleBindings: (ns) => rbs[ns] ?? [],
  clusterRole: (name) => clusterRoles[name],
  role: (ns, name) => roles[`${ns}/${name}`],
};

function attrs(method: string, pathAndQuery: string): Attributes {
  const url = new URL(pathAndQuery, 'http://x');
  return attributesOf(method, parsePath(url.pathname), url.pathname, url.searchParams);
}

describe('request attributes', () => {
  it.each([
    ['GET', '/api/v1/namespaces/a/services/s', 'get', 'services', '', 'a', 's'],
    ['GET', '/api/v1/namespaces/a/services', 'list', 'services', '', 'a', ''],
    ['GET', '/api/v1/services?watch=true', 'watch', 'services', '', '', ''],
    ['GET', '/api/v1/watch/namespaces/a/services', 'watch', 'services', '', 'a', ''],
    [
      'GET',
      '/api/v1/namespaces/a/services?fieldSelector=metadata.name%3Ds',
      'list',
      'services',
      '',
      'a',
      's',
    ],
    ['PATCH', '/api/v1/namespaces/a/services/s/status', 'patch', 'services', 'status', 'a', 's'],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/n/leases/l', 'update', 'leases', '', 'n', 'l'],
    ['POST', '/apis/coordination.k8s.io/v1/namespaces/n/leases', 'create', 'leases', '', 'n', ''],
    ['DELETE', '/api/v1/namespaces/a/services/s', 'delete', 'services', '', 'a', 's'],
    ['DELETE', '/api/v1/namespaces/a/services', 'deletecollection', 'services', '', 'a', ''],
    ['GET', '/api/v1/namespaces/team', 'get', 'namespaces', '', 'team', 'team'],
    ['GET', '/api/v1/nodes', 'list', 'nodes', '', '', ''],
  ])('%s %s -> %s', (method, path, verb, resource, subresource, namespace, name) => {
    expect(attrs(method, path)).toMatchObject({
      verb,
      resource,
      subresource,
      namespace,
      name,
      resourceRequest: true,
    });
  });

  it('non-resource paths use the lowercase method as verb', () => {
    expect(attrs('GET', '/apis')).toMatchObject({ verb: 'get', resourceRequest: false, path: '/apis' });
  });
});

describe('RBAC decisions', () => {
  it.each<[string, UserInfo, string, string, boolean]>([
    ['cluster rule in any namespace', speaker, 'GET', '/api/v1/namespaces/x/services?watch=1', true],
    ['cluster-scoped resource', speaker, 'GET', '/api/v1/nodes', true],
    ['verb not granted', speaker, 'PATCH', '/api/v1/namespaces/x/services/s', false],
    [
      'subresource not granted by the resource',
      speaker,
      'PATCH',
      '/api/v1/namespaces/x/services/s/status',
      false,
    ],
    ['subresource rule', speaker, 'PATCH', '/apis/network.kubesphere.io/v1alpha2/bgppeers/p/status', true],
    [
      'subresource rule does not grant the resource',
      speaker,
      'PATCH',
      '/apis/network.kubesphere.io/v1alpha2/bgppeers/p',
      false,
    ],
    ['wrong group', speaker, 'GET', '/apis/other.io/v1/services', false],
    [
      'resourceNames: the named object',
      speaker,
      'GET',
      '/api/v1/namespaces/kube-system/configmaps/kube-proxy',
      true,
    ],
    [
      'resourceNames: another object',
      speaker,
      'GET',
      '/api/v1/namespaces/kube-system/configmaps/other',
      false,
    ],
    [
      'resourceNames: list cannot be limited by name',
      speaker,
      'GET',
      '/api/v1/namespaces/kube-system/configmaps',
      false,
    ],
    ['Role only in its namespace', speaker, 'GET', '/api/v1/namespaces/default/configmaps/kube-proxy', false],
    [
      'create is not limited by name',
      speaker,
      'POST',
      '/apis/coordination.k8s.io/v1/namespaces/openelb-system/leases',
      true,
    ],
    [
      'named update',
      speaker,
      'PUT',
      '/apis/coordination.k8s.io/v1/namespaces/openelb-system/leases/openelb-manager',
      true,
    ],
    [
      'named update of another lease',
      speaker,
      'PUT',
      '/apis/coordination.k8s.io/v1/namespaces/openelb-system/leases/x',
      false,
    ],
    [
      'watch by metadata.name selector',
      speaker,
      'GET',
      '/apis/coordination.k8s.io/v1/namespaces/openelb-system/leases?watch=true&fieldSelector=metadata.name%3Dopenelb-manager',
      true,
    ],
    [
      'delete not granted',
      speaker,
      'DELETE',
      '/apis/coordination.k8s.io/v1/namespaces/openelb-system/leases/openelb-manager',
      false,
    ],
    ['group subject and */subresource', alice, 'GET', '/api/v1/namespaces/a/pods/p/log', true],
    [
      'RoleBinding to ClusterRole: in its namespace',
      alice,
      'GET',
      '/api/v1/namespaces/team/configmaps/c',
      true,
    ],
    ['RoleBinding to ClusterRole: elsewhere', alice, 'GET', '/api/v1/namespaces/other/configmaps/c', false],
    ['nonResourceURLs exact', alice, 'GET', '/metrics', true],
    ['nonResourceURLs prefix', alice, 'GET', '/debug/pprof', true],
    ['nonResourceURLs verb', alice, 'POST', '/metrics', false],
    ['discovery for authenticated users', speaker, 'GET', '/apis/network.kubesphere.io/v1alpha2', true],
    ['no discovery for anonymous', anonymous, 'GET', '/api', false],
    ['health for anonymous', anonymous, 'GET', '/healthz', true],
    ['anonymous gets no resources', anonymous, 'GET', '/api/v1/nodes', false],
    ['system:masters may do anything', admin, 'DELETE', '/api/v1/namespaces/a/services', true],
  ])('%s', (_what, user, method, path, allowed) => {
    expect(authorize(user, attrs(method, path), src).allowed).toBe(allowed);
  });

  it("a binding to a missing role denies with kube's RBAC reason", () => {
    const bob: UserInfo = { name: 'bob', groups: ['system:authenticated'] };
    const d = authorize(bob, attrs('GET', '/api/v1/nodes'), src);
    expect(d).toEqual({
      allowed: false,
      reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found',
    });
  });
});

describe('403 messages', () => {
  it.each([
    [
      'PATCH',
      '/api/v1/namespaces/x/services/s/status',
      'services "s" is forbidden: User "system:serviceaccount:openelb-system:openelb-speaker" cannot patch resource "services/status" in API group "" in the namespace "x"',
    ],
    [
      'PATCH',
      '/apis/network.kubesphere.io/v1alpha2/eips/e',
      'eips.network.kubesphere.io "e" is forbidden: User "system:serviceaccount:openelb-system:openelb-speaker" cannot patch resource "eips" in API group "network.kubesphere.io" at the cluster scope',
    ],
    [
      'GET',
      '/api/v1/secrets',
      'secrets is forbidden: User "system:serviceaccount:openelb-system:openelb-speaker" cannot list resource "secrets" in API group "" at the cluster scope',
    ],
    [
      'GET',
      '/logs',
      'forbidden: User "system:serviceaccount:openelb-system:openelb-speaker" cannot get path "/logs"',
    ],
  ])('%s %s', (method, path, message) => {
    const a = attrs(method, path);
    const s = forbidden(speaker, a, authorize(speaker, a, src).reason);
    expect(s).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message });
  });

  it('details name the group, resource and object', () => {
    const s = forbidden(speaker, attrs('PATCH', '/apis/network.kubesphere.io/v1alpha2/eips/e'), '');
    expect(s.details).toEqual({ name: 'e', group: 'network.kubesphere.io', kind: 'eips' });
  });
});

describe('authentication', () => {
  const tokens = new Map([
    ['t-speaker', SA],
    ['t-gone', 'system:serviceaccount:openelb-system:deleted'],
    ['t-bad', 'not-a-service-account'],
  ]);
  const exists = (ns: string, name: string): boolean => ns === 'openelb-system' && name === 'openelb-speaker';

  it('admin is a superuser, ServiceAccount tokens carry the ServiceAccount groups', () => {
    expect(authenticate('admin', tokens, exists)?.groups).toContain('system:masters');
    expect(authenticate('t-speaker', tokens, exists)).toEqual(speaker);
  });

  it('no token is anonymous; unknown tokens, deleted ServiceAccounts and bad names are rejected', () => {
    expect(authenticate(undefined, tokens, exists)).toEqual(anonymous);
    for (const t of ['nope', 't-gone', 't-bad']) expect(authenticate(t, tokens, exists)).toBeUndefined();
  });

  it('parses ServiceAccount user names strictly', () => {
    expect(parseServiceAccountUser(SA)).toEqual({ namespace: 'openelb-system', name: 'openelb-speaker' });
    expect(parseServiceAccountUser('system:serviceaccount:a')).toBeUndefined();
    expect(parseServiceAccountUser('system:serviceaccount:a:b:c')).toBeUndefined();
  });
});
