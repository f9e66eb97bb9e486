// Kind-specific behaviour applied to every write after the generic metadata handling and before the
// object is stored: Service defaults and allocation, Namespace phase, Lease validation, CRD status,
// and CR schema admission (pruning, defaults, validation).

import { crdResources, defaultCrd, validateCrd, type SchemaCache } from './crd.js';
import { fail, invalid, ok, status, type Result } from './errors.js';
import type { ResourceDef } from './registry.js';
import { schemaProblems, type StatusCause } from './schema/index.js';
import { INTERNAL_ERROR, type ServiceAllocator } from './services.js';
import { meta, type Obj } from './store.js';
import { validateEvent, validateLabels, validateLeaseSpec, validateName } from './validation.js';

/** What admission needs from the server. */
export interface AdmissionDeps {
  readonly services: ServiceAllocator;
  readonly schemas: SchemaCache;
}

function is(def: ResourceDef, group: string, plural: string): boolean {
  return def.group === group && def.plural === plural;
}

/**
 * Admit `obj` (a private copy that may be mutated) for a create (`old` undefined) or an update.
 * Returns the object to store, or a 422 Status.
 */
export function admit(deps: AdmissionDeps, def: ResourceDef, obj: Obj, old: Obj | undefined): Result<Obj> {
  const name = typeof meta(obj)['name'] === 'string' ? (meta(obj)['name'] as string) : '';
  const causes: StatusCause[] = [...validateName(def, name), ...validateLabels(obj)];
  if (causes.length > 0) return fail(invalid(def.kind, def.group, name, causes));

  if (def.schema !== undefined) return admitCustom(def, obj, old, name);
  if (is(def, '', 'services')) {
    const svcCauses = deps.services.admit(obj, old);
    const internal = svcCauses.find((c) => c.reason === INTERNAL_ERROR);
    if (internal !== undefined) {
      return fail(
        status(500, 'InternalError', `Internal error occurred: ${internal.message}`, {
          causes: [{ reason: '', field: '', message: internal.message }],
        }),
      );
    }
    causes.push(...svcCauses);
  } else if (is(def, '', 'namespaces')) {
    const spec = (obj['spec'] ??= {}) as Record<string, unknown>;
    spec['finalizers'] ??= ['kubernetes'];
    const status = (obj['status'] ??= {}) as Record<string, unknown>;
    status['phase'] ??= 'Active';
    // Real servers (1.21+) label every namespace with its own name, for namespace selectors.
    const m = obj['metadata'] as Record<string, unknown>;
    m['labels'] = {
      ...(m['labels'] as Record<string, string> | undefined),
      'kubernetes.io/metadata.name': name,
    };
  } else if (is(def, 'coordination.k8s.io', 'leases')) causes.push(...validateLeaseSpec(obj));
  else if (def.plural === 'events' && (def.group === '' || def.group === 'events.k8s.io')) {
    causes.push(...validateEvent(obj, def.group === 'events.k8s.io'));
  } else if (is(def, 'apiextensions.k8s.io', 'customresourcedefinitions')) {
    causes.push(...validateCrd(obj));
    if (causes.length === 0) {
      defaultCrd(obj, old);
      causes.push(...schemaCauses(obj));
      try {
        crdResources(obj, (n, v, s) => deps.schemas.compile(n, v, s));
      } catch (err) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'spec.versions[].schema.openAPIV3Schema',
          message: `Invalid value: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    }
  }
  return causes.length > 0 ? fail(invalid(def.kind, def.group, name, causes)) : ok(obj);
}

function admitCustom(def: ResourceDef, obj: Obj, old: Obj | undefined, name: string): Result<Obj> {
  if (def.schema === undefined) return ok(obj);
  // The schema engine must not touch metadata, apiVersion or kind: the server owns them.
  const { metadata, apiVersion, kind } = obj;
  const result = def.schema.admit(obj, old);
  if (result.causes.length > 0) return fail(invalid(def.kind, def.group, name, result.causes));
  return ok({ ...result.object, apiVersion, kind, metadata });
}

/** A real server refuses CRDs whose schemas do not compile (bad CEL rules, patterns, uniqueItems). */
function schemaCauses(crd: Obj): StatusCause[] {
  const spec = crd['spec'] as Record<string, unknown>;
  const versions = Array.isArray(spec['versions']) ? (spec['versions'] as Record<string, unknown>[]) : [];
  return versions.flatMap((v, i) => {
    const schema = (v['schema'] as Record<string, unknown> | undefined)?.['openAPIV3Schema'];
    if (schema === undefined) return [];
    return schemaProblems(schema).map((problem) => ({
      reason: 'FieldValueInvalid',
      field: `spec.versions[${i}].schema.openAPIV3Schema`,
      message: `Invalid value: "object": ${problem}`,
    }));
  });
}
