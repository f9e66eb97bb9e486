// Authentication for the enforcing mode of the local API, and the gate that runs authentication, then
// RBAC authorization (authz.ts), for every request and counts what it refused.
//
// Tokens: `admin` is the superuser (group system:masters). ServiceAccount tokens are opaque strings the
// API issues or is given (`token -> system:serviceaccount:<ns>:<name>`), valid only while that
// ServiceAccount exists, like kube's bound tokens. Anything else is 401. No Authorization header is
// the anonymous user, who may only read /healthz, /version and friends.

import { randomBytes } from 'node:crypto';
import * as E from './errors.js';
import {
  AUTHENTICATED_GROUP,
  SUPERUSER_GROUP,
  UNAUTHENTICATED_GROUP,
  attributesOf,
  authorize,
  forbidden,
  type RbacSource,
  type UserInfo,
} from './authz.js';
import type { Route } from './routes.js';
import type { Store } from './store.js';

export const ADMIN_TOKEN = 'admin';
const SA_PREFIX = 'system:serviceaccount:';

/** The user name of a ServiceAccount. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

/** Namespace and name of a ServiceAccount user name, or undefined for anything else. */
export function parseServiceAccountUser(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SA_PREFIX)) return undefined;
  const [namespace, name, ...rest] = user.slice(SA_PREFIX.length).split(':');
  if (namespace === undefined || name === undefined || namespace === '' || name === '' || rest.length > 0)
    return undefined;
  return { namespace, name };
}

/** The bearer token of an Authorization header; undefined without one. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m?.[1]?.trim();
}

/** Who a token is; undefined = 401. `saExists` checks that a ServiceAccount still exists. */
export function authenticate(
  token: string | undefined,
  saTokens: ReadonlyMap<string, string>,
  saExists: (namespace: string, name: string) => boolean,
): UserInfo | undefined {
  if (token === undefined) return { name: 'system:anonymous', groups: [UNAUTHENTICATED_GROUP] };
  if (token === ADMIN_TOKEN) return { name: 'admin', groups: [SUPERUSER_GROUP, AUTHENTICATED_GROUP] };
  const user = saTokens.get(token);
  const sa = user === undefined ? undefined : parseServiceAccountUser(user);
  if (user === undefined || sa === undefined || !saExists(sa.namespace, sa.name)) return undefined;
  return {
    name: user,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, AUTHENTICATED_GROUP],
  };
}

/** One refused request. */
export interface Denial {
  readonly user: string;
  readonly code: 401 | 403;
  readonly verb: string;
  /** `resource[/subresource][.group]` or the path of a non-resource request. */
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
  readonly message: string;
}

/** Options of the enforcing mode. */
export interface AccessOptions {
  /** Pre-shared ServiceAccount tokens: token -> `system:serviceaccount:<ns>:<name>`. */
  readonly serviceAccountTokens?: Readonly<Record<string, string>>;
  /** Called for every refused request (the lab logs them). */
  readonly onDenied?: (d: Denial) => void;
}

/** What the gate refused so far: counts per user, and the latest denials. */
export interface DenialReport {
  readonly total: number;
  /** Refused requests per user name ('' = unauthenticated, i.e. 401). */
  readonly byUser: Readonly<Record<string, number>>;
  /** Allowed requests per user name: shows who actually talked to the API. */
  readonly allowedByUser: Readonly<Record<string, number>>;
  readonly recent: readonly Denial[];
}

const RECENT = 200;
const RBAC = 'rbac.authorization.k8s.io';

/** RbacSource over the live store: bindings are read per request, so RBAC writes apply at once. */
export function storeRbacSource(store: Store): RbacSource {
  return {
    clusterRoleBindings: () => store.list(`${RBAC}/clusterrolebindings`, ''),
    roleBindings: (ns) => store.list(`${RBAC}/rolebindings`, ns),
    clusterRole: (name) => store.get(`${RBAC}/clusterroles`, '', name),
    role: (ns, name) => store.get(`${RBAC}/roles`, ns, name),
  };
}

/** Authentication + RBAC for every request of an enforcing local API. */
export class AccessGate {
  readonly #store: Store;
  readonly #rbac: RbacSource;
  readonly #tokens: Map<string, string>;
  readonly #onDenied: ((d: Denial) => void) | undefined;
  readonly #byUser = new Map<string, number>();
  readonly #allowedByUser = new Map<string, number>();
  #recent: Denial[] = [];
  #total = 0;

  constructor(store: Store, opts: AccessOptions = {}) {
    this.#store = store;
    this.#rbac = storeRbacSource(store);
    this.#tokens = new Map(Object.entries(opts.serviceAccountTokens ?? {}));
    this.#onDenied = opts.onDenied;
  }

  /** A new token for a ServiceAccount (valid once, and as long as, the ServiceAccount exists). */
  issueServiceAccountToken(namespace: string, name: string): string {
    const token = randomBytes(24).toString('base64url');
    this.#tokens.set(token, serviceAccountUser(namespace, name));
    return token;
  }

  /** undefined when the request may proceed, else the 401/403 Status to send. */
  check(
    authorization: string | undefined,
    method: string,
    route: Route,
    path: string,
    q: URLSearchParams,
  ): E.StatusBody | undefined {
    const user = authenticate(
      bearerToken(authorization),
      this.#tokens,
      (ns, name) => this.#store.get('/serviceaccounts', ns, name) !== undefined,
    );
    const a = attributesOf(method, route, path, q);
    if (user === undefined) {
      const status = E.status(401, 'Unauthorized', 'Unauthorized');
      this.#record({ user: '', code: 401, ...this.#what(a), message: status.message });
      return status;
    }
    const decision = authorize(user, a, this.#rbac);
    if (decision.allowed) {
      this.#allowedByUser.set(user.name, (this.#allowedByUser.get(user.name) ?? 0) + 1);
      return undefined;
    }
    const status = forbidden(user, a, decision.reason);
    this.#record({ user: user.name, code: 403, ...this.#what(a), message: status.message });
    return status;
  }

  /** Counts per user and the latest denials. */
  report(): DenialReport {
    return {
      total: this.#total,
      byUser: Object.fromEntries(this.#byUser),
      allowedByUser: Object.fromEntries(this.#allowedByUser),
      recent: [...this.#recent],
    };
  }

  #what(a: ReturnType<typeof attributesOf>): Pick<Denial, 'verb' | 'resource' | 'namespace' | 'name'> {
    const sub = a.subresource === '' ? '' : `/${a.subresource}`;
    const group = a.apiGroup === '' ? '' : `.${a.apiGroup}`;
    const resource = a.resourceRequest ? `${a.resource}${sub}${group}` : a.path;
    return { verb: a.verb, resource, namespace: a.namespace, name: a.name };
  }

  #record(d: Denial): void {
    this.#total++;
    this.#byUser.set(d.user, (this.#byUser.get(d.user) ?? 0) + 1);
    this.#recent.push(d);
    if (this.#recent.length > RECENT) this.#recent = this.#recent.slice(-RECENT);
    this.#onDenied?.(d);
  }
}
