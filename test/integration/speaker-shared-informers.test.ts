// The speaker's shared Service informer holds only Services with the controller's Eip label (the only
// ones either side reads), and follows the label being added and removed.
import { afterEach, describe, expect, it } from 'vitest';
import { CoreV1Api, type V1Service } from '@kubernetes/client-node';
import { LABEL_EIP } from '../../src/api/keys.js';
import { systemClock } from '../../src/kube/clock.js';
import { createSharedSpeakerInformers } from '../../src/speaker/shared-informers.js';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';

let api: LocalApi | undefined;
const stop = new AbortController();

afterEach(async () => {
  stop.abort();
  await api?.stop();
  api = undefined;
});

const service = (name: string, labels: Record<string, string> = {}): V1Service => ({
  metadata: { name, labels },
  spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
});

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
}

describe('shared speaker informers', () => {
  it('watch only Services labelled with an Eip', async () => {
    api = await startLocalApi({ crdDir: null });
    const kc = api.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const namespace = 'default';
    await core.createNamespacedService({ namespace, body: service('labelled', { [LABEL_EIP]: 'pool' }) });
    await core.createNamespacedService({ namespace, body: service('plain') });
    const { services } = createSharedSpeakerInformers(kc, systemClock);
    const running = services.start(stop.signal);
    expect(await services.waitForSync(stop.signal)).toBe(true);
    const names = (): string[] => services.list().map((s) => s.metadata?.name ?? '');
    expect(names()).toEqual(['labelled']);

    const plain = await core.readNamespacedService({ name: 'plain', namespace });
    if (plain.metadata !== undefined) plain.metadata.labels = { [LABEL_EIP]: 'pool' };
    await core.replaceNamespacedService({ name: 'plain', namespace, body: plain });
    await until(() => names().sort().join() === 'labelled,plain');

    const labelled = await core.readNamespacedService({ name: 'labelled', namespace });
    if (labelled.metadata !== undefined) labelled.metadata.labels = {};
    await core.replaceNamespacedService({ name: 'labelled', namespace, body: labelled });
    await until(() => names().join() === 'plain');
    stop.abort();
    await running;
  });
});
