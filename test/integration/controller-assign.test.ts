// The controller against the local Kubernetes API: assignment, release, sharing, dual-stack, Eip
// selection, Eip deletion moving Services, disabled Eips. One API per file, fresh names per test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, OPT_IN, startHarness, type Harness } from './controller-harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  h.start();
});

afterAll(async () => {
  await h.stop();
});

const FINALIZER = 'finalizer.lb.kubesphere.io/v1alpha1';
const LABEL = 'eip.openelb.kubesphere.io/v1alpha2';

describe('assign and release', () => {
  it('gives a pinned Service an IP with label, finalizer, AssignIP Event and Eip status', async () => {
    await h.createEip('pool-a', { address: '192.0.2.0/28' });
    await h.createService('default', 'web', { annotations: { ...OPT_IN, [LABEL]: 'pool-a' } });
    const [ip] = await h.waitForIps('default', 'web');
    expect(ip).toMatch(/^192\.0\.2\.(\d+)$/);
    const svc = await h.service('default', 'web');
    expect(svc?.metadata?.labels?.[LABEL]).toBe('pool-a');
    expect(svc?.metadata?.finalizers).toContain(FINALIZER);
    expect(await h.waitForEvent('default', 'web', 'AssignIP', /from Eip pool-a/)).toContain(ip);
    await eventually('Eip status shows the IP', async () => {
      const e = await h.eip('pool-a');
      return (
        e?.status?.['usage'] === 1 && (e.status['used'] as Record<string, string>)[ip!] === 'default/web'
      );
    });
    const status = (await h.eip('pool-a'))?.status ?? {};
    expect(status).toMatchObject({
      poolSize: 16,
      firstIP: '192.0.2.0',
      lastIP: '192.0.2.15',
      v4: true,
      occupied: false,
    });
    expect(status['conditions']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Ready', status: 'True', reason: 'Available' }),
      ]),
    );
    const eip = await h.eip('pool-a');
    expect(eip?.metadata?.finalizers).toContain('finalizer.ipam.kubesphere.io/v1alpha1');
  });

  it('releases when every annotation is removed (the OpenELB leak) and frees the Eip entry', async () => {
    await h.createEip('pool-b', { address: '192.0.2.16/28' });
    await h.createService('default', 'bare', { annotations: { ...OPT_IN, [LABEL]: 'pool-b' } });
    const [ip] = await h.waitForIps('default', 'bare');
    await h.core.patchNamespacedService({
      namespace: 'default',
      name: 'bare',
      body: [{ op: 'remove', path: '/metadata/annotations' }],
    });
    await eventually('ingress cleared', async () => (await h.ipsOf('default', 'bare')).length === 0);
    const svc = await h.service('default', 'bare');
    expect(svc?.metadata?.labels?.[LABEL]).toBeUndefined();
    expect(svc?.metadata?.finalizers ?? []).not.toContain(FINALIZER);
    expect(await h.waitForEvent('default', 'bare', 'ReleaseIP')).toContain(ip);
    await eventually('Eip usage back to 0', async () => (await h.eip('pool-b'))?.status?.['usage'] === 0);
  });

  it('releases on a type change and on deletion (finalizer removed, object gone)', async () => {
    await h.createEip('pool-c', { address: '192.0.2.32/28' });
    await h.createService('default', 'typed', { annotations: { ...OPT_IN, [LABEL]: 'pool-c' } });
    await h.createService('default', 'doomed', { annotations: { ...OPT_IN, [LABEL]: 'pool-c' } });
    await h.waitForIps('default', 'typed');
    await h.waitForIps('default', 'doomed');
    await h.core.patchNamespacedService({
      namespace: 'default',
      name: 'typed',
      body: [{ op: 'replace', path: '/spec/type', value: 'ClusterIP' }],
    });
    await h.core.deleteNamespacedService({ namespace: 'default', name: 'doomed' });
    await eventually('typed released', async () => (await h.ipsOf('default', 'typed')).length === 0);
    await eventually('doomed gone', async () => (await h.service('default', 'doomed')) === undefined);
    await eventually('pool-c empty', async () => (await h.eip('pool-c'))?.status?.['usage'] === 0);
  });

  it('a released IP is not handed out again at once', async () => {
    await h.createEip('pool-d', { address: '192.0.2.48/29' });
    await h.createService('default', 'first', { annotations: { ...OPT_IN, [LABEL]: 'pool-d' } });
    const [first] = await h.waitForIps('default', 'first');
    await h.core.deleteNamespacedService({ namespace: 'default', name: 'first' });
    await eventually('first gone', async () => (await h.service('default', 'first')) === undefined);
    await h.createService('default', 'second', { annotations: { ...OPT_IN, [LABEL]: 'pool-d' } });
    const [second] = await h.waitForIps('default', 'second');
    expect(second).not.toBe(first);
  });

  it('a release wakes the Services waiting for it: a full Eip and a requested IP in use', async () => {
    // 192.0.2.64/31: two addresses, both handed out automatically (no network/broadcast in a /31).
    await h.createEip('pool-w', { address: '192.0.2.64/31' });
    const pinned = { ...OPT_IN, [LABEL]: 'pool-w' };
    await h.createService('default', 'w1', { annotations: pinned });
    await h.createService('default', 'w2', { annotations: pinned });
    const [ip1] = await h.waitForIps('default', 'w1');
    await h.waitForIps('default', 'w2');
    await h.createService('default', 'w-wants', {
      annotations: { ...pinned, 'eip.openelb.kubesphere.io/v1alpha1': ip1! },
    });
    await h.waitForEvent('default', 'w-wants', 'AssignIPFailed', /default\/w1/);
    await h.core.deleteNamespacedService({ namespace: 'default', name: 'w1' });
    expect(await h.waitForIps('default', 'w-wants')).toEqual([ip1]);
    await h.createService('default', 'w-full', { annotations: pinned });
    await h.waitForEvent('default', 'w-full', 'AssignIPFailed', /no free/);
    await h.core.deleteNamespacedService({ namespace: 'default', name: 'w2' });
    expect(await h.waitForIps('default', 'w-full')).toHaveLength(1);
  });
});

