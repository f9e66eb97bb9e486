// URL parsing: turns a request path into what it addresses. Pure; resolution against the registry
// happens in the server.

/** What a path addresses. */
export type Route =
  | { readonly kind: 'version' }
  | { readonly kind: 'health' }
  | { readonly kind: 'openapi' }
  | { readonly kind: 'coreVersions' }
  | { readonly kind: 'groupList' }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'resourceList'; readonly group: string; readonly version: string }
  | { readonly kind: 'faults'; readonly action: string }
  /** GET /__lab/authz: what the enforcing mode refused (counts per user, recent denials). */
  | { readonly kind: 'authzReport' }
  /** GET /__lab/requests: request counts and timings per client (POST resets them). */
  | { readonly kind: 'requestStats' }
  | {
      readonly kind: 'resource';
      readonly group: string;
      readonly version: string;
      readonly plural: string;
      /** undefined when the path has no /namespaces/<ns>/ part. */
      readonly namespace: string | undefined;
      readonly name: string;
      readonly subresource: string;
      /** Legacy `/watch/` path prefix. */
      readonly watchPrefix: boolean;
    }
  | { readonly kind: 'unknown' };

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function resourceRoute(group: string, version: string, rest: string[]): Route {
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  const base = { kind: 'resource', group, version, watchPrefix } as const;
  if (rest.length === 0) return { kind: 'resourceList', group, version };
  // /api/v1/namespaces/<name>/status is the namespace's own subresource, not a namespaced resource.
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(group === '' && rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2] ?? ''))
  ) {
    if (rest.length > 5) return { kind: 'unknown' };
    return {
      ...base,
      namespace: rest[1],
      plural: rest[2] ?? '',
      name: rest[3] ?? '',
      subresource: rest[4] ?? '',
    };
  }
  if (rest.length > 3) return { kind: 'unknown' };
  return {
    ...base,
    namespace: undefined,
    plural: rest[0] ?? '',
    name: rest[1] ?? '',
    subresource: rest[2] ?? '',
  };
}

/** Parse a URL path (without query). */
export function parsePath(pathname: string): Route {
  const segs = pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  const [a, b, c] = segs;
  if (a === 'version' && segs.length === 1) return { kind: 'version' };
  if ((a === 'healthz' || a === 'readyz' || a === 'livez') && segs.length <= 2) return { kind: 'health' };
  if (a === 'openapi') return { kind: 'openapi' };
  if (a === '__lab' && b === 'faults' && c !== undefined && segs.length === 3)
    return { kind: 'faults', action: c };
  if (a === '__lab' && b === 'authz' && segs.length === 2) return { kind: 'authzReport' };
  if (a === '__lab' && b === 'requests' && segs.length === 2) return { kind: 'requestStats' };
  if (a === 'api') {
    if (segs.length === 1) return { kind: 'coreVersions' };
    if (b === undefined) return { kind: 'unknown' };
    return resourceRoute('', b, segs.slice(2));
  }
  if (a === 'apis') {
    if (segs.length === 1) return { kind: 'groupList' };
    if (b === undefined) return { kind: 'unknown' };
    if (segs.length === 2) return { kind: 'group', group: b };
    if (c === undefined) return { kind: 'unknown' };
    return resourceRoute(b, c, segs.slice(3));
  }
  return { kind: 'unknown' };
}
