// Every metric a role registers is documented in docs/metrics.md, and every metric the Grafana
// dashboard or the PrometheusRule in deploy/monitoring/ queries is one that some role registers: a
// renamed metric breaks this test instead of silently emptying a panel or disarming an alert.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { controllerMetrics } from '../../src/controller/metrics.js';
import { EventRecorder } from '../../src/kube/events.js';
import { createInformerHealthSink } from '../../src/kube/informer-health.js';
import { leaderMetrics } from '../../src/kube/leader-election-events.js';
import { queueMetrics } from '../../src/kube/queue-metrics.js';
import { silentLogger } from '../../src/observability/logger.js';
import { buildInfo, Metrics } from '../../src/observability/metrics.js';
import { layer2Metrics, speakerMetrics } from '../../src/speaker/metrics.js';

/** The names every role registers (process metrics excluded: they come from prom-client). */
async function registeredNames(): Promise<Set<string>> {
  const m = new Metrics();
  buildInfo(m, 'controller', '0.0.0');
  controllerMetrics(m);
  speakerMetrics(m);
  layer2Metrics(m);
  queueMetrics(m, 'any');
  createInformerHealthSink({ logger: silentLogger(), metrics: m });
  leaderMetrics(m, 'ns/lease');
  new EventRecorder({
    writer: { create: () => Promise.resolve(), patch: () => Promise.resolve() } as never,
    metrics: m,
  });
  const json = await m.registry.getMetricsAsJSON();
  return new Set(json.map((x) => x.name));
}

/** Metric names in a PromQL expression; histogram series suffixes map to the family name. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\bopenelb_[a-z0-9_]+/g)].map((x) => x[0].replace(/_(bucket|sum|count)$/, ''));
}

const repo = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('metrics documentation and monitoring', () => {
  it('documents every registered metric in docs/metrics.md, and nothing that is not registered', async () => {
    const names = await registeredNames();
    const documented = new Set(
      [...repo('docs/metrics.md').matchAll(/^\| `(openelb_[a-z0-9_]+)`/gm)].map((x) => x[1] ?? ''),
    );
    expect([...names].filter((n) => !documented.has(n)).sort()).toEqual([]);
    expect([...documented].filter((n) => !names.has(n)).sort()).toEqual([]);
  });

  it('alerts only on registered metrics, each with a severity, a summary and a fix', async () => {
    const names = await registeredNames();
    const rule = parse(repo('deploy/monitoring/prometheus-rules.yaml')) as {
      apiVersion: string;
      kind: string;
      spec: { groups: { name: string; rules: Record<string, unknown>[] }[] };
    };
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.kind).toBe('PrometheusRule');
    const rules = rule.spec.groups.flatMap((g) => g.rules);
    const alerts = rules.map((r) => r['alert']);
    for (const wanted of [
      'OpenELBEipUsage75',
      'OpenELBEipUsage85',
      'OpenELBEipUsage95',
      'OpenELBEipExhausted',
      'OpenELBBgpSessionDown',
      'OpenELBNoLeader',
      'OpenELBSpeakerLeaseLost',
      'OpenELBGobgpUnreachable',
    ])
      expect(alerts).toContain(wanted);
    for (const r of rules) {
      const expr = String(r['expr']);
      const used = metricsIn(expr);
      expect(used.length, `${String(r['alert'])} queries no openelb metric`).toBeGreaterThan(0);
      for (const name of used) expect(names, `${String(r['alert'])}: ${name}`).toContain(name);
      const labels = r['labels'] as Record<string, string>;
      expect(['info', 'warning', 'critical']).toContain(labels['severity']);
      const annotations = r['annotations'] as Record<string, string>;
      expect(annotations['summary']).toBeTruthy();
      expect(annotations['description']?.length ?? 0).toBeGreaterThan(60);
    }
  });

  it('builds every dashboard panel from registered metrics', async () => {
    const names = await registeredNames();
    const dashboard = JSON.parse(repo('deploy/monitoring/grafana-dashboard.json')) as {
      title: string;
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join('\n');
    for (const topic of ['pool usage', 'allocation', 'announcer', 'bgp session', 'failover'])
      expect(titles).toContain(topic);
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const used = metricsIn(target.expr);
        expect(used.length, panel.title).toBeGreaterThan(0);
        for (const name of used) expect(names, `${panel.title}: ${name}`).toContain(name);
      }
    }
  });
});
