import { describe, it, expect } from 'vitest';
import { classifyApiError, failureFromStatus } from '../../src/kube/api-errors.js';
import { patcherFrom, withPrecondition, type ObjectRef } from '../../src/kube/status.js';
import { objectKey, splitKey } from '../../src/kube/object-key.js';
import { collectionPath } from '../../src/kube/informers.js';
import { apiError, networkError } from '../support/fake-list-watch.js';

const ref: ObjectRef = { group: 'network.kubesphere.io', version: 'v1alpha2', plural: 'eips', name: 'pool' };

describe('status patches (pure parts)', () => {
  it('adds the resourceVersion precondition without losing other metadata', () => {
    expect(withPrecondition({ status: { a: 1 } }, '42')).toEqual({
      status: { a: 1 },
      metadata: { resourceVersion: '42' },
    });
    expect(withPrecondition({ metadata: { labels: { x: 'y' } } }, '7')).toEqual({
      metadata: { labels: { x: 'y' }, resourceVersion: '7' },
    });
    expect(withPrecondition({ status: {} }, undefined)).toEqual({ status: {} });
  });

  it('maps every answer to a typed result and never throws', async () => {
    const cases: [unknown, string][] = [
      [apiError(409, 'Operation cannot be fulfilled'), 'conflict'],
      [apiError(404, 'eips "pool" not found'), 'notFound'],
      [apiError(422, 'invalid'), 'error'],
      [networkError(), 'error'],
      ['a string thrown', 'error'],
    ];
    for (const [thrown, kind] of cases) {
      const patcher = patcherFrom(() => {
        throw thrown;
      });
      expect((await patcher.patchStatus(ref, { status: {} })).kind).toBe(kind);
    }
    const sent: unknown[] = [];
    const ok = patcherFrom((r, sub, body) => {
      sent.push([r.name, sub, body]);
      // A PatchCall answers in wire form (clientNodePatchCall converts client-node's typed models).
      return Promise.resolve({ metadata: { name: r.name, creationTimestamp: '1970-01-01T00:00:00.000Z' } });
    });
    const res = await ok.patchObject(ref, { metadata: { finalizers: ['f'] } }, { resourceVersion: '3' });
    expect(res).toEqual({
      kind: 'ok',
      object: { metadata: { name: 'pool', creationTimestamp: '1970-01-01T00:00:00.000Z' } },
    });
    expect(sent).toEqual([['pool', '', { metadata: { finalizers: ['f'], resourceVersion: '3' } }]]);
  });
});

describe('API error classification', () => {
  it('reads status, Status reason and message from ApiException-like errors', () => {
    const err = Object.assign(new Error('HTTP-Code: 409\nMessage: x\nBody: ...'), {
      code: 409,
      body: JSON.stringify({
        kind: 'Status',
        reason: 'Conflict',
        message: 'the object has been modified',
        code: 409,
      }),
    });
    expect(classifyApiError(err)).toEqual({
      reason: 'http_409',
      status: 409,
      statusReason: 'Conflict',
      message: 'the object has been modified',
    });
    expect(classifyApiError(Object.assign(new Error('Gone'), { statusCode: 410 }))).toMatchObject({
      status: 410,
    });
    expect(classifyApiError(networkError('ECONNRESET'))).toMatchObject({ reason: 'network' });
    expect(classifyApiError(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toMatchObject({
      reason: 'aborted',
    });
    expect(classifyApiError(undefined)).toEqual({ reason: 'unknown', message: 'undefined' });
    expect(failureFromStatus({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old' })).toEqual({
      reason: 'http_410',
      status: 410,
      statusReason: 'Expired',
      message: 'too old',
    });
    expect(failureFromStatus('garbage')).toEqual({ reason: 'unknown', message: 'watch ERROR event' });
  });
});

describe('keys and paths', () => {
  it('builds and splits keys and collection paths', () => {
    expect(objectKey({ metadata: { name: 'a', namespace: 'ns' } })).toBe('ns/a');
    expect(objectKey({ metadata: { name: 'pool' } })).toBe('pool');
    expect(splitKey('ns/a')).toEqual({ namespace: 'ns', name: 'a' });
    expect(splitKey('pool')).toEqual({ namespace: undefined, name: 'pool' });
    expect(collectionPath({ group: '', version: 'v1', plural: 'services' })).toBe('/api/v1/services');
    expect(collectionPath({ group: '', version: 'v1', plural: 'services', namespace: 'x' })).toBe(
      '/api/v1/namespaces/x/services',
    );
    expect(
      collectionPath({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace: 'ns' }),
    ).toBe('/apis/coordination.k8s.io/v1/namespaces/ns/leases');
  });
});
