import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareKubeVersions } from '../lab/apiserver/crd.js';
import { invalid } from '../lab/apiserver/errors.js';
import { droppedFields } from '../lab/apiserver/objects.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../lab/apiserver/patch.js';
import { parsePath } from '../lab/apiserver/routes.js';
import { parseFieldSelector, parseLabelSelector } from '../lab/apiserver/selectors.js';
import { Store } from '../lab/apiserver/store.js';

const json = fc.jsonValue({ maxDepth: 3 });
const obj = fc.dictionary(fc.string({ maxLength: 5 }), json, { maxKeys: 5 });

describe('patch formats', () => {
  it('merge patch: a patch equal to a key set replaces exactly those keys; null deletes', () => {
    fc.assert(
      fc.property(obj, fc.string({ maxLength: 5 }), fc.integer(), (target, key, value) => {
        const before = structuredClone(target);
        const set = applyMergePatch(target, { [key]: value });
        expect(set.ok && set.value[key]).toBe(value);
        const del = applyMergePatch(target, { [key]: null });
        expect(del.ok && Object.hasOwn(del.value, key)).toBe(false);
        expect(target).toEqual(before);
      }),
    );
  });

  it('JSON patch: add then remove of a new key is the identity, and the input is never mutated', () => {
    fc.assert(
      fc.property(obj, json, (target, value) => {
        const before = structuredClone(target);
        const key = 'k~/new';
        fc.pre(!Object.hasOwn(target, key));
        const r = applyJsonPatch(target, [
          { op: 'add', path: '/k~0~1new', value },
          { op: 'remove', path: '/k~0~1new' },
        ]);
        expect(r.ok && r.value).toEqual(target);
        expect(target).toEqual(before);
      }),
    );
  });

  it('JSON patch: errors are values with 422 or 400', () => {
    const r = applyJsonPatch({ a: [1] }, [{ op: 'replace', path: '/a/5', value: 1 }]);
    expect(!r.ok && r.status.code).toBe(422);
    const notArray = applyJsonPatch({}, { op: 'add' });
    expect(!notArray.ok && notArray.status.code).toBe(400);
    const moved = applyJsonPatch({ a: { b: 1 } }, [{ op: 'move', from: '/a/b', path: '/c' }]);
    expect(moved.ok && moved.value).toEqual({ a: {}, c: 1 });
  });

  it('strategic merge: $setElementOrder and $retainKeys are directives, not data', () => {
    const r = applyStrategicMergePatch(
      { spec: { ports: [{ port: 80, name: 'a' }], type: 'ClusterIP', x: 1 } },
      { spec: { $setElementOrder: [], $retainKeys: ['ports', 'type'], ports: [{ port: 81 }] } },
      '/services',
    );
    expect(r.ok && r.value).toEqual({
      spec: { ports: [{ port: 80, name: 'a' }, { port: 81 }], type: 'ClusterIP' },
    });
  });
});

describe('selectors', () => {
  const o = (labels: Record<string, string>) => ({ metadata: { name: 'n', namespace: 'ns', labels } });
  it('reject malformed label selectors with 400', () => {
    for (const bad of ['a in b', 'a=b=c', 'bad key=1', 'a=in valid']) {
      const r = parseLabelSelector(bad);
      expect(r.ok ? 'ok' : r.status.code, bad).toBe(400);
    }
  });

  it('match set-based requirements', () => {
    const r = parseLabelSelector('env in (a,b), !legacy, tier');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value(o({ env: 'a', tier: 'x' }))).toBe(true);
    expect(r.value(o({ env: 'c', tier: 'x' }))).toBe(false);
    expect(r.value(o({ env: 'a', tier: 'x', legacy: '' }))).toBe(false);
  });

  it('field selectors: CRDs answer with the CRD message', () => {
    const r = parseFieldSelector('spec.x=1', 'g/things', true);
    expect(!r.ok && r.status.message).toBe(
      '"spec.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });
});

describe('errors, routes, versions', () => {
  it('aggregates several causes in brackets like utilerrors', () => {
    const one = invalid('Eip', 'network.kubesphere.io', 'e', [
      { reason: 'FieldValueRequired', field: 'spec.address', message: 'Required value' },
    ]);
    expect(one.message).toBe('Eip.network.kubesphere.io "e" is invalid: spec.address: Required value');
    const two = invalid('Eip', 'network.kubesphere.io', 'e', [
      { reason: 'FieldValueRequired', field: 'spec.a', message: 'Required value' },
      { reason: 'FieldValueRequired', field: 'spec.a', message: 'Required value' },
      { reason: 'FieldValueRequired', field: 'spec.b', message: 'Required value' },
    ]);
    expect(two.message).toBe(
      'Eip.network.kubesphere.io "e" is invalid: [spec.a: Required value, spec.b: Required value]',
    );
    expect(two.details?.causes).toHaveLength(3);
  });

  it('parses resource paths including namespace subresources', () => {
    expect(parsePath('/api/v1/namespaces/foo/status')).toMatchObject({
      kind: 'resource',
      plural: 'namespaces',
      name: 'foo',
      subresource: 'status',
    });
    expect(parsePath('/api/v1/namespaces/foo/services/bar/status')).toMatchObject({
      namespace: 'foo',
      plural: 'services',
      name: 'bar',
      subresource: 'status',
    });
    expect(parsePath('/apis/g/v1/watch/things')).toMatchObject({
      kind: 'resource',
      plural: 'things',
      watchPrefix: true,
    });
    expect(parsePath('/apis/g/v1/a/b/c/d')).toEqual({ kind: 'unknown' });
  });

  it('orders versions like Kubernetes', () => {
    expect(['v1alpha1', 'v2', 'v1beta1', 'v1', 'v1alpha2', 'foo'].sort(compareKubeVersions)).toEqual([
      'v2',
      'v1',
      'v1beta1',
      'v1alpha2',
      'v1alpha1',
      'foo',
    ]);
  });

  it('finds the fields pruning dropped', () => {
    expect(
      droppedFields(
        { spec: { a: 1, b: [{ c: 1, d: 2 }], n: null }, metadata: { x: 1 } },
        { spec: { a: 1, b: [{ c: 1 }] } },
      ),
    ).toEqual(['spec.b[0].d']);
  });
});

describe('store history', () => {
  it('keeps the last N changes and reports older starting points as expired', () => {
    const s = new Store(3);
    const rvs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const rv = s.nextRv();
      rvs.push(rv);
      s.put('k', '', `o${i}`, { metadata: { name: `o${i}` } }, rv);
    }
    expect(s.changesSince('k', rvs[0]!)).toBeUndefined();
    expect(s.changesSince('k', rvs[1]!)?.map((c) => c.rv)).toEqual(rvs.slice(2));
    expect(s.changesSince('k', rvs[4]!)).toEqual([]);
    expect(s.changesSince('other', rvs[2]!)).toEqual([]);
  });
});
