// Minimal OpenAPI v3 documents. kubectl create/apply/patch fetch /openapi/v3 to learn whether the
// server validates fields itself (the `fieldValidation` query parameter on PATCH operations); with
// that answered "yes" kubectl sends fieldValidation=Strict and needs no client-side schema. Without
// any OpenAPI, kubectl refuses to apply with validation on. No schemas are published, so kubectl
// falls back to its compiled-in types for strategic merge patches (and merge patches for CRs).

import { createHash } from 'node:crypto';
import type { Registry, ResourceDef } from './registry.js';

function prefixOf(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function hashOf(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 128).toUpperCase();
}

function pathsFor(def: ResourceDef): Record<string, unknown> {
  const base = `/${prefixOf(def.group, def.version)}${def.namespaced ? '/namespaces/{namespace}' : ''}/${def.plural}`;
  const gvk = { group: def.group, version: def.version, kind: def.kind };
  const params = [
    { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
    { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
    { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
  ];
  const op = (action: string): Record<string, unknown> => ({
    operationId: `${action}${def.kind}`,
    parameters: params,
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  });
  const out: Record<string, unknown> = {
    [base]: { post: op('post') },
    [`${base}/{name}`]: { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') },
  };
  if (def.statusSubresource) out[`${base}/{name}/status`] = { put: op('put'), patch: op('patch') };
  return out;
}

/** The OpenAPI v3 document of one group/version, or undefined when it is not served. */
export function groupVersionDoc(
  registry: Registry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const defs = registry.resourcesOf(group, version);
  if (defs.length === 0) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: Object.assign({}, ...defs.map(pathsFor)) as Record<string, unknown>,
    components: { schemas: {} },
  };
}

/** The /openapi/v3 root: one entry per served group/version, each with a content hash. */
export function rootDoc(registry: Registry): Record<string, unknown> {
  const gvs: [string, string][] = [
    ['', 'v1'],
    ...registry.apiGroups().flatMap((g) => g.versions.map((v): [string, string] => [g.name, v])),
  ];
  const paths: Record<string, unknown> = {};
  for (const [g, v] of gvs) {
    const doc = groupVersionDoc(registry, g, v);
    if (doc === undefined) continue;
    const p = prefixOf(g, v);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(doc)}` };
  }
  return { paths };
}

/** Answer GET /openapi/v3[/<gv path>]; undefined = 404 (including all of /openapi/v2). */
export function openapi(registry: Registry, pathname: string): Record<string, unknown> | undefined {
  const segs = pathname.split('/').filter((s) => s !== '');
  if (segs[1] !== 'v3') return undefined;
  if (segs.length === 2) return rootDoc(registry);
  if (segs[2] === 'api' && segs.length === 4) return groupVersionDoc(registry, '', segs[3] ?? '');
  if (segs[2] === 'apis' && segs.length === 5) return groupVersionDoc(registry, segs[3] ?? '', segs[4] ?? '');
  return undefined;
}
