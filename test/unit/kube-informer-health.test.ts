import { describe, it, expect } from 'vitest';
import { pino } from 'pino';
import { createInformerHealthSink, type InformerHealthEvent } from '../../src/kube/informer-health.js';
import { Metrics } from '../../src/observability/metrics.js';
import { queueMetrics } from '../../src/kube/queue-metrics.js';

function capture(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { logger, lines };
}

describe('informer health sink', () => {
  it('turns events into logs with stable keys and into metrics', async () => {
    const { logger, lines } = capture();
    const metrics = new Metrics();
    const sink = createInformerHealthSink({ logger, metrics });
    const at = 1_700_000_000_000;
    const events: InformerHealthEvent[] = [
      { type: 'Synced', resource: 'services', at, reason: 'initial', objects: 3, resourceVersion: '10' },
      { type: 'Connected', resource: 'services', at, resourceVersion: '10' },
      {
        type: 'WatchError',
        resource: 'services',
        at,
        phase: 'watch',
        reason: 'http_500',
        status: 500,
        err: 'boom',
      },
      { type: 'Backoff', resource: 'services', at: at + 2000, delayMs: 1000, attempt: 1, reason: 'http_500' },
      { type: 'Relisting', resource: 'services', at: at + 3000, reason: 'gone' },
    ];
    for (const e of events) sink(e);

    expect(lines.map((l) => l.event)).toEqual([
      'informer_synced',
      'informer_connected',
      'informer_watch_error',
      'informer_backoff',
      'informer_relisting',
    ]);
    expect(lines[2]).toMatchObject({
      level: 40,
      resource: 'services',
      reason: 'http_500',
      err: 'boom',
      status: 500,
    });
    expect(lines[3]).toMatchObject({ resource: 'services', reason: 'http_500', delayMs: 1000, attempt: 1 });

    const text = await metrics.text();
    expect(text).toContain('openelb_informer_synced{resource="services"} 1');
    expect(text).toContain('openelb_informer_watch_connected{resource="services"} 0');
    expect(text).toContain('openelb_informer_restarts_total{resource="services",reason="http_500"} 1');
    expect(text).toContain('openelb_informer_restarts_total{resource="services",reason="gone"} 1');
    expect(text).toContain('openelb_informer_events_total{resource="services",type="Backoff"} 1');
    expect(text).toContain('openelb_informer_last_event_timestamp_seconds{resource="services"} 1700000003');
  });

  it('shares metric families between several sinks on one registry', async () => {
    const metrics = new Metrics();
    const a = createInformerHealthSink({ logger: pino({ level: 'silent' }), metrics });
    const b = createInformerHealthSink({ logger: pino({ level: 'silent' }), metrics });
    a({ type: 'Connected', resource: 'services', at: 0, resourceVersion: '1' });
    b({ type: 'Connected', resource: 'eips', at: 0, resourceVersion: '1' });
    const text = await metrics.text();
    expect(text).toContain('openelb_informer_watch_connected{resource="services"} 1');
    expect(text).toContain('openelb_informer_watch_connected{resource="eips"} 1');
  });
});

describe('Metrics', () => {
  it('returns the same metric for the same name and refuses a different kind', () => {
    const metrics = new Metrics();
    const c1 = metrics.counter({ name: 'openelb_test_total', help: 'h', labelNames: ['x'] });
    const c2 = metrics.counter({ name: 'openelb_test_total', help: 'h', labelNames: ['x'] });
    expect(c1).toBe(c2);
    expect(() => metrics.gauge({ name: 'openelb_test_total', help: 'h' })).toThrow(/different type/);
  });

  it('keeps registries apart and can add process metrics', async () => {
    const a = new Metrics();
    const b = new Metrics({ processMetrics: true });
    a.counter({ name: 'openelb_only_in_a_total', help: 'h' }).inc();
    expect(await b.text()).not.toContain('openelb_only_in_a_total');
    expect(await b.text()).toContain('openelb_process_cpu_seconds_total');
    expect(a.contentType).toMatch(/^text\/plain/);
  });

  it('exposes work queue metrics with client-go names', async () => {
    const metrics = new Metrics();
    const q = queueMetrics(metrics, 'services');
    q.added();
    q.depth(4);
    q.retried();
    q.waited(250);
    q.processed(1500, 'retry');
    const text = await metrics.text();
    expect(text).toContain('openelb_workqueue_adds_total{name="services"} 1');
    expect(text).toContain('openelb_workqueue_depth{name="services"} 4');
    expect(text).toContain('openelb_workqueue_retries_total{name="services"} 1');
    expect(text).toContain('openelb_workqueue_queue_duration_seconds_sum{name="services"} 0.25');
    expect(text).toContain(
      'openelb_workqueue_work_duration_seconds_count{name="services",outcome="retry"} 1',
    );
  });
});
