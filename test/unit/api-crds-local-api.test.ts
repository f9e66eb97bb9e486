// The generated CRDs, installed in the local Kubernetes API (test/lab/apiserver), accept what OpenELB
// users write and reject what the schemas and CEL rules forbid; what the API accepts, the parsers accept.
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBgpConf } from '../../src/api/parse/bgpconf.js';
import { parseBgpPeer } from '../../src/api/parse/bgppeer.js';
import { parseEip } from '../../src/api/parse/eip.js';
import { startLocalApi, type LocalApi } from '../lab/apiserver/index.js';

const group = 'network.kubesphere.io';
let api: LocalApi;
let client: CustomObjectsApi;

beforeAll(async () => {
  api = await startLocalApi({ port: 0, now: () => new Date('2025-01-01T00:00:00Z') });
  client = api.kubeConfig().makeApiClient(CustomObjectsApi);
});

afterAll(async () => {
  await api.stop();
});

type Obj = Record<string, unknown>;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

const create = (plural: string, body: Obj, version = 'v1alpha2'): Promise<Obj> =>
  client.createClusterCustomObject({ group, version, plural, body }) as Promise<Obj>;

/** Run `fn`, expect an ApiException with `code`, return its body text. */
async function rejected(fn: () => Promise<unknown>, code = 422): Promise<string> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiException);
    const err = e as ApiException<unknown>;
    expect(err.code).toBe(code);
    return typeof err.body === 'string' ? err.body : JSON.stringify(err.body);
  }
  throw new Error('expected the API to reject the request');
}

const eip = (name: string, spec: Obj, version = 'v1alpha2'): Obj => ({
  apiVersion: `${group}/${version}`,
  kind: 'Eip',
  metadata: { name },
  spec,
});

describe('Eip CRD on the local API', () => {
  it('accepts an OpenELB Eip, defaults protocol to bgp, and the parser accepts what was stored', async () => {
    const created = await create('eips', eip('pool-a', { address: '192.0.2.0/24' }));
    expect(created.spec).toMatchObject({ protocol: 'bgp' });
    const parsed = parseEip(created);
    expect(parsed.ok).toBe(true);
  });

  it('rejects protocol "foo"', async () => {
    const body = await rejected(() =>
      create('eips', eip('pool-foo', { address: '192.0.2.1', protocol: 'foo' })),
    );
    expect(body).toContain('spec.protocol');
    expect(body).toContain('foo');
  });

  it('rejects a layer2 Eip without interface (CEL rule)', async () => {
    const body = await rejected(() =>
      create('eips', eip('pool-l2', { address: '192.0.2.2', protocol: 'layer2' })),
    );
    expect(body).toContain('spec.interface is required when spec.protocol is layer2 or vip');
  });

  it('accepts layer2 with can_reach', async () => {
    const created = await create(
      'eips',
      eip('pool-l2-ok', { address: '192.0.2.3', protocol: 'layer2', interface: 'can_reach:192.0.2.254' }),
    );
    expect(parseEip(created).ok).toBe(true);
  });

  it('makes spec.address immutable, while other fields may change', async () => {
    await create('eips', eip('pool-imm', { address: '198.51.100.0/28' }));
    const body = await rejected(() =>
      client.patchClusterCustomObject(
        {
          group,
          version: 'v1alpha2',
          plural: 'eips',
          name: 'pool-imm',
          body: { spec: { address: '198.51.100.16/28' } },
        },
        mergePatch,
      ),
    );
    expect(body).toContain('spec.address is immutable: create a new Eip instead');
    const patched = (await client.patchClusterCustomObject(
      {
        group,
        version: 'v1alpha2',
        plural: 'eips',
        name: 'pool-imm',
        body: { spec: { disable: true } },
      },
      mergePatch,
    )) as Obj;
    expect(patched.spec).toMatchObject({ address: '198.51.100.0/28', disable: true });
  });

  it('serves v1alpha1 and enforces its IPv4 pattern', async () => {
    await create(
      'eips',
      eip('legacy', { address: '203.0.113.1-203.0.113.9', protocol: 'layer2' }, 'v1alpha1'),
      'v1alpha1',
    );
    await rejected(() => create('eips', eip('legacy6', { address: '2001:db8::1' }, 'v1alpha1'), 'v1alpha1'));
  });
});

describe('BgpConf and BgpPeer CRDs on the local API', () => {
  it('the KubeSphere console detection (list v1alpha1 bgpconfs) succeeds', async () => {
    const list = (await client.listClusterCustomObject({
      group,
      version: 'v1alpha1',
      plural: 'bgpconfs',
    })) as Obj;
    expect(Array.isArray(list.items)).toBe(true);
  });

  it('accepts the OpenELB docs BgpConf and rejects ASN 0', async () => {
    const created = await create('bgpconfs', {
      apiVersion: `${group}/v1alpha2`,
      kind: 'BgpConf',
      metadata: { name: 'default' },
      spec: { as: 50001, listenPort: 17900, routerId: '' },
    });
    expect(parseBgpConf(created).ok).toBe(true);
    const body = await rejected(() =>
      create('bgpconfs', {
        apiVersion: `${group}/v1alpha2`,
        kind: 'BgpConf',
        metadata: { name: 'zero' },
        spec: { as: 0 },
      }),
    );
    expect(body).toContain('spec.as');
  });

  it('accepts timers as strings or numbers, rejects "90s"', async () => {
    const peer = (name: string, timers: Obj): Obj => ({
      apiVersion: `${group}/v1alpha2`,
      kind: 'BgpPeer',
      metadata: { name },
      spec: { conf: { peerAs: 65001, neighborAddress: '192.0.2.254' }, timers: { config: timers } },
    });
    const created = await create('bgppeers', peer('tor-1', { holdTime: '90', keepaliveInterval: 30 }));
    const parsed = parseBgpPeer(created);
    expect(parsed.ok && parsed.value.timers).toMatchObject({ holdTime: 90, keepaliveInterval: 30 });
    const body = await rejected(() => create('bgppeers', peer('tor-2', { holdTime: '90s' })));
    expect(body).toContain('spec.timers.config.holdTime');
  });

  it('rejects authPassword together with authPasswordSecretRef (CEL rule)', async () => {
    const body = await rejected(() =>
      create('bgppeers', {
        apiVersion: `${group}/v1alpha2`,
        kind: 'BgpPeer',
        metadata: { name: 'tor-3' },
        spec: {
          conf: {
            peerAs: 65001,
            neighborAddress: '192.0.2.254',
            authPassword: 'x',
            authPasswordSecretRef: { name: 'bgp', key: 'password' },
          },
        },
      }),
    );
    expect(body).toContain('set either authPassword or authPasswordSecretRef, not both');
  });

  it('rejects a nodeSelector In requirement without values (CEL rule)', async () => {
    const body = await rejected(() =>
      create('bgppeers', {
        apiVersion: `${group}/v1alpha2`,
        kind: 'BgpPeer',
        metadata: { name: 'tor-4' },
        spec: {
          conf: { peerAs: 65001, neighborAddress: '192.0.2.254' },
          nodeSelector: { matchExpressions: [{ key: 'rack', operator: 'In' }] },
        },
      }),
    );
    expect(body).toContain('values must be non-empty for In and NotIn');
  });
});
