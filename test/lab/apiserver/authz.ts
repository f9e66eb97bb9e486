// RBAC authorization as kube-apiserver does it (k8s.io/apiserver RequestInfoFactory for the request
// attributes, plugin/pkg/auth/authorizer/rbac for the decision, responsewriters.Forbidden for the
// message). Pure: the bindings and roles come from an RbacSource read at request time.

import * as E from './errors.js';
import type { Route } from './routes.js';
import type { Obj } from './store.js';

/** An authenticated (or anonymous) user. */
export interface UserInfo {
  readonly name: string;
  readonly groups: readonly string[];
}

/** Members of this group may do anything (kube's privileged-group shortcut). */
export const SUPERUSER_GROUP = 'system:masters';
export const AUTHENTICATED_GROUP = 'system:authenticated';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';

/** authorizer.Attributes: what one request asks to do. */
export interface Attributes {
  readonly verb: string;
  readonly resourceRequest: boolean;
  /** URL path, for non-resource requests and their messages. */
  readonly path: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource: string;
  /** '' at the cluster scope. */
  readonly namespace: string;
  /** '' when the request names no object. */
  readonly name: string;
}

const METHOD_VERBS: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** The name a list/watch is limited to by `fieldSelector=metadata.name=<x>`, as kube uses it for RBAC. */
function selectedName(q: URLSearchParams): string {
  for (const term of (q.get('fieldSelector') ?? '').split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.+?)\s*$/.exec(term);
    if (m?.[1] !== undefined && !m[1].includes('/') && !m[1].includes('%')) return m[1];
  }
  return '';
}

/** The attributes of one request, computed like RequestInfoFactory.NewRequestInfo. */
export function attributesOf(method: string, route: Route, path: string, q: URLSearchParams): Attributes {
  if (route.kind !== 'resource') {
    return {
      verb: method.toLowerCase(),
      resourceRequest: false,
      path,
      apiGroup: '',
      resource: '',
      subresource: '',
      namespace: '',
      name: '',
    };
  }
  let verb = route.watchPrefix ? 'watch' : (METHOD_VERBS[method] ?? '');
  let name = route.name;
  // GET /api/v1/namespaces/<name> is the namespace <name>, in its own namespace.
  const namespace =
    route.namespace ?? (route.group === '' && route.plural === 'namespaces' && name !== '' ? name : '');
  if (name === '' && (verb === 'get' || verb === 'watch')) {
    if (verb === 'get') verb = q.get('watch') === 'true' || q.get('watch') === '1' ? 'watch' : 'list';
    name = selectedName(q);
  }
  if (name === '' && verb === 'delete') verb = 'deletecollection';
  return {
    verb,
    resourceRequest: true,
    path,
    apiGroup: route.group,
    resource: route.plural,
    subresource: route.subresource,
    namespace,
    name,
  };
}

/** What RBAC needs from the store. */
export interface RbacSource {
  clusterRoleBindings(): readonly Obj[];
  roleBindings(namespace: string): readonly Obj[];
  clusterRole(name: string): Obj | undefined;
  role(namespace: string, name: string): Obj | undefined;
}

/** The verdict and, for denials, kube's optional reason (e.g. a binding to a missing role). */
export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

function field(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;
}

function has(list: readonly string[], want: string): boolean {
  return list.includes('*') || list.includes(want);
}

