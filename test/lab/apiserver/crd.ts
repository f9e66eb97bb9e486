// CustomResourceDefinitions: validation and status on write, and turning a stored CRD into served
// resources in the registry (one ResourceDef per served version, all sharing one storage key).

import { compileSchema, type CompiledSchema, type StatusCause } from './schema/index.js';
import type { PrinterColumn } from './table.js';
import type { ResourceDef } from './registry.js';
import { meta, type Obj } from './store.js';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: unknown };
  subresources?: { status?: unknown };
  additionalPrinterColumns?: PrinterColumn[];
}

interface CrdNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first; non-kube versions last, by name. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number, string] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (m === null) return [3, 0, 0, v];
    const stage = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, -Number(m[1]), -Number(m[3] ?? 0), v];
  };
  const [pa, pb] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] as number) - (pb[i] as number);
    if (d !== 0) return d;
  }
  return pa[3].localeCompare(pb[3]);
}

/** 422 causes of a CRD's spec (the subset of checks that catch real mistakes in manifests). */
export function validateCrd(crd: Obj): StatusCause[] {
  const spec = rec(crd['spec']);
  const names = rec(spec['names']);
  const causes: StatusCause[] = [];
  const req = (field: string): void => {
    causes.push({ reason: 'FieldValueRequired', field, message: 'Required value' });
  };
  const group = spec['group'];
  if (typeof group !== 'string' || group === '') req('spec.group');
  if (typeof names['plural'] !== 'string' || names['plural'] === '') req('spec.names.plural');
  if (typeof names['kind'] !== 'string' || names['kind'] === '') req('spec.names.kind');
  const scope = spec['scope'];
  if (scope !== 'Namespaced' && scope !== 'Cluster') {
    causes.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.scope',
      message: `Unsupported value: ${JSON.stringify(scope ?? '')}: supported values: "Cluster", "Namespaced"`,
    });
  }
  const versions = Array.isArray(spec['versions']) ? (spec['versions'] as unknown[]).map(rec) : [];
  if (versions.length === 0) req('spec.versions');
  else if (versions.filter((v) => v['storage'] === true).length !== 1) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.versions',
      message: 'Invalid value: must have exactly one version marked as storage version',
    });
  }
  const expected = `${String(names['plural'])}.${String(group)}`;
  const name = meta(crd)['name'];
  if (typeof name === 'string' && causes.length === 0 && name !== expected) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: ${JSON.stringify(name)}: must be spec.names.plural+"."+spec.group`,
    });
  }
  return causes;
}

/** Fill server-side defaults and the status a healthy apiserver reports once names are accepted. */
export function defaultCrd(crd: Obj, old: Obj | undefined): void {
  const spec = rec(crd['spec']);
  const names = rec(spec['names']);
  const kind = typeof names['kind'] === 'string' ? names['kind'] : '';
  names['singular'] ??= kind.toLowerCase();
  names['listKind'] ??= `${kind}List`;
  spec['names'] = names;
  spec['conversion'] ??= { strategy: 'None' };
  const versions = Array.isArray(spec['versions']) ? (spec['versions'] as unknown[]).map(rec) : [];
  const storage = versions.find((v) => v['storage'] === true)?.['name'];
  const oldStored = rec(old?.['status'])['storedVersions'];
  const stored = new Set<string>(Array.isArray(oldStored) ? (oldStored as string[]) : []);
  if (typeof storage === 'string') stored.add(storage);
  crd['status'] = {
    conditions: [
      { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
      },
    ],
    acceptedNames: { ...names },
    storedVersions: [...stored],
  };
}

/** Served resource definitions of a stored CRD, plus the group's preferred version. */
export function crdResources(
  crd: Obj,
  compile: (crdName: string, version: string, schema: unknown) => CompiledSchema,
): { defs: ResourceDef[]; preferred: string } {
  const spec = rec(crd['spec']);
  const names = spec['names'] as CrdNames;
  const group = String(spec['group']);
  const crdName = String(meta(crd)['name']);
  const versions = (spec['versions'] as CrdVersion[]).filter((v) => v.served);
  const storageVersion =
    (spec['versions'] as CrdVersion[]).find((v) => v.storage)?.name ?? versions[0]?.name ?? 'v1';
  const defs = versions.map((v): ResourceDef => ({
    group,
    version: v.name,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    namespaced: spec['scope'] === 'Namespaced',
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    verbs: ALL_VERBS,
    statusSubresource: v.subresources?.status !== undefined,
    storageKey: `${group}/${names.plural}`,
    storageApiVersion: `${group}/${storageVersion}`,
    columns: v.additionalPrinterColumns ?? [],
    schema: compile(crdName, v.name, v.schema?.openAPIV3Schema ?? null),
    crdName,
  }));
  const preferred = [...versions.map((v) => v.name)].sort(compareKubeVersions)[0] ?? storageVersion;
  return { defs, preferred };
}

/** Caches compiled schemas per CRD version and content, so re-applying an unchanged CRD is cheap. */
export class SchemaCache {
  private readonly cache = new Map<string, { json: string; compiled: CompiledSchema }>();

  compile(crdName: string, version: string, schema: unknown): CompiledSchema {
    const key = `${crdName}/${version}`;
    const json = JSON.stringify(schema);
    const hit = this.cache.get(key);
    if (hit?.json === json) return hit.compiled;
    const compiled = compileSchema(schema);
    this.cache.set(key, { json, compiled });
    return compiled;
  }
}
