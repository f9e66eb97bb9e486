import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/observability/metrics.js';
import { leaderEventSink, leaderMetrics } from '../../src/kube/leader-election-events.js';

function capture(): { log: pino.Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const log = pino({ level: 'debug' }, stream);
  return {
    log,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('leader election events', () => {
  it('become stable log lines and metrics in one place', async () => {
    const metrics = new Metrics();
    const { log, lines } = capture();
    const sink = leaderEventSink(log, leaderMetrics(metrics, 'openelb-system/openelb-manager'));
    const before = await metrics.text();
    expect(before).toContain('openelb_leader_is_leader{lease="openelb-system/openelb-manager"} 0');

    sink({ type: 'started-leading', leaseTransitions: 2 });
    expect(await metrics.text()).toContain(
      'openelb_leader_is_leader{lease="openelb-system/openelb-manager"} 1',
    );
    sink({ type: 'renew-failed', reason: 'HTTP 500: boom', remainingMs: 8000 });
    sink({
      type: 'stopped-leading',
      reason: 'renew-deadline',
      detail: 'no successful renewal within 10000 ms',
    });
    sink({ type: 'leader-task-failed', err: new Error('kaput') });

    const text = await metrics.text();
    expect(text).toContain('openelb_leader_is_leader{lease="openelb-system/openelb-manager"} 0');
    expect(text).toContain(
      'openelb_leader_transitions_total{lease="openelb-system/openelb-manager",direction="started"} 1',
    );
    expect(text).toContain(
      'openelb_leader_transitions_total{lease="openelb-system/openelb-manager",direction="stopped"} 1',
    );
    expect(text).toContain('openelb_leader_renew_failures_total{lease="openelb-system/openelb-manager"} 1');

    const out = lines();
    expect(out.map((l) => [l.event, l.msg])).toEqual([
      ['started-leading', 'became leader'],
      ['renew-failed', 'lease renewal failed'],
      ['stopped-leading', 'lost leadership'],
      ['leader-task-failed', 'leader task failed'],
    ]);
    expect(out[1]).toMatchObject({ reason: 'HTTP 500: boom', remainingMs: 8000 });
    expect(out[2]).toMatchObject({ reason: 'renew-deadline' });
    expect((out[3]?.err as { message?: string }).message).toBe('kaput');
  });
});
