// The contract scenarios of the local API, written once and run through both real clients
// (apiserver-contract-kubectl.test.ts and apiserver-contract-client.test.ts).

import { expect, it } from 'vitest';
import { eventually, type ContractDriver, type Obj, type Ref, type WatchEvent } from './driver.js';

const EIP = { apiVersion: 'network.kubesphere.io/v1alpha2', kind: 'Eip', resource: 'eips' } as const;
const EIPS: Omit<Ref, 'name'> = EIP;

export function eipRef(name: string): Ref {
  return { ...EIP, name };
}

export function eip(name: string, spec: Obj = {}, metadata: Obj = {}): Obj {
  return {
    apiVersion: EIP.apiVersion,
    kind: EIP.kind,
    metadata: { name, ...metadata },
    spec: { address: '192.168.10.0/24', ...spec },
  };
}

function meta(o: Obj | undefined): Obj {
  return (o?.['metadata'] ?? {}) as Obj;
}

function spec(o: Obj | undefined): Obj {
  return (o?.['spec'] ?? {}) as Obj;
}

/** Register every scenario as an `it` in the caller's describe block. */
export function defineContractScenarios(driver: () => ContractDriver): void {
  it('api-resources lists the OpenELB kinds and the core kinds', async () => {
    const names = await driver().apiResources();
    for (const r of [
      'eips.network.kubesphere.io',
      'bgpconfs.network.kubesphere.io',
      'bgppeers.network.kubesphere.io',
      'services',
      'namespaces',
      'nodes',
      'configmaps',
      'secrets',
      'events',
      'leases.coordination.k8s.io',
      'endpointslices.discovery.k8s.io',
      'customresourcedefinitions.apiextensions.k8s.io',
    ]) {
      expect(names, r).toContain(r);
    }
  });

  it('create then get returns the stored object with defaults and server metadata', async () => {
    expect(await driver().create(eip('c-create'))).toEqual({ ok: true });
    const got = await driver().get(eipRef('c-create'));
    expect(spec(got)).toEqual({ address: '192.168.10.0/24', protocol: 'bgp' });
    expect(meta(got)).toMatchObject({ name: 'c-create', generation: 1 });
    expect(meta(got)['uid']).toEqual(expect.any(String));
    expect(meta(got)['resourceVersion']).toMatch(/^\d+$/);
    // client-node turns timestamps into Date objects; kubectl shows the wire format.
    expect(new Date(String(meta(got)['creationTimestamp'] as string | Date)).getTime()).toBeGreaterThan(0);
    const again = await driver().create(eip('c-create'));
    expect(again).toMatchObject({ ok: false, reason: 'AlreadyExists' });
  });

  it('apply creates, then apply again updates (generation bumps on spec change)', async () => {
    expect(await driver().apply(eip('c-apply'))).toEqual({ ok: true });
    expect(spec(await driver().get(eipRef('c-apply')))['disable']).toBeUndefined();
    expect(await driver().apply(eip('c-apply', { disable: true }))).toEqual({ ok: true });
    const got = await driver().get(eipRef('c-apply'));
    expect(spec(got)['disable']).toBe(true);
    expect(meta(got)['generation']).toBe(2);
  });

  it('annotate and label change metadata only, and label selectors see the label', async () => {
    expect(await driver().create(eip('c-meta'))).toEqual({ ok: true });
    expect(
      await driver().annotate(eipRef('c-meta'), 'eip.openelb.kubesphere.io/is-default-eip', 'true'),
    ).toEqual({ ok: true });
    expect(await driver().label(eipRef('c-meta'), 'tier', 'gold')).toEqual({ ok: true });
    const got = await driver().get(eipRef('c-meta'));
    expect(meta(got)['annotations']).toMatchObject({ 'eip.openelb.kubesphere.io/is-default-eip': 'true' });
    expect(meta(got)['labels']).toEqual({ tier: 'gold' });
    expect(meta(got)['generation']).toBe(1);
    expect(await driver().list(EIPS, 'tier=gold')).toEqual(['c-meta']);
    expect(await driver().list(EIPS, 'tier!=gold')).not.toContain('c-meta');
  });

  it('patch --type=merge changes the spec', async () => {
    expect(await driver().create(eip('c-patch'))).toEqual({ ok: true });
    expect(await driver().patchMerge(eipRef('c-patch'), { spec: { priority: 7 } })).toEqual({ ok: true });
    expect(spec(await driver().get(eipRef('c-patch')))).toMatchObject({
      priority: 7,
      address: '192.168.10.0/24',
    });
  });

  it('replace with a stale resourceVersion fails with Conflict; with the current one it succeeds', async () => {
    expect(await driver().create(eip('c-replace'))).toEqual({ ok: true });
    const stale = await driver().get(eipRef('c-replace'));
    expect(await driver().label(eipRef('c-replace'), 'touched', 'yes')).toEqual({ ok: true });
    const conflict = await driver().replace({ ...stale, spec: { ...spec(stale), disable: true } });
    expect(conflict).toMatchObject({ ok: false, reason: 'Conflict' });
    if (!conflict.ok) {
      expect(conflict.message).toContain(
        'Operation cannot be fulfilled on eips.network.kubesphere.io "c-replace": the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    const fresh = await driver().get(eipRef('c-replace'));
    expect(await driver().replace({ ...fresh, spec: { ...spec(fresh), disable: true } })).toEqual({
      ok: true,
    });
    expect(spec(await driver().get(eipRef('c-replace')))['disable']).toBe(true);
  });

  it('delete waits for finalizers: the object lingers with a deletionTimestamp until they are removed', async () => {
    expect(await driver().create(eip('c-final', {}, { finalizers: ['example.com/hold'] }))).toEqual({
      ok: true,
    });
    let done = false;
    const deleting = driver()
      .deleteAndWait(eipRef('c-final'), 15_000)
      .finally(() => (done = true));
    await eventually(async () => {
      expect(meta(await driver().get(eipRef('c-final')))['deletionTimestamp']).toBeTruthy();
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    expect(await driver().patchMerge(eipRef('c-final'), { metadata: { finalizers: null } })).toEqual({
      ok: true,
    });
    expect(await deleting).toEqual({ ok: true });
    expect(await driver().get(eipRef('c-final'))).toBeUndefined();
  });

  it('watch sees existing objects as ADDED, then creates and changes as they happen', async () => {
    expect(await driver().create(eip('c-watch-a'))).toEqual({ ok: true });
    const events: WatchEvent[] = [];
    const w = await driver().watch(EIPS, (e) => events.push(e));
    try {
      await eventually(() => {
        expect(events).toContainEqual({ type: 'ADDED', name: 'c-watch-a' });
      }, 10_000);
      expect(await driver().create(eip('c-watch-b'))).toEqual({ ok: true });
      await eventually(() => {
        expect(events).toContainEqual({ type: 'ADDED', name: 'c-watch-b' });
      }, 10_000);
      expect(await driver().label(eipRef('c-watch-b'), 'seen', 'yes')).toEqual({ ok: true });
      await eventually(() => {
        expect(events).toContainEqual({ type: 'MODIFIED', name: 'c-watch-b' });
      }, 10_000);
    } finally {
      w.stop();
    }
  });

  it('an invalid Eip is rejected as Invalid with the field in the message', async () => {
    const bad = await driver().create(eip('c-bad', { protocol: 'ospf' }));
    expect(bad).toMatchObject({ ok: false, reason: 'Invalid' });
    if (!bad.ok)
      expect(bad.message).toContain(
        'spec.protocol: Unsupported value: "ospf": supported values: "bgp", "layer2", "vip"',
      );
    const l2 = await driver().create(eip('c-bad-l2', { protocol: 'layer2' }));
    expect(l2).toMatchObject({ ok: false, reason: 'Invalid' });
    if (!l2.ok)
      expect(l2.message).toContain(
        'spec.interface: Required value: spec.interface is required when spec.protocol is layer2',
      );
    expect(await driver().get(eipRef('c-bad'))).toBeUndefined();
  });

  it('spec.address is immutable (CEL transition rule)', async () => {
    expect(await driver().create(eip('c-immutable'))).toEqual({ ok: true });
    const r = await driver().patchMerge(eipRef('c-immutable'), { spec: { address: '10.9.0.0/24' } });
    expect(r).toMatchObject({ ok: false, reason: 'Invalid' });
    if (!r.ok)
      expect(r.message).toContain('spec.address: Invalid value: "string": spec.address is immutable');
  });

  it('BgpConf and BgpPeer are created and read back through the storage version', async () => {
    const conf = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpConf',
      metadata: { name: 'default' },
      spec: { as: 64512, listenPort: 17900 },
    };
    const peer = {
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpPeer',
      metadata: { name: 'router' },
      spec: { conf: { peerAs: 64513, neighborAddress: '172.22.0.2' } },
    };
    expect(await driver().apply(conf)).toEqual({ ok: true });
    expect(await driver().apply(peer)).toEqual({ ok: true });
    const ref = { apiVersion: 'network.kubesphere.io/v1alpha1', resource: 'bgpconfs', kind: 'BgpConf' };
    // The KubeSphere console detects OpenELB by listing v1alpha1 bgpconfs.
    expect(await driver().list(ref)).toEqual(['default']);
    const got = await driver().get({ ...ref, apiVersion: 'network.kubesphere.io/v1alpha2', name: 'default' });
    expect(spec(got)).toMatchObject({ as: 64512, listenPort: 17900 });
  });

  it('a LoadBalancer Service gets a cluster IP and node ports', async () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        namespace: 'default',
        annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb' },
      },
      spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] },
    };
    expect(await driver().apply(svc)).toEqual({ ok: true });
    const got = await driver().get({
      apiVersion: 'v1',
      kind: 'Service',
      resource: 'services',
      name: 'web',
      namespace: 'default',
    });
    const s = spec(got);
    expect(s['clusterIP']).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    const ports = s['ports'] as Obj[];
    expect(ports[0]).toMatchObject({ port: 80, protocol: 'TCP', targetPort: 80 });
    expect(ports[0]?.['nodePort']).toEqual(expect.any(Number));
  });

  it('Leases are created and read in a namespace', async () => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'openelb-manager', namespace: 'openelb-system' },
      spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 15, renewTime: '2025-01-01T00:00:00.000000Z' },
    };
    expect(await driver().create(lease)).toEqual({ ok: true });
    const got = await driver().get({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      resource: 'leases',
      name: 'openelb-manager',
      namespace: 'openelb-system',
    });
    expect(spec(got)['holderIdentity']).toBe('pod-a');
  });
}
