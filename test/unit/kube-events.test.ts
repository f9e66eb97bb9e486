import { describe, it, expect, afterEach } from 'vitest';
import type { CoreV1Event } from '@kubernetes/client-node';
import { EventRecorder, type EventWriter } from '../../src/kube/events.js';
import type { WriteResult } from '../../src/kube/status.js';
import { correlationKey, decideEvent, involvedObjectOf } from '../../src/kube/event-correlator.js';
import { Metrics } from '../../src/observability/metrics.js';
import { FakeClock } from '../support/fake-clock.js';

const svc = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1', resourceVersion: '7' },
};
const eip = {
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: { name: 'pool', uid: 'u-2' },
};

class RecordingWriter implements EventWriter {
  readonly calls: {
    op: 'create' | 'patch';
    namespace: string;
    name: string;
    body: Record<string, unknown>;
  }[] = [];
  nextPatch: WriteResult<unknown> | undefined;
  gate: Promise<void> | undefined;

  async create(namespace: string, event: CoreV1Event): Promise<WriteResult<unknown>> {
    await this.gate;
    this.calls.push({
      op: 'create',
      namespace,
      name: event.metadata.name ?? '',
      body: JSON.parse(JSON.stringify(event)) as Record<string, unknown>,
    });
    return { kind: 'ok', object: event };
  }

