import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';

let api: LocalApi;
let core: k8s.CoreV1Api;
let events: k8s.EventsV1Api;

beforeAll(async () => {
  api = await startLocalApi({ crdDir: null });
  core = api.kubeConfig().makeApiClient(k8s.CoreV1Api);
  events = api.kubeConfig().makeApiClient(k8s.EventsV1Api);
});

afterAll(async () => {
  await api.stop();
});

async function code(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof k8s.ApiException) {
      const body = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { message: string };
      return { code: err.code, message: body.message };
    }
    throw err;
  }
  return { code: 200, message: '' };
}

const v1Event = (name: string, extra: Partial<k8s.EventsV1Event> = {}): k8s.EventsV1Event => ({
  metadata: { name, namespace: 'default' },
  eventTime: new k8s.V1MicroTime('2025-03-01T12:00:00.000000Z'),
  reportingController: 'openelb.kubesphere.io/controller',
  reportingInstance: 'controller-0',
  action: 'Allocate',
  reason: 'IPAllocated',
  type: 'Normal',
  note: 'assigned 192.168.0.100',
  regarding: { kind: 'Service', namespace: 'default', name: 'web', apiVersion: 'v1' },
  ...extra,
});

describe('Events: one storage, two views', () => {
  it('shows an events.k8s.io/v1 Event as a core/v1 Event and back', async () => {
    await events.createNamespacedEvent({ namespace: 'default', body: v1Event('e1') });
    const asCore = await core.readNamespacedEvent({ name: 'e1', namespace: 'default' });
    expect(asCore.message).toBe('assigned 192.168.0.100');
    expect(asCore.involvedObject.name).toBe('web');
    expect(asCore.reportingComponent).toBe('openelb.kubesphere.io/controller');
    await core.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'e2' },
        involvedObject: { kind: 'Service', namespace: 'default', name: 'db' },
        reason: 'Old',
        message: 'legacy',
        type: 'Warning',
        count: 3,
        source: { component: 'legacy' },
      },
    });
    const asV1 = await events.readNamespacedEvent({ name: 'e2', namespace: 'default' });
    expect(asV1.note).toBe('legacy');
    expect(asV1.regarding?.name).toBe('db');
    expect(asV1.deprecatedCount).toBe(3);
    expect(asV1.deprecatedSource?.component).toBe('legacy');
  });

  it('selects events.k8s.io Events by regarding.* fields', async () => {
    const list = await events.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'regarding.name=web',
    });
    expect(list.items.map((e) => e.metadata?.name)).toEqual(['e1']);
    const legacy = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'involvedObject.name=db,type=Warning',
    });
    expect(legacy.items.map((e) => e.metadata.name)).toEqual(['e2']);
  });

  it('validates like a real server', async () => {
    const missing = await code(
      events.createNamespacedEvent({
        namespace: 'default',
        body: v1Event('e3', { reportingController: undefined }),
      }),
    );
    expect(missing).toEqual({
      code: 422,
      message: 'Event.events.k8s.io "e3" is invalid: reportingController: Required value',
    });
    const wrongNs = await code(
      core.createNamespacedEvent({
        namespace: 'kube-system',
        body: {
          metadata: { name: 'e4' },
          involvedObject: { kind: 'Eip', name: 'pool' },
          reason: 'r',
          message: 'm',
        },
      }),
    );
    expect(wrongNs.code).toBe(422);
    expect(wrongNs.message).toContain(
      'involvedObject.namespace: Invalid value: "": does not match event.namespace',
    );
    const clusterScopedInDefault = await code(
      core.createNamespacedEvent({
        namespace: 'default',
        body: {
          metadata: { name: 'e5' },
          involvedObject: { kind: 'Eip', name: 'pool' },
          reason: 'r',
          message: 'm',
        },
      }),
    );
    expect(clusterScopedInDefault.code).toBe(200);
  });
});
