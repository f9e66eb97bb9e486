// Label and field selectors with the grammar and error messages of k8s.io/apimachinery.

import { badRequest, fail, ok, type Result } from './errors.js';
import { meta, type Obj } from './store.js';

/** A compiled selector: true when the object matches. */
export type Matcher = (obj: Obj) => boolean;

type LabelOp = 'exists' | 'notexists' | 'in' | 'notin';
interface LabelReq {
  readonly key: string;
  readonly op: LabelOp;
  readonly values: readonly string[];
}

/** Split on commas outside parentheses: `a in (x,y),b` → ['a in (x,y)', 'b']. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const KEY_RE =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function parseLabelReq(term: string): Result<LabelReq> {
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  let req: LabelReq;
  if (setMatch !== null) {
    const values = (setMatch[3] ?? '').split(',').map((v) => v.trim());
    req = { key: setMatch[1] ?? '', op: setMatch[2] === 'in' ? 'in' : 'notin', values };
  } else if (term.startsWith('!')) {
    req = { key: term.slice(1).trim(), op: 'notexists', values: [] };
  } else {
    const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (eq !== null) {
      req = { key: eq[1] ?? '', op: eq[2] === '!=' ? 'notin' : 'in', values: [(eq[3] ?? '').trim()] };
    } else if (/^\S+$/.test(term)) {
      req = { key: term, op: 'exists', values: [] };
    } else {
      return fail(
        badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`),
      );
    }
  }
  if (!KEY_RE.test(req.key)) {
    return fail(badRequest(`unable to parse requirement: invalid label key "${req.key}"`));
  }
  for (const v of req.values) {
    if (v.length > 63 || !VALUE_RE.test(v)) {
      return fail(badRequest(`unable to parse requirement: invalid label value: "${v}"`));
    }
  }
  return ok(req);
}

function labelsOf(obj: Obj): Record<string, unknown> {
  const l = meta(obj)['labels'];
  return typeof l === 'object' && l !== null ? (l as Record<string, unknown>) : {};
}

/** Compile a labelSelector query value; empty matches everything. */
export function parseLabelSelector(selector: string | undefined): Result<Matcher> {
  if (selector === undefined || selector.trim() === '') return ok(() => true);
  const reqs: LabelReq[] = [];
  for (const term of splitTopLevel(selector)) {
    const r = parseLabelReq(term);
    if (!r.ok) return r;
    reqs.push(r.value);
  }
  return ok((obj) => {
    const labels = labelsOf(obj);
    return reqs.every((r) => {
      const has = Object.hasOwn(labels, r.key);
      const v = labels[r.key];
      switch (r.op) {
        case 'exists':
          return has;
        case 'notexists':
          return !has;
        case 'in':
          return has && typeof v === 'string' && r.values.includes(v);
        case 'notin':
          return !has || typeof v !== 'string' || !r.values.includes(v);
      }
    });
  });
}

/** Extra field selectors a kind supports beyond metadata.name/metadata.namespace (as in the real server). */
const KIND_FIELDS: Record<string, readonly string[]> = {
  '/events': [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  '/secrets': ['type'],
  '/namespaces': ['status.phase'],
  '/nodes': ['spec.unschedulable'],
  '/pods': ['spec.nodeName', 'status.phase', 'spec.serviceAccountName'],
  '/services': ['spec.clusterIP', 'spec.type'],
};

function fieldValue(obj: Obj, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  if (path === 'spec.unschedulable' && cur === undefined) return 'false';
  return '';
}

/**
 * Compile a fieldSelector for one storage key. `custom` marks CRD storage, whose error message for an
 * unknown field differs from built-ins.
 */
export function parseFieldSelector(
  selector: string | undefined,
  storageKey: string,
  custom: boolean,
  toStoredField: (field: string) => string = (f) => f,
): Result<Matcher> {
  if (selector === undefined || selector.trim() === '') return ok(() => true);
  const allowed = ['metadata.name', 'metadata.namespace', ...(KIND_FIELDS[storageKey] ?? [])];
  const terms: { field: string; negate: boolean; value: string }[] = [];
  for (const term of splitTopLevel(selector)) {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (m === null) return fail(badRequest(`invalid selector: '${selector}'; can't understand '${term}'`));
    const field = toStoredField((m[1] ?? '').trim());
    if (!allowed.includes(field)) {
      return fail(
        badRequest(
          custom
            ? `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`
            : `field label not supported: ${field}`,
        ),
      );
    }
    terms.push({ field, negate: m[2] === '!=', value: (m[3] ?? '').trim() });
  }
  return ok((obj) => terms.every((t) => (fieldValue(obj, t.field) === t.value) !== t.negate));
}
