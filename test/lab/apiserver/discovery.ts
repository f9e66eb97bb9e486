// Legacy discovery documents (/version, /api, /api/v1, /apis, /apis/<g>, /apis/<g>/<v>), built from the
// registry on every request so CRDs appear and disappear at once. kubectl 1.32 asks for aggregated
// discovery first and falls back to these when the response is not of that media type.

import type { Registry, ResourceDef } from './registry.js';

/** Version info of a 1.32 server. */
export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-openelb-lab',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.4',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** APIVersions for /api. */
export function coreVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function resourceEntries(def: ResourceDef): Record<string, unknown>[] {
  const main: Record<string, unknown> = {
    name: def.plural,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: [...def.verbs],
  };
  if (def.shortNames.length > 0) main['shortNames'] = [...def.shortNames];
  if (def.categories.length > 0) main['categories'] = [...def.categories];
  const out = [main];
  if (def.statusSubresource) {
    out.push({
      name: `${def.plural}/status`,
      singularName: '',
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: ['get', 'patch', 'update'],
    });
  }
  if (def.group === '' && def.plural === 'namespaces') {
    out.push({
      name: 'namespaces/finalize',
      singularName: '',
      namespaced: false,
      kind: 'Namespace',
      verbs: ['update'],
    });
  }
  return out;
}

/** APIResourceList for one group/version, or undefined when it is not served. */
export function resourceList(
  registry: Registry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const defs = registry.resourcesOf(group, version);
  if (defs.length === 0 && !registry.hasGroupVersion(group, version)) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: defs.flatMap(resourceEntries),
  };
}

function groupDoc(name: string, versions: readonly string[], preferred: string): Record<string, unknown> {
  return {
    name,
    versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${name}/${preferred}`, version: preferred },
  };
}

/** APIGroupList for /apis. */
export function groupList(registry: Registry): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry
      .apiGroups()
      .map((g) => groupDoc(g.name, sortPreferredFirst(g.versions, g.preferred), g.preferred)),
  };
}

/** APIGroup for /apis/<group>, or undefined. */
export function group(registry: Registry, name: string): Record<string, unknown> | undefined {
  const g = registry.apiGroups().find((x) => x.name === name);
  if (g === undefined) return undefined;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    ...groupDoc(g.name, sortPreferredFirst(g.versions, g.preferred), g.preferred),
  };
}

function sortPreferredFirst(versions: readonly string[], preferred: string): string[] {
  return [preferred, ...versions.filter((v) => v !== preferred)];
}
