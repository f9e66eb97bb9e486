// The REST verbs over the store: get, list, create, update, patch, delete, deletecollection. Each
// returns a Reply value; nothing here touches HTTP. Kind-specific behaviour lives in admission.ts,
// side effects of committed changes (allocations, CRD registration, namespace cascade) in commits.ts.

import type { AdmissionDeps } from './admission.js';
import { Committer } from './commits.js';
import * as E from './errors.js';
import { finalizersOf, mutableMeta, present, timestamp } from './objects.js';
import type { Registry, ResourceDef } from './registry.js';
import { decodeContinue, encodeContinue, isDryRun, preconditionFailure, selectorsOf } from './request.js';
import { meta, metaString, type Obj, type Store } from './store.js';
import { Writer } from './writes.js';

/** What a handler answers: an HTTP status and a JSON body. */
export interface Reply {
  readonly code: number;
  readonly body: unknown;
  /** Sent as `Warning: 299 - "<text>"` headers (e.g. unknown fields under fieldValidation=Warn). */
  readonly warnings?: readonly string[];
}

/** The resource a request addresses. `namespace` is undefined for cluster-wide lists. */
export interface Target {
  readonly def: ResourceDef;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly subresource: string;
}

const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

function reply(code: number, body: unknown): Reply {
  return { code, body };
}

function failure(s: E.StatusBody): Reply {
  return { code: s.code, body: s };
}

/** REST semantics over the store. */
export class Handlers {
  private readonly committer: Committer;
  private readonly writer: Writer;

  constructor(
    private readonly store: Store,
    registry: Registry,
    deps: AdmissionDeps,
    private readonly now: () => Date,
  ) {
    this.committer = new Committer(store, registry, deps);
    this.writer = new Writer(store, registry, deps, now, this.committer);
  }

  create(t: Target, body: unknown, q: URLSearchParams): Reply {
    return this.writer.create(t, body, q);
  }

  /** PUT: replace the object (or only its status when `t.subresource` is 'status'). */
  update(t: Target, body: unknown, q: URLSearchParams): Reply {
    return this.writer.update(t, body, q);
  }

  /** PATCH in any of the supported formats; apply-patch creates a missing object. */
  patch(t: Target, body: unknown, contentType: string, q: URLSearchParams): Reply {
    return this.writer.patch(t, body, contentType, q);
  }

  get(t: Target): Reply {
    const cur = this.store.get(t.def.storageKey, t.namespace ?? '', t.name);
    return cur === undefined ? failure(E.notFound(t.def, t.name)) : reply(200, present(t.def, cur));
  }

  /** Filtered, sorted objects plus list metadata (limit/continue supported). */
  listObjects(
    t: Target,
    q: URLSearchParams,
  ): E.Result<{ items: Obj[]; resourceVersion: string; continue?: string }> {
    const sel = selectorsOf(t.def, q);
    if (!sel.ok) return sel;
    const rv = String(this.store.currentRv);
    let items = this.store
      .list(t.def.storageKey, t.def.namespaced ? t.namespace : undefined)
      .filter(sel.value);
    const token = q.get('continue');
    if (token !== null && token !== '') {
      const start = decodeContinue(token);
      if (start === undefined)
        return E.fail(E.badRequest('continue key is not valid: invalid continue token'));
      items = items.filter((o) => `${metaString(o, 'namespace')}/${metaString(o, 'name')}` > start);
    }
    const limit = Number(q.get('limit') ?? '0');
    if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
      const page = items.slice(0, limit);
      const last = page[page.length - 1];
      const key = last === undefined ? '' : `${metaString(last, 'namespace')}/${metaString(last, 'name')}`;
      return E.ok({ items: page, resourceVersion: rv, continue: encodeContinue(key, rv) });
    }
    return E.ok({ items, resourceVersion: rv });
  }

  list(t: Target, q: URLSearchParams): Reply {
    const r = this.listObjects(t, q);
    if (!r.ok) return failure(r.status);
    const metadata =
      r.value.continue === undefined
        ? { resourceVersion: r.value.resourceVersion }
        : { resourceVersion: r.value.resourceVersion, continue: r.value.continue };
    return reply(200, {
      apiVersion: t.def.group === '' ? t.def.version : `${t.def.group}/${t.def.version}`,
      kind: t.def.listKind,
      metadata,
      items: r.value.items.map((o) => present(t.def, o)),
    });
  }

  delete(t: Target, body: unknown, q: URLSearchParams): Reply {
    const ns = t.def.namespaced ? (t.namespace ?? '') : '';
    const cur = this.store.get(t.def.storageKey, ns, t.name);
    if (cur === undefined) return failure(E.notFound(t.def, t.name));
    const pre = preconditionFailure(body, cur);
    if (pre !== undefined) return failure(pre);
    if (t.def.group === '' && t.def.plural === 'namespaces' && PROTECTED_NAMESPACES.has(t.name)) {
      return failure(
        E.status(403, 'Forbidden', `namespaces "${t.name}" is forbidden: this namespace may not be deleted`, {
          name: t.name,
          kind: 'namespaces',
        }),
      );
    }
    if (isDryRun(q)) return reply(200, present(t.def, cur));
    if (finalizersOf(cur).length > 0) {
      if (meta(cur)['deletionTimestamp'] !== undefined) return reply(200, present(t.def, cur));
      const next = structuredClone(cur);
      const m = mutableMeta(next);
      m['deletionTimestamp'] = timestamp(this.now());
      m['deletionGracePeriodSeconds'] = 0;
      return reply(200, present(t.def, this.committer.commit(t.def, ns, t.name, next, cur)));
    }
    const final = this.committer.removeObject(t.def, ns, t.name, cur);
    if (t.def.crdName !== undefined || t.def.plural === 'services' || t.def.plural === 'pods') {
      return reply(200, present(t.def, final));
    }
    const details =
      t.def.group === ''
        ? { name: t.name, kind: t.def.plural, uid: meta(cur)['uid'] }
        : { name: t.name, group: t.def.group, kind: t.def.plural, uid: meta(cur)['uid'] };
    return reply(200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });
  }

  deleteCollection(t: Target, body: unknown, q: URLSearchParams): Reply {
    const r = this.listObjects(t, q);
    if (!r.ok) return failure(r.status);
    const deleted: Obj[] = [];
    for (const o of r.value.items) {
      const res = this.delete(
        { ...t, namespace: metaString(o, 'namespace'), name: metaString(o, 'name') },
        body,
        q,
      );
      if (res.code === 200) deleted.push(present(t.def, o));
    }
    return reply(200, {
      apiVersion: t.def.group === '' ? t.def.version : `${t.def.group}/${t.def.version}`,
      kind: t.def.listKind,
      metadata: { resourceVersion: String(this.store.currentRv) },
      items: deleted,
    });
  }
}
