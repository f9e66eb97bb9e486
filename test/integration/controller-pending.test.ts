// Pending Services are retried by the periodic pass even when no release wakes them: the level-
// triggered backstop of PendingServices. A short pendingResyncMs keeps the test fast.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPT_IN, startHarness, type Harness } from './controller-harness.js';

let h: Harness;
let running: ReturnType<Harness['start']>;

beforeAll(async () => {
  h = await startHarness();
  running = h.start({ pendingResyncMs: 300 });
});

/** openelb_services_pending{reason} in the controller's registry. */
async function pendingGauge(reason: string): Promise<number | undefined> {
  const metric = (await running.metrics.registry.getMetricsAsJSON()).find(
    (m) => m.name === 'openelb_services_pending',
  );
  return metric?.values.find((v) => v.labels['reason'] === reason)?.value;
}

afterAll(async () => {
  await h.stop();
});

describe('pending Services', () => {
  it('a refusal no release can cure (a holder changing ports makes sharing valid) is retried by the periodic pass', async () => {
    await h.createEip('share', { address: '198.51.100.0/28' });
    const want = { ...OPT_IN, 'eip.openelb.kubesphere.io/v1alpha1': '198.51.100.5' };
    await h.createService('default', 'holder', { annotations: want, ports: [{ port: 80 }] });
    expect(await h.waitForIps('default', 'holder')).toEqual(['198.51.100.5']);
    await h.createService('default', 'late', { annotations: want, ports: [{ port: 80 }] });
    await h.waitForEvent('default', 'late', 'AssignIPFailed', /198\.51\.100\.5/);
    expect(await pendingGauge('IPInUse')).toBe(1);
    // The holder keeps its IP (nothing is released, so nothing wakes `late`) but now uses port 81.
    await h.core.patchNamespacedService({
      namespace: 'default',
      name: 'holder',
      body: [{ op: 'replace', path: '/spec/ports/0/port', value: 81 }],
    });
    expect(await h.waitForIps('default', 'late')).toEqual(['198.51.100.5']);
    expect(await h.ipsOf('default', 'holder')).toEqual(['198.51.100.5']);
    expect(await pendingGauge('IPInUse')).toBe(0);
  });
});
