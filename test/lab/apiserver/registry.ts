// The resource registry: which group/version/resource paths exist, what kind they hold and how they
// behave. Built-in kinds are fixed; CRD kinds come and go with their CustomResourceDefinition objects.

import type { CompiledSchema } from './schema/index.js';
import type { PrinterColumn } from './table.js';

/** One served group/version/resource. Several versions of one resource share `storageKey`. */
export interface ResourceDef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly string[];
  /** Has a `/status` subresource: status is ignored on the main resource, spec on `/status`. */
  readonly statusSubresource: boolean;
  /** `group/plural`: objects are stored once for all versions. */
  readonly storageKey: string;
  /** apiVersion of stored objects (the CRD's storage version; core/v1 for both views of Events). */
  readonly storageApiVersion: string;
  /** CRD additionalPrinterColumns; undefined for built-in kinds. */
  readonly columns: readonly PrinterColumn[] | undefined;
  /** CRD structural schema; undefined for built-in kinds. */
  readonly schema: CompiledSchema | undefined;
  /** Name of the CRD that defines this resource; undefined for built-ins. */
  readonly crdName: string | undefined;
}

/** `group/version`, or `version` for the core group. */
export function apiVersionOf(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface BuiltinSpec {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  storageKey?: string;
  storageApiVersion?: string;
}

const BUILTINS: readonly BuiltinSpec[] = [
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    status: true,
  },
  {
    group: '',
    version: 'v1',
    plural: 'nodes',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    status: true,
  },
  {
    group: '',
    version: 'v1',
    plural: 'services',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    status: true,
  },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'] },
  { group: '', version: 'v1', plural: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'] },
  {
    group: '',
    version: 'v1',
    plural: 'pods',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    status: true,
  },
  {
    group: '',
    version: 'v1',
    plural: 'serviceaccounts',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    plural: 'events',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    storageKey: '/events',
    storageApiVersion: 'v1',
  },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    kind: 'EndpointSlice',
    namespaced: true,
  },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
  {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    status: true,
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'daemonsets',
    kind: 'DaemonSet',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    status: true,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterroles',
    kind: 'ClusterRole',
    namespaced: false,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'rolebindings',
    kind: 'RoleBinding',
    namespaced: true,
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'validatingwebhookconfigurations',
    kind: 'ValidatingWebhookConfiguration',
    namespaced: false,
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    status: true,
  },
];

function builtinDef(s: BuiltinSpec): ResourceDef {
  return {
    group: s.group,
    version: s.version,
    plural: s.plural,
    singular: s.kind.toLowerCase(),
    kind: s.kind,
    listKind: `${s.kind}List`,
    namespaced: s.namespaced,
    shortNames: s.shortNames ?? [],
    categories: s.categories ?? [],
    verbs: ALL_VERBS,
    statusSubresource: s.status ?? false,
    storageKey: s.storageKey ?? `${s.group}/${s.plural}`,
    storageApiVersion: s.storageApiVersion ?? (s.group === '' ? s.version : `${s.group}/${s.version}`),
    columns: undefined,
    schema: undefined,
    crdName: undefined,
  };
}

/** The group/versions a group serves, preferred first. */
export interface GroupInfo {
  readonly name: string;
  readonly versions: readonly string[];
  readonly preferred: string;
}

/** Mutable registry of served resources; lookups are by `group/version/plural`. */
export class Registry {
  private readonly byPath = new Map<string, ResourceDef>();
  /** Group order as registered, so discovery is stable. */
  private readonly groups = new Map<string, { versions: string[]; preferred: string }>();

  constructor() {
    for (const spec of BUILTINS) this.add(builtinDef(spec), spec.version);
  }

  /** Register one served version; `preferred` names the group's preferred version. */
  add(def: ResourceDef, preferred: string): void {
    this.byPath.set(`${def.group}/${def.version}/${def.plural}`, def);
    const g = this.groups.get(def.group) ?? { versions: [], preferred };
    if (!g.versions.includes(def.version)) g.versions.push(def.version);
    g.preferred = g.versions.includes(preferred) ? preferred : (g.versions[0] ?? preferred);
    this.groups.set(def.group, g);
  }

  /** Remove every version registered by the named CRD. */
  removeCrd(crdName: string): void {
    for (const [key, def] of this.byPath) {
      if (def.crdName === crdName) this.byPath.delete(key);
    }
    this.rebuildGroups();
  }

  private rebuildGroups(): void {
    const alive = new Set<string>();
    for (const def of this.byPath.values()) alive.add(`${def.group}/${def.version}`);
    for (const [name, g] of this.groups) {
      g.versions = g.versions.filter((v) => alive.has(`${name}/${v}`));
      if (g.versions.length === 0) this.groups.delete(name);
      else if (!g.versions.includes(g.preferred)) g.preferred = g.versions[0] ?? g.preferred;
    }
  }

  /** The resource served at group/version/plural, if any. */
  lookup(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  /** Every resource of one group/version, in registration order. */
  resourcesOf(group: string, version: string): ResourceDef[] {
    return [...this.byPath.values()].filter((d) => d.group === group && d.version === version);
  }

  /** Non-core groups with their versions; the core group is served under /api. */
  apiGroups(): GroupInfo[] {
    return [...this.groups]
      .filter(([name]) => name !== '')
      .map(([name, g]) => ({ name, versions: [...g.versions], preferred: g.preferred }));
  }

  /** True when the group/version exists (for discovery 404s). */
  hasGroupVersion(group: string, version: string): boolean {
    return this.groups.get(group)?.versions.includes(version) ?? false;
  }

  /** Any version of the resource whose storage key is given (for CRD cleanup and namespace cascade). */
  allDefs(): ResourceDef[] {
    return [...this.byPath.values()];
  }
}