describe('selection', () => {
  it('namespace-bound Eip by workspace label beats the default Eip; other namespaces get the default', async () => {
    await h.createEip('ws-pool', {
      address: '198.51.100.0/28',
      namespaceSelector: { 'kubesphere.io/workspace': 'ws1' },
    });
    await h.createEip(
      'fallback',
      { address: '198.51.100.16/28' },
      { 'eip.openelb.kubesphere.io/is-default-eip': 'true' },
    );
    await h.createNamespace('project-1', { 'kubesphere.io/workspace': 'ws1' });
    await h.createNamespace('project-2');
    await h.createService('project-1', 'app', {});
    await h.createService('project-2', 'app', {});
    expect((await h.waitForIps('project-1', 'app'))[0]).toMatch(/^198\.51\.100\.([0-9]|1[0-5])$/);
    expect((await h.waitForIps('project-2', 'app'))[0]).toMatch(/^198\.51\.100\.(1[6-9]|2\d|3[01])$/);
  });

  it('loadBalancerClass opts in without the annotation; another class is left alone', async () => {
    await h.createNamespace('classes');
    await h.createEip('class-pool', { address: '198.51.100.64/28', namespaces: ['classes'] });
    await h.createService('classes', 'ours', {
      annotations: {},
      loadBalancerClass: 'openelb.kubesphere.io/lb',
    });
    await h.createService('classes', 'theirs', {
      annotations: OPT_IN,
      loadBalancerClass: 'example.com/other',
    });
    await h.waitForIps('classes', 'ours');
    await new Promise((r) => setTimeout(r, 300));
    const theirs = await h.service('classes', 'theirs');
    expect(theirs?.status?.loadBalancer?.ingress ?? []).toEqual([]);
    expect(theirs?.metadata?.finalizers ?? []).toEqual([]);
  });

  it('requested IP: annotation wins over spec.loadBalancerIP', async () => {
    await h.createEip('req-pool', { address: '198.51.100.80/28' });
    await h.createService('default', 'req', {
      annotations: { ...OPT_IN, 'eip.openelb.kubesphere.io/v1alpha1': '198.51.100.90' },
      loadBalancerIP: '198.51.100.91',
    });
    expect(await h.waitForIps('default', 'req')).toEqual(['198.51.100.90']);
  });
});