  async patch(namespace: string, name: string, patch: object): Promise<WriteResult<unknown>> {
    await this.gate;
    this.calls.push({ op: 'patch', namespace, name, body: { ...patch } });
    const res = this.nextPatch ?? { kind: 'ok', object: patch };
    this.nextPatch = undefined;
    return res;
  }
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

function setup(opts: { maxPending?: number; windowMs?: number } = {}) {
  const clock = new FakeClock();
  const writer = new RecordingWriter();
  const metrics = new Metrics();
  const recorder = new EventRecorder({ writer, clock, metrics, instance: 'node-1', ...opts });
  const ac = new AbortController();
  const start = (): void => {
    const running = recorder.start(ac.signal);
    stops.push(async () => {
      ac.abort();
      await running;
    });
  };
  return { clock, writer, recorder, metrics, start };
}

describe('event correlation (pure)', () => {
  it('keys on object, type, reason and message but not resourceVersion', () => {
    const a = {
      involved: involvedObjectOf(svc),
      type: 'Normal' as const,
      reason: 'IPAllocated',
      message: 'm',
    };
    const b = { ...a, involved: { ...a.involved, resourceVersion: '8' } };
    expect(correlationKey(a)).toBe(correlationKey(b));
    expect(correlationKey(a)).not.toBe(correlationKey({ ...a, message: 'other' }));
    expect(correlationKey(a)).not.toBe(correlationKey({ ...a, type: 'Warning' }));
  });

  it('updates within the window and creates after it', () => {
    const seen = { name: 'web.1', namespace: 'shop', count: 3, lastTimestamp: 1000 };
    expect(decideEvent(undefined, 1000, 60_000, 1)).toEqual({ kind: 'create' });
    expect(decideEvent(seen, 61_000, 60_000, 2)).toEqual({
      kind: 'update',
      name: 'web.1',
      namespace: 'shop',
      count: 5,
    });
    expect(decideEvent(seen, 61_001, 60_000, 1)).toEqual({ kind: 'create' });
  });
});

describe('EventRecorder', () => {
  it('writes a core/v1 Event with source, reporting component and the involved object', async () => {
    const { writer, recorder, start } = setup();
    start();
    recorder.record(svc, 'Normal', 'IPAllocated', 'Assigned IP 10.0.0.5');
    await recorder.idle();
    expect(writer.calls).toHaveLength(1);
    const call = writer.calls[0]!;
    expect(call.op).toBe('create');
    expect(call.namespace).toBe('shop');
    expect(call.name).toMatch(/^web\.[0-9a-f]+$/);
    expect(call.body).toMatchObject({
      type: 'Normal',
      reason: 'IPAllocated',
      message: 'Assigned IP 10.0.0.5',
      count: 1,
      involvedObject: { apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'shop', uid: 'u-1' },
      source: { component: 'openelb-manager', host: 'node-1' },
      reportingComponent: 'openelb-manager',
      reportingInstance: 'node-1',
    });
  });

  it('puts Events of cluster-scoped objects in the default namespace', async () => {
    const { writer, recorder, start } = setup();
    start();
    recorder.record(eip, 'Warning', 'PoolExhausted', 'no free address');
    await recorder.idle();
    expect(writer.calls[0]).toMatchObject({ op: 'create', namespace: 'default' });
    expect(writer.calls[0]!.body.involvedObject).not.toHaveProperty('namespace');
  });

  it('aggregates repeats into count and lastTimestamp of one Event within the window', async () => {
    const { clock, writer, recorder, start, metrics } = setup({ windowMs: 60_000 });
    recorder.record(svc, 'Warning', 'NoFreeIP', 'pool empty');
    recorder.record(svc, 'Warning', 'NoFreeIP', 'pool empty');
    start();
    await recorder.idle();
    await clock.advance(30_000);
    recorder.record(svc, 'Warning', 'NoFreeIP', 'pool empty');
    await recorder.idle();
    expect(writer.calls.map((c) => [c.op, c.body.count])).toEqual([
      ['create', 2],
      ['patch', 3],
    ]);
    expect(writer.calls[1]!.name).toBe(writer.calls[0]!.name);
    expect(writer.calls[1]!.body.lastTimestamp).toBe(new Date(clock.now()).toISOString());
    await clock.advance(60_001);
    recorder.record(svc, 'Warning', 'NoFreeIP', 'pool empty');
    await recorder.idle();
    expect(writer.calls[2]).toMatchObject({ op: 'create', body: { count: 1 } });
    expect(writer.calls[2]!.name).not.toBe(writer.calls[0]!.name);
    const text = await metrics.text();
    expect(text).toContain('openelb_events_total{outcome="created",type="Warning"} 2');
    expect(text).toContain('openelb_events_total{outcome="updated",type="Warning"} 1');
    expect(text).toContain('openelb_events_total{outcome="merged",type="Warning"} 1');
  });

  it('keeps different messages apart', async () => {
    const { writer, recorder, start } = setup();
    start();
    recorder.record(svc, 'Normal', 'IPAllocated', 'a');
    recorder.record(svc, 'Normal', 'IPAllocated', 'b');
    await recorder.idle();
    expect(writer.calls.map((c) => [c.op, c.body.message])).toEqual([
      ['create', 'a'],
      ['create', 'b'],
    ]);
  });

  it('creates a new Event when the one it would update is gone', async () => {
    const { writer, recorder, start } = setup();
    start();
    recorder.record(svc, 'Normal', 'IPAllocated', 'a');
    await recorder.idle();
    writer.nextPatch = { kind: 'notFound', message: 'events "web.x" not found' };
    recorder.record(svc, 'Normal', 'IPAllocated', 'a');
    await recorder.idle();
    expect(writer.calls.map((c) => c.op)).toEqual(['create', 'patch', 'create']);
    expect(writer.calls[2]!.body.count).toBe(1);
  });

  it('never blocks the caller and drops the oldest pending Event when full', async () => {
    const { writer, recorder, start, metrics } = setup({ maxPending: 2 });
    let release!: () => void;
    writer.gate = new Promise((r) => (release = r));
    start();
    recorder.record(svc, 'Normal', 'R', 'being written'); // taken by the writer, which hangs
    await Promise.resolve();
    recorder.record(svc, 'Normal', 'R', 'one');
    recorder.record(svc, 'Normal', 'R', 'two');
    recorder.record(svc, 'Normal', 'R', 'three');
    expect(recorder.pending).toBe(2);
    expect(recorder.dropped).toBe(1);
    release();
    await recorder.idle();
    expect(writer.calls.map((c) => c.body.message)).toEqual(['being written', 'two', 'three']);
    expect(await metrics.text()).toContain('openelb_events_total{outcome="dropped",type="Normal"} 1');
  });

  it('stops even while a write never answers, dropping what is queued', async () => {
    const { writer, recorder, metrics } = setup();
    writer.gate = new Promise(() => undefined);
    const ac = new AbortController();
    const running = recorder.start(ac.signal);
    recorder.record(svc, 'Normal', 'R', 'hangs');
    await Promise.resolve();
    recorder.record(svc, 'Normal', 'R', 'queued');
    ac.abort();
    await running;
    expect(recorder.pending).toBe(0);
    expect(await metrics.text()).toContain('openelb_events_total{outcome="dropped",type="Normal"} 1');
  });
});
