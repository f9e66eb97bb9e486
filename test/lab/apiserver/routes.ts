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

function resourceRoute(group: string, version: string, segs: readonly string[], from: number): Route {
  // Indexes into the path's segments instead of slices and spreads: this runs for every request.
  const watchPrefix = segs[from] === 'watch';
  const at = (i: number): string => segs[from + (watchPrefix ? 1 : 0) + i] ?? '';
  const length = segs.length - from - (watchPrefix ? 1 : 0);
  if (length <= 0) return { kind: 'resourceList', group, version };
  // /api/v1/namespaces/<name>/status is the namespace's own subresource, not a namespaced resource.
  if (
    at(0) === 'namespaces' &&
    length >= 3 &&
    !(group === '' && length === 3 && NAMESPACE_SUBRESOURCES.has(at(2)))
  ) {
    if (length > 5) return { kind: 'unknown' };
    return {
      kind: 'resource',
      group,
      version,
      watchPrefix,
      namespace: at(1),
      plural: at(2),
      name: at(3),
      subresource: at(4),
    };
  }
  if (length > 3) return { kind: 'unknown' };
  return {
    kind: 'resource',
    group,
    version,
    watchPrefix,
    namespace: undefined,
    plural: at(0),
    name: at(1),
    subresource: at(2),
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
    return resourceRoute('', b, segs, 2);
  }
  if (a === 'apis') {
    if (segs.length === 1) return { kind: 'groupList' };
    if (b === undefined) return { kind: 'unknown' };
    if (segs.length === 2) return { kind: 'group', group: b };
    if (c === undefined) return { kind: 'unknown' };
    return resourceRoute(b, c, segs, 3);
  }
  return { kind: 'unknown' };
}
