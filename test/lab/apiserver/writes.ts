// The writing verbs: create, update (PUT), patch, and the shared path that applies preconditions,
// status-subresource rules, immutable metadata, admission, generation and finalizer semantics.

import { admit, type AdmissionDeps } from './admission.js';
import type { Committer } from './commits.js';
import * as E from './errors.js';
import type { Reply, Target } from './handlers.js';
import {
  deepEqual,
  droppedFields,
  finalizersOf,
  generatedSuffix,
  mutableMeta,
  newUid,
  present,
  specPart,
  timestamp,
  toStorageShape,
} from './objects.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';
import type { Registry, ResourceDef } from './registry.js';
import { decodeObject, isDryRun } from './request.js';
import { meta, metaString, type Obj, type Store } from './store.js';
import { decodeCheck } from './validation.js';

function failure(s: E.StatusBody): Reply {
  return { code: s.code, body: s };
}

/** create/update/patch over the store. */
export class Writer {
  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly deps: AdmissionDeps,
    private readonly now: () => Date,
    private readonly committer: Committer,
  ) {}

  create(t: Target, body: unknown, q: URLSearchParams): Reply {
    const obj = decodeObject(this.registry, t.def, body);
    if (!obj.ok) return failure(obj.status);
    const o = obj.value;
    const m = mutableMeta(o);
    const ns = t.def.namespaced ? (t.namespace ?? '') : '';
    if (t.def.namespaced) {
      if (m['namespace'] !== undefined && m['namespace'] !== '' && m['namespace'] !== ns) {
        return failure(
          E.badRequest(
            'the namespace of the provided object does not match the namespace sent on the request',
          ),
        );
      }
      m['namespace'] = ns;
    } else delete m['namespace'];
    if (
      (m['name'] === undefined || m['name'] === '') &&
      typeof m['generateName'] === 'string' &&
      m['generateName'] !== ''
    ) {
      m['name'] = `${m['generateName']}${generatedSuffix()}`;
    }
    const name = typeof m['name'] === 'string' ? m['name'] : '';
    if (typeof m['resourceVersion'] === 'string' && m['resourceVersion'] !== '') {
      return failure(E.badRequest('resourceVersion should not be set on objects to be created'));
    }
    if (t.def.namespaced && this.store.get('/namespaces', '', ns) === undefined) {
      return failure(E.notFound({ group: '', plural: 'namespaces' }, ns));
    }
    if (name !== '' && this.store.get(t.def.storageKey, ns, name) !== undefined) {
      return failure(E.alreadyExists(t.def, name));
    }
    for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink']) {
      Reflect.deleteProperty(m, k);
    }
    m['uid'] = newUid();
    m['creationTimestamp'] = timestamp(this.now());
    if (t.def.crdName !== undefined || t.def.plural === 'customresourcedefinitions') m['generation'] = 1;
    if (
      t.def.statusSubresource &&
      !(t.def.group === '' && (t.def.plural === 'nodes' || t.def.plural === 'pods'))
    ) {
      delete o['status'];
    }
    const admitted = this.admitChecked(t.def, o, undefined, q);
    if (!admitted.ok) return failure(admitted.status);
    const { object, warnings } = admitted.value;
    if (isDryRun(q)) return { code: 201, body: present(t.def, object), warnings };
    return {
      code: 201,
      body: present(t.def, this.committer.commit(t.def, ns, name, object, undefined)),
      warnings,
    };
  }

  /** PUT: replace the object (or only its status when `t.subresource` is 'status'). */
  update(t: Target, body: unknown, q: URLSearchParams): Reply {
    const obj = decodeObject(this.registry, t.def, body);
    if (!obj.ok) return failure(obj.status);
    const bodyName = metaString(obj.value, 'name');
    if (bodyName !== t.name) {
      return failure(
        E.badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${t.name})`),
      );
    }
    const bodyNs = metaString(obj.value, 'namespace');
    if (t.def.namespaced && bodyNs !== '' && bodyNs !== t.namespace) {
      return failure(
        E.badRequest('the namespace of the provided object does not match the namespace sent on the request'),
      );
    }
    return this.write(t, obj.value, q);
  }

  /** PATCH in any of the supported formats; apply-patch creates a missing object. */
  patch(t: Target, body: unknown, contentType: string, q: URLSearchParams): Reply {
    const ns = t.namespace ?? '';
    const cur = this.store.get(t.def.storageKey, ns, t.name);
    const type = contentType.split(';')[0]?.trim() ?? '';
    if (type === 'application/apply-patch+yaml' && (q.get('fieldManager') ?? '') === '') {
      return failure(
        E.invalid('PatchOptions', 'meta.k8s.io', '', [
          {
            reason: 'FieldValueRequired',
            field: 'fieldManager',
            message: 'Required value: is required for apply patch',
          },
        ]),
      );
    }
    if (cur === undefined) {
      if (type === 'application/apply-patch+yaml' && t.subresource === '') {
        return this.create({ ...t, namespace: ns }, body, q);
      }
      return failure(E.notFound(t.def, t.name));
    }
    const base = present(t.def, cur);
    let patched: E.Result<Obj>;
    switch (type) {
      case 'application/json-patch+json':
        patched = applyJsonPatch(base, body);
        break;
      case 'application/merge-patch+json':
        patched = applyMergePatch(base, body);
        break;
      case 'application/strategic-merge-patch+json':
        if (t.def.crdName !== undefined) return failure(E.unsupportedMediaType(type));
        patched = applyStrategicMergePatch(base, body, t.def.storageKey);
        break;
      case 'application/apply-patch+yaml':
        // Simplified server-side apply: the applied configuration is merged in; fields it omits are kept.
        patched =
          t.def.crdName === undefined
            ? applyStrategicMergePatch(base, body, t.def.storageKey)
            : applyMergePatch(base, body);
        if (patched.ok) mutableMeta(patched.value)['resourceVersion'] = metaString(base, 'resourceVersion');
        break;
      default:
        return failure(E.unsupportedMediaType(contentType));
    }
    if (!patched.ok) return failure(patched.status);
    return this.write(t, toStorageShape(t.def, patched.value), q);
  }

  private write(t: Target, incoming: Obj, q: URLSearchParams): Reply {
    const ns = t.def.namespaced ? (t.namespace ?? '') : '';
    const cur = this.store.get(t.def.storageKey, ns, t.name);
    if (cur === undefined) return failure(E.notFound(t.def, t.name));
    const check = decodeCheck(t.def, incoming);
    if (check !== undefined) return failure(check);
    const wantRv = metaString(incoming, 'resourceVersion');
    if (wantRv !== '' && wantRv !== metaString(cur, 'resourceVersion'))
      return failure(E.conflict(t.def, t.name));

    let next: Obj;
    if (t.subresource === 'status') {
      next = { ...structuredClone(cur), status: structuredClone(incoming['status']) };
      if (incoming['status'] === undefined) delete next['status'];
    } else {
      next = structuredClone(incoming);
      if (t.def.statusSubresource) {
        if (cur['status'] === undefined) delete next['status'];
        else next['status'] = structuredClone(cur['status']);
      }
      const m = mutableMeta(next);
      const curMeta = meta(cur);
      for (const k of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
      ]) {
        if (curMeta[k] === undefined) Reflect.deleteProperty(m, k);
        else m[k] = curMeta[k];
      }
      m['name'] = t.name;
      if (t.def.namespaced) m['namespace'] = ns;
      else delete m['namespace'];
      if (curMeta['deletionTimestamp'] !== undefined) {
        const added = finalizersOf(next).filter((f) => !finalizersOf(cur).includes(f));
        if (added.length > 0) {
          return failure(
            E.invalid(t.def.kind, t.def.group, t.name, [
              {
                reason: 'FieldValueForbidden',
                field: 'metadata.finalizers',
                message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
              },
            ]),
          );
        }
      }
    }
    mutableMeta(next)['resourceVersion'] = metaString(cur, 'resourceVersion');
    const admitted = this.admitChecked(t.def, next, cur, q);
    if (!admitted.ok) return failure(admitted.status);
    next = admitted.value.object;
    const warnings = admitted.value.warnings;
    const gen = meta(cur)['generation'];
    if (
      typeof gen === 'number' &&
      !deepEqual(specPart(next, t.def.statusSubresource), specPart(cur, t.def.statusSubresource))
    ) {
      mutableMeta(next)['generation'] = gen + 1;
    }
    if (deepEqual({ ...next, apiVersion: cur['apiVersion'] }, cur) || isDryRun(q)) {
      return { code: 200, body: present(t.def, next), warnings };
    }
    if (meta(next)['deletionTimestamp'] !== undefined && finalizersOf(next).length === 0) {
      const removed = this.committer.removeObject(t.def, ns, t.name, next);
      return { code: 200, body: present(t.def, removed), warnings };
    }
    return { code: 200, body: present(t.def, this.committer.commit(t.def, ns, t.name, next, cur)), warnings };
  }

  /**
   * Admission plus the fieldValidation query parameter: unknown fields that pruning dropped fail the
   * request under Strict (kubectl's default) and become warnings under Warn (the server default).
   */
  private admitChecked(
    def: ResourceDef,
    obj: Obj,
    old: Obj | undefined,
    q: URLSearchParams,
  ): E.Result<{ object: Obj; warnings: string[] }> {
    const input = def.schema === undefined ? undefined : structuredClone(obj);
    const admitted = admit(this.deps, def, obj, old);
    if (!admitted.ok) return admitted;
    const dropped = input === undefined ? [] : droppedFields(input, admitted.value);
    const mode = q.get('fieldValidation') ?? 'Warn';
    const messages = dropped.map((p) => `unknown field ${JSON.stringify(p)}`);
    if (mode === 'Strict' && messages.length > 0) {
      return E.fail(
        E.badRequest(
          `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${messages.join(', ')}`,
        ),
      );
    }
    return E.ok({ object: admitted.value, warnings: mode === 'Ignore' ? [] : messages });
  }
}