describe('sharing and dual-stack', () => {
  it('two Services share an explicitly requested IP when their ports differ; an overlap is refused', async () => {
    await h.createEip('share-pool', { address: '198.51.100.96/28' });
    const want = { ...OPT_IN, 'eip.openelb.kubesphere.io/v1alpha1': '198.51.100.100' };
    await h.createService('default', 'dns-udp', {
      annotations: want,
      ports: [{ port: 53, protocol: 'UDP' }],
    });
    await h.createService('default', 'dns-tcp', {
      annotations: want,
      ports: [{ port: 53, protocol: 'TCP' }],
    });
    expect(await h.waitForIps('default', 'dns-udp')).toEqual(['198.51.100.100']);
    expect(await h.waitForIps('default', 'dns-tcp')).toEqual(['198.51.100.100']);
    await h.createService('default', 'dns-clash', {
      annotations: want,
      ports: [{ port: 53, protocol: 'UDP' }],
    });
    const msg = await h.waitForEvent('default', 'dns-clash', 'AssignIPFailed');
    expect(msg).toMatch(/198\.51\.100\.100/);
    expect(await h.ipsOf('default', 'dns-clash')).toEqual([]);
    await eventually('shared entry in Eip status', async () => {
      const used = (await h.eip('share-pool'))?.status?.['used'] as Record<string, string> | undefined;
      const v = used?.['198.51.100.100'] ?? '';
      return v.split(';').sort().join(';') === 'default/dns-tcp;default/dns-udp';
    });
  });

  it('RequireDualStack gets one IP per family in spec.ipFamilies order', async () => {
    await h.createNamespace('dual');
    await h.createEip('dual-v4', { address: '192.0.2.200-192.0.2.210', namespaces: ['dual'] });
    await h.createEip('dual-v6', { address: '2001:db8:1::/64', namespaces: ['dual'] });
    await h.createService('dual', 'both', {
      ipFamilies: ['IPv6', 'IPv4'],
      ipFamilyPolicy: 'RequireDualStack',
    });
    const ips = await h.waitForIps('dual', 'both', 2);
    expect(ips[0]).toMatch(/^2001:db8:1::/);
    expect(ips[1]).toMatch(/^192\.0\.2\.2\d\d$/);
  });
});

describe('Eip lifecycle', () => {
  it('deleting an Eip moves its Services to another Eip, each with an Event, then the Eip goes', async () => {
    await h.createNamespace('moving');
    await h.createEip('old-pool', { address: '203.0.113.0/28', namespaces: ['moving'], priority: 1 });
    await h.createService('moving', 'a', {});
    await h.createService('moving', 'b', {});
    const [a] = await h.waitForIps('moving', 'a');
    await h.waitForIps('moving', 'b');
    expect(a).toMatch(/^203\.0\.113\.([0-9]|1[0-5])$/);
    await h.createEip('new-pool', { address: '203.0.113.16/28', namespaces: ['moving'], priority: 5 });
    await h.deleteEip('old-pool');
    for (const name of ['a', 'b']) {
      await eventually(`${name} moved`, async () =>
        /^203\.0\.113\.(1[6-9]|2\d|3[01])$/.test((await h.ipsOf('moving', name))[0] ?? ''),
      );
      expect(await h.waitForEvent('moving', name, 'ReleaseIP', /old-pool, being deleted/)).toMatch(
        /moved to Eip new-pool/,
      );
      expect((await h.service('moving', name))?.metadata?.labels?.[LABEL]).toBe('new-pool');
    }
    await eventually('old-pool deleted', async () => (await h.eip('old-pool')) === undefined);
  });

  it('a disabled Eip keeps existing IPs but hands out no new ones', async () => {
    await h.createNamespace('disabling');
    await h.createEip('dis-pool', { address: '203.0.113.64/28', namespaces: ['disabling'] });
    await h.createService('disabling', 'kept', {});
    const [kept] = await h.waitForIps('disabling', 'kept');
    await h.patchEip('dis-pool', { spec: { disable: true } });
    await eventually('Ready=False Disabled', async () => {
      const conds = ((await h.eip('dis-pool'))?.status?.['conditions'] ?? []) as {
        type: string;
        reason: string;
      }[];
      return conds.some((c) => c.type === 'Ready' && c.reason === 'Disabled');
    });
    await h.createService('disabling', 'late', { annotations: { ...OPT_IN, [LABEL]: 'dis-pool' } });
    await h.waitForEvent('disabling', 'late', 'AssignIPFailed');
    expect(await h.ipsOf('disabling', 'late')).toEqual([]);
    expect(await h.ipsOf('disabling', 'kept')).toEqual([kept]);
  });
});