function resourceMatches(rule: unknown, a: Attributes): boolean {
  const combined = a.subresource === '' ? a.resource : `${a.resource}/${a.subresource}`;
  return strings(field(rule, 'resources')).some(
    (r) => r === '*' || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`),
  );
}

function nonResourceMatches(rule: unknown, a: Attributes): boolean {
  return strings(field(rule, 'nonResourceURLs')).some(
    (u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))),
  );
}

/** rbac.RuleAllows: one PolicyRule against the attributes. */
export function ruleAllows(rule: unknown, a: Attributes): boolean {
  if (!has(strings(field(rule, 'verbs')), a.verb)) return false;
  if (!a.resourceRequest) return nonResourceMatches(rule, a);
  if (!has(strings(field(rule, 'apiGroups')), a.apiGroup) || !resourceMatches(rule, a)) return false;
  // A rule limited by name never matches a request without one (create, list, watch without a
  // metadata.name field selector): that is why those verbs cannot be restricted by name.
  const names = strings(field(rule, 'resourceNames'));
  return names.length === 0 || names.includes(a.name);
}

function subjectApplies(subject: unknown, user: UserInfo, bindingNamespace: string): boolean {
  const kind = field(subject, 'kind');
  const name = field(subject, 'name');
  if (typeof name !== 'string') return false;
  if (kind === 'User') return user.name === name;
  if (kind === 'Group') return user.groups.includes(name);
  if (kind === 'ServiceAccount') {
    const ns = field(subject, 'namespace');
    const saNs = typeof ns === 'string' && ns !== '' ? ns : bindingNamespace;
    return user.name === `system:serviceaccount:${saNs}:${name}`;
  }
  return false;
}

/** Non-resource paths kube's default roles (system:discovery, system:public-info-viewer) open. */
const PUBLIC_PATHS = ['/healthz', '/livez', '/readyz', '/version'];
const DISCOVERY_PREFIXES = ['/api', '/apis', '/openapi'];

function defaultRolesAllow(user: UserInfo, a: Attributes): boolean {
  if (a.resourceRequest || a.verb !== 'get') return false;
  const p = a.path.replace(/\/$/, '');
  const prefixed = (base: string): boolean => p === base || p.startsWith(`${base}/`);
  if (PUBLIC_PATHS.some(prefixed)) return true;
  return user.groups.includes(AUTHENTICATED_GROUP) && DISCOVERY_PREFIXES.some(prefixed);
}

/** The RBAC authorizer: allowed when any binding that names the user grants a matching rule. */
export function authorize(user: UserInfo, a: Attributes, src: RbacSource): Decision {
  if (user.groups.includes(SUPERUSER_GROUP) || defaultRolesAllow(user, a))
    return { allowed: true, reason: '' };
  const errors: string[] = [];
  const rulesOf = (roleRef: unknown, bindingNs: string): unknown[] | undefined => {
    const kind = field(roleRef, 'kind');
    const rawName = field(roleRef, 'name');
    const name = typeof rawName === 'string' ? rawName : '';
    const role =
      kind === 'ClusterRole'
        ? src.clusterRole(name)
        : bindingNs === ''
          ? undefined
          : src.role(bindingNs, name);
    if (role === undefined) {
      errors.push(
        `${kind === 'ClusterRole' ? 'clusterrole' : 'role'}.rbac.authorization.k8s.io "${name}" not found`,
      );
      return undefined;
    }
    const rules: unknown = field(role, 'rules');
    return Array.isArray(rules) ? (rules as unknown[]) : [];
  };
  const grants = (binding: Obj, bindingNs: string): boolean => {
    const subjects = field(binding, 'subjects');
    if (!Array.isArray(subjects) || !subjects.some((s) => subjectApplies(s, user, bindingNs))) return false;
    return rulesOf(binding['roleRef'], bindingNs)?.some((r) => ruleAllows(r, a)) ?? false;
  };
  if (src.clusterRoleBindings().some((b) => grants(b, ''))) return { allowed: true, reason: '' };
  if (a.namespace !== '' && src.roleBindings(a.namespace).some((b) => grants(b, a.namespace)))
    return { allowed: true, reason: '' };
  return { allowed: false, reason: errors.length === 0 ? '' : `RBAC: ${aggregate(errors)}` };
}

/** utilerrors.NewAggregate's text: one error bare, several as "[a, b]". */
function aggregate(errors: readonly string[]): string {
  const uniq = [...new Set(errors)];
  return uniq.length === 1 ? (uniq[0] ?? '') : `[${uniq.join(', ')}]`;
}

/** responsewriters.forbiddenMessage. */
export function forbiddenMessage(user: UserInfo, a: Attributes): string {
  if (!a.resourceRequest) return `User "${user.name}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource === '' ? a.resource : `${a.resource}/${a.subresource}`;
  const where = a.namespace === '' ? 'at the cluster scope' : `in the namespace "${a.namespace}"`;
  return `User "${user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${where}`;
}

/** The 403 Status kube sends for a denied request (apierrors.NewForbidden on the group/resource). */
export function forbidden(user: UserInfo, a: Attributes, reason: string): E.StatusBody {
  const detail = forbiddenMessage(user, a) + (reason === '' ? '' : `: ${reason}`);
  if (!a.resourceRequest) return E.status(403, 'Forbidden', `forbidden: ${detail}`, {});
  const qualified = a.apiGroup === '' ? a.resource : `${a.resource}.${a.apiGroup}`;
  const what = a.name === '' ? qualified : `${qualified} "${a.name}"`;
  const details: E.StatusDetails = {
    ...(a.name === '' ? {} : { name: a.name }),
    ...(a.apiGroup === '' ? {} : { group: a.apiGroup }),
    kind: a.resource,
  };
  return E.status(403, 'Forbidden', `${what} is forbidden: ${detail}`, details);
}
