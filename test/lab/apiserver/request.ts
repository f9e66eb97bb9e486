// Request-level helpers shared by the verbs and the watch: body decoding, selectors, dry-run,
// delete preconditions and continue tokens. All pure.

import { eventsV1FieldToCore } from './events.js';
import * as E from './errors.js';
import { isEventsV1, toStorageShape } from './objects.js';
import type { Registry, ResourceDef } from './registry.js';
import { parseFieldSelector, parseLabelSelector, type Matcher } from './selectors.js';
import { meta, type Obj } from './store.js';
import { decodeCheck } from './validation.js';

/** Compiled list/watch filters of a request. */
export function selectorsOf(def: ResourceDef, q: URLSearchParams): E.Result<Matcher> {
  const l = parseLabelSelector(q.get('labelSelector') ?? undefined);
  if (!l.ok) return l;
  const f = parseFieldSelector(
    q.get('fieldSelector') ?? undefined,
    def.storageKey,
    def.crdName !== undefined,
    isEventsV1(def) ? eventsV1FieldToCore : undefined,
  );
  if (!f.ok) return f;
  const [lm, fm] = [l.value, f.value];
  return E.ok((o) => lm(o) && fm(o));
}

/** Parse a request body into a private object copy, checking kind/apiVersion and decode rules. */
export function decodeObject(registry: Registry, def: ResourceDef, body: unknown): E.Result<Obj> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return E.fail(
      E.badRequest(
        `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: the body must be a JSON object`,
      ),
    );
  }
  const o = structuredClone(body) as Obj;
  const apiVersion = def.group === '' ? def.version : `${def.group}/${def.version}`;
  if (
    o['apiVersion'] !== undefined &&
    o['apiVersion'] !== apiVersion &&
    !isSameGroup(registry, def, o['apiVersion'])
  ) {
    return E.fail(
      E.badRequest(
        `the API version in the data (${JSON.stringify(o['apiVersion'])}) does not match the expected API version (${apiVersion})`,
      ),
    );
  }
  if (o['kind'] !== undefined && o['kind'] !== def.kind) {
    return E.fail(
      E.badRequest(
        `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: the kind in the data (${JSON.stringify(o['kind'])}) does not match the expected kind`,
      ),
    );
  }
  o['apiVersion'] = apiVersion;
  o['kind'] = def.kind;
  const check = decodeCheck(def, o);
  return check === undefined ? E.ok(toStorageShape(def, o)) : E.fail(check);
}

/** Another served version of the same CRD is acceptable (conversion strategy None only rewrites apiVersion). */
function isSameGroup(registry: Registry, def: ResourceDef, apiVersion: unknown): boolean {
  if (typeof apiVersion !== 'string' || def.crdName === undefined) return false;
  const [g, v] = apiVersion.split('/');
  return g === def.group && v !== undefined && registry.lookup(g, v, def.plural) !== undefined;
}

export function isDryRun(q: URLSearchParams): boolean {
  return q.getAll('dryRun').includes('All');
}

export function preconditionFailure(body: unknown, cur: Obj): E.StatusBody | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const pre = (body as Record<string, unknown>)['preconditions'];
  if (typeof pre !== 'object' || pre === null) return undefined;
  const p = pre as Record<string, unknown>;
  const m = meta(cur);
  if (typeof p['uid'] === 'string' && p['uid'] !== m['uid']) {
    return E.status(
      409,
      'Conflict',
      `Precondition failed: UID in precondition: ${p['uid']}, UID in object meta: ${String(m['uid'])}`,
    );
  }
  if (typeof p['resourceVersion'] === 'string' && p['resourceVersion'] !== m['resourceVersion']) {
    return E.status(
      409,
      'Conflict',
      `Precondition failed: ResourceVersion in precondition: ${p['resourceVersion']}, ResourceVersion in object meta: ${String(m['resourceVersion'])}`,
    );
  }
  return undefined;
}

export function encodeContinue(start: string, rv: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(rv), start })).toString('base64url');
}

export function decodeContinue(token: string): string | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { start?: unknown };
    return typeof v.start === 'string' ? v.start : undefined;
  } catch {
    return undefined;
  }
}
