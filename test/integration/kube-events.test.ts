import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, type CoreV1Event, type V1Service } from '@kubernetes/client-node';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';
import { EventRecorder, clientNodeEventWriter } from '../../src/kube/events.js';
import { Metrics } from '../../src/observability/metrics.js';
import type { Clock } from '../../src/kube/clock.js';
import { systemClock } from '../../src/kube/clock.js';

let api: LocalApi;
let core: CoreV1Api;
let recorder: EventRecorder;
let metrics: Metrics;
let now = Date.parse('2026-01-01T00:00:00Z');
let stop: () => Promise<void>;

// Real timers for I/O, injected wall time for the aggregation window.
const clock: Clock = { ...systemClock, now: () => now };

beforeEach(async () => {
  api = await startLocalApi({ crdDir: null });
  const kc = api.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  metrics = new Metrics();
  recorder = new EventRecorder({
    writer: clientNodeEventWriter(kc),
    clock,
    metrics,
    instance: 'controller-0',
    windowMs: 60_000,
  });
  const ac = new AbortController();
  const running = recorder.start(ac.signal);
  stop = async () => {
    ac.abort();
    await running;
  };
});

afterEach(async () => {
  await stop();
  await api.stop();
});

async function service(name: string): Promise<V1Service> {
  return core.createNamespacedService({
    namespace: 'default',
    body: { metadata: { name }, spec: { ports: [{ port: 80 }] } },
  });
}

async function eventsIn(namespace: string): Promise<CoreV1Event[]> {
  return (await core.listNamespacedEvent({ namespace })).items;
}

describe('EventRecorder on the local API', () => {
  it('creates a core/v1 Event and aggregates repeats into count and lastTimestamp', async () => {
    const svc = await service('web');
    recorder.record(svc, 'Warning', 'NoFreeIP', 'no free address in pool eip-a');
    await recorder.idle();
    now += 5_000;
    recorder.record(svc, 'Warning', 'NoFreeIP', 'no free address in pool eip-a');
    recorder.record(svc, 'Warning', 'NoFreeIP', 'no free address in pool eip-a');
    await recorder.idle();
    const events = await eventsIn('default');
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e).toMatchObject({
      type: 'Warning',
      reason: 'NoFreeIP',
      message: 'no free address in pool eip-a',
      count: 3,
      source: { component: 'openelb-manager', host: 'controller-0' },
      reportingComponent: 'openelb-manager',
      involvedObject: { kind: 'Service', name: 'web', namespace: 'default', uid: svc.metadata?.uid },
    });
    expect(e.firstTimestamp?.getTime()).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(e.lastTimestamp?.getTime()).toBe(Date.parse('2026-01-01T00:00:05Z'));
  });

  it('starts a new Event after the window and keeps different reasons apart', async () => {
    const svc = await service('api');
    recorder.record(svc, 'Normal', 'IPAllocated', 'assigned 10.0.0.1');
    recorder.record(svc, 'Normal', 'IPReleased', 'released 10.0.0.1');
    await recorder.idle();
    now += 61_000;
    recorder.record(svc, 'Normal', 'IPAllocated', 'assigned 10.0.0.1');
    await recorder.idle();
    const events = (await eventsIn('default')).map((e) => [e.reason, e.count]).sort();
    expect(events).toEqual([
      ['IPAllocated', 1],
      ['IPAllocated', 1],
      ['IPReleased', 1],
    ]);
  });

  it('records Events of cluster-scoped objects in the default namespace', async () => {
    const node = { apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'n-1' };
    recorder.record(node, 'Normal', 'Announcing', 'announcing 10.0.0.1');
    await recorder.idle();
    const [e] = await eventsIn('default');
    expect(e?.involvedObject).toMatchObject({ kind: 'Node', name: 'node-1' });
    expect(e?.involvedObject.namespace).toBeUndefined();
  });

  it('recreates an Event that was deleted, and counts a failed write without stopping', async () => {
    const svc = await service('gone');
    recorder.record(svc, 'Normal', 'R', 'm');
    await recorder.idle();
    const [first] = await eventsIn('default');
    const firstName = first?.metadata.name ?? '';
    await core.deleteNamespacedEvent({ namespace: 'default', name: firstName });
    recorder.record(svc, 'Normal', 'R', 'm');
    await recorder.idle();
    const after = await eventsIn('default');
    expect(after).toHaveLength(1);
    expect(after[0]?.metadata.name).not.toBe(firstName);
    api.faults.failNext(1, 500, { pathIncludes: '/events' });
    recorder.record(svc, 'Warning', 'Other', 'x');
    recorder.record(svc, 'Warning', 'Third', 'y');
    await recorder.idle();
    expect((await eventsIn('default')).map((e) => e.reason).sort()).toEqual(['R', 'Third']);
    expect(await metrics.text()).toContain('openelb_events_total{outcome="failed",type="Warning"} 1');
  });

  it('shows as one aggregated Event in kubectl describe (x3)', async () => {
    const svc = await service('shown');
    for (let i = 0; i < 3; i++)
      recorder.record(svc, 'Normal', 'IPAllocated', 'Assigned IP 10.0.0.5 from pool eip-a');
    await recorder.idle();
    const dir = mkdtempSync(join(tmpdir(), 'kube-events-'));
    try {
      api.writeKubeconfig(join(dir, 'kubeconfig'));
      const { stdout } = await promisify(execFile)('kubectl', [
        '--kubeconfig',
        join(dir, 'kubeconfig'),
        'describe',
        'service',
        'shown',
      ]);
      expect(stdout).toMatch(
        /Normal\s+IPAllocated\s+\S+ \(x3 over \S+\)\s+openelb-manager\s+Assigned IP 10\.0\.0\.5 from pool eip-a/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
