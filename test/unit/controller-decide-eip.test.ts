import { describe, expect, it } from 'vitest';
import {
  desiredEipStatus,
  eipStatusPatch,
  statusMatches,
  type EipValidity,
} from '../../src/controller/decide-eip.js';
import { eipPools } from '../../src/controller/eip-pools.js';
import type { EipObject, ServiceObject } from '../../src/controller/objects.js';
import { initialServiceOrder, restoreEntries } from '../../src/controller/rebuild.js';
import type { PoolStatus } from '../../src/ipam/index.js';

const NOW = '2024-05-01T10:00:00.000Z';
const LATER = '2024-05-01T11:00:00.000Z';

function pool(over: Partial<PoolStatus> = {}): PoolStatus {
  return {
    eip: 'pool',
    family: 'IPv4',
    v4: true,
    firstIP: '192.0.2.0',
    lastIP: '192.0.2.255',
    size: 256n,
    reserved: 2n,
    nodeAddresses: 0,
    inUse: 1,
    available: 253n,
    occupied: false,
    used: { '192.0.2.1': 'default/web' },
    disabled: false,
    deleting: false,
    revision: 1,
    ...over,
  };
}

const valid: EipValidity = { kind: 'valid' };

describe('desiredEipStatus', () => {
  it("carries OpenELB's counters and two conditions", () => {
    const s = desiredEipStatus(valid, pool(), [], NOW, 3);
    expect(s).toMatchObject({
      poolSize: 256,
      usage: 1,
      used: { '192.0.2.1': 'default/web' },
      firstIP: '192.0.2.0',
      lastIP: '192.0.2.255',
      v4: true,
      occupied: false,
    });
    expect(s.conditions).toEqual([
      {
        type: 'Valid',
        status: 'True',
        reason: 'Valid',
        message: 'the address range parses and overlaps no other Eip',
        lastTransitionTime: NOW,
        observedGeneration: 3,
      },
      {
        type: 'Ready',
        status: 'True',
        reason: 'Available',
        message: 'new Services can get addresses from this Eip',
        lastTransitionTime: NOW,
        observedGeneration: 3,
      },
    ]);
  });

  const readyCases: { desc: string; validity: EipValidity; pool?: PoolStatus; reason: string }[] = [
    { desc: 'disabled', validity: valid, pool: pool({ disabled: true }), reason: 'Disabled' },
    { desc: 'deleting', validity: valid, pool: pool({ deleting: true }), reason: 'Deleting' },
    { desc: 'exhausted', validity: valid, pool: pool({ occupied: true }), reason: 'Exhausted' },
    {
      desc: 'overlap',
      validity: { kind: 'invalid', reason: 'AddressOverlap', message: 'overlaps a' },
      reason: 'Invalid',
    },
  ];
  for (const c of readyCases) {
    it(`Ready is False with reason ${c.reason} when ${c.desc}`, () => {
      const s = desiredEipStatus(c.validity, c.pool, [], NOW, undefined);
      expect(s.conditions.find((x) => x.type === 'Ready')).toMatchObject({
        status: 'False',
        reason: c.reason,
      });
    });
  }

  it('an invalid Eip gets only conditions, with the parse errors as the message', () => {
    const s = desiredEipStatus(
      { kind: 'invalid', reason: 'InvalidSpec', message: 'spec.address: bad' },
      undefined,
      [],
      NOW,
      1,
    );
    expect(s.poolSize).toBeUndefined();
    expect(s.conditions[0]).toMatchObject({
      type: 'Valid',
      status: 'False',
      reason: 'InvalidSpec',
      message: 'spec.address: bad',
    });
  });

  it('keeps lastTransitionTime while a condition status is unchanged', () => {
    const first = desiredEipStatus(valid, pool(), [], NOW, 1);
    const again = desiredEipStatus(valid, pool({ inUse: 2 }), first.conditions, LATER, 1);
    expect(again.conditions.map((c) => c.lastTransitionTime)).toEqual([NOW, NOW]);
    const disabled = desiredEipStatus(valid, pool({ disabled: true }), first.conditions, LATER, 1);
    expect(disabled.conditions.map((c) => c.lastTransitionTime)).toEqual([NOW, LATER]);
  });
});

describe('statusMatches and eipStatusPatch', () => {
  it('matches regardless of map key order and ignores fields we do not own', () => {
    const d = desiredEipStatus(valid, pool({ used: { b: 'x', a: 'y' } }), [], NOW, 1);
    const current = { ...d, used: { a: 'y', b: 'x' }, ready: true };
    expect(statusMatches(d, current)).toBe(true);
    expect(statusMatches(d, { ...current, usage: 9 })).toBe(false);
  });

  it('sends removed IPs as null so the merge patch deletes them', () => {
    const d = desiredEipStatus(valid, pool({ used: { '192.0.2.2': 'ns/b' } }), [], NOW, 1);
    const patch = eipStatusPatch(d, { used: { '192.0.2.1': 'ns/a' } }, { '192.0.2.3': 'ns/c' });
    expect(patch.status['used']).toEqual({ '192.0.2.2': 'ns/b', '192.0.2.1': null, '192.0.2.3': null });
  });

  it('does not match when the shown map has an extra or a missing IP', () => {
    const d = desiredEipStatus(valid, pool({ used: { a: 'x' } }), [], NOW, 1);
    expect(statusMatches(d, { ...d, used: { a: 'x', b: 'y' } })).toBe(false);
    expect(statusMatches(d, { ...d, used: {} })).toBe(false);
    expect(statusMatches(d, { ...d, used: 'garbage' })).toBe(false);
  });

  it('after a write of this term, sends only what differs from the cache or from that write', () => {
    const used = { '192.0.2.1': 'ns/a', '192.0.2.2': 'ns/b', '192.0.2.4': 'ns/d', '192.0.2.5': 'ns/e' };
    const d = desiredEipStatus(valid, pool({ used }), [], NOW, 1);
    const shown = { '192.0.2.1': 'ns/a', '192.0.2.2': 'ns/old', '192.0.2.5': 'ns/e', '192.0.2.9': 'ns/z' };
    // Our last write: .1 and .2 as desired now, .3 (released since); .5 absent (cache is stale).
    const last = { '192.0.2.1': 'ns/a', '192.0.2.2': 'ns/b', '192.0.2.3': 'ns/c' };
    const patch = eipStatusPatch(d, { used: shown }, last);
    expect(patch.status['used']).toEqual({
      '192.0.2.2': 'ns/b', // the cache shows another owner
      '192.0.2.4': 'ns/d', // new
      '192.0.2.5': 'ns/e', // the cache shows it but our last write did not have it
      '192.0.2.3': null,
      '192.0.2.9': null,
    });
  });
});

function eip(name: string, address: string, created: string, extra: Record<string, unknown> = {}): EipObject {
  return {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name, creationTimestamp: created, generation: 1 },
    spec: { address, ...extra },
  };
}

describe('eipPools', () => {
  it('orders valid Eips by creation time and reports invalid ones with their field errors', () => {
    const p = eipPools([
      eip('newer', '192.0.2.0/24', '2024-01-02T00:00:00Z'),
      eip('broken', '192.0.2.300', '2024-01-01T00:00:00Z'),
      eip('older', '198.51.100.0/24', '2024-01-01T00:00:00Z'),
    ]);
    expect(p.valid.map((c) => c.name)).toEqual(['older', 'newer']);
    expect(p.invalid).toHaveLength(1);
    expect(p.invalid[0]?.name).toBe('broken');
    expect(p.invalid[0]?.reason).toMatch(/^spec\.address: /);
  });

  it('mixed families in a range are invalid', () => {
    const p = eipPools([eip('mixed', '192.0.2.1-2001:db8::1', '2024-01-01T00:00:00Z')]);
    expect(p.invalid[0]?.reason).toMatch(/mixes families/);
  });

  it('the signature ignores status and resourceVersion but sees spec, default and deletion changes', () => {
    const a = eip('a', '192.0.2.0/24', '2024-01-01T00:00:00Z');
    const base = eipPools([a]).signature;
    expect(
      eipPools([{ ...a, status: { usage: 3 }, metadata: { ...a.metadata, resourceVersion: '9' } }]).signature,
    ).toBe(base);
    expect(eipPools([{ ...a, spec: { ...a.spec, disable: true } }]).signature).not.toBe(base);
    expect(
      eipPools([
        {
          ...a,
          metadata: { ...a.metadata, annotations: { 'eip.openelb.kubesphere.io/is-default-eip': 'true' } },
        },
      ]).signature,
    ).not.toBe(base);
    expect(
      eipPools([{ ...a, metadata: { ...a.metadata, deletionTimestamp: '2024-02-01T00:00:00Z' } }]).signature,
    ).not.toBe(base);
  });
});

function service(
  name: string,
  created: string,
  o: { ingress?: string[]; annotations?: Record<string, string>; labels?: Record<string, string> } = {},
): ServiceObject {
  return {
    metadata: {
      name,
      namespace: 'ns',
      creationTimestamp: created,
      annotations: o.annotations ?? { 'lb.kubesphere.io/v1alpha1': 'openelb' },
      ...(o.labels === undefined ? {} : { labels: o.labels }),
    },
    spec: { type: 'LoadBalancer' },
    status: { loadBalancer: { ingress: (o.ingress ?? []).map((ip) => ({ ip })) } },
  };
}

describe('rebuild', () => {
  const services = [
    service('pending-old', '2024-01-01T00:00:00Z'),
    service('held-new', '2024-01-03T00:00:00Z', { ingress: ['192.0.2.2'] }),
    service('held-old', '2024-01-02T00:00:00Z', { ingress: ['192.0.2.1'] }),
    service('metallb', '2024-01-01T00:00:00Z', { ingress: ['203.0.113.1'], annotations: {} }),
    service('opted-out', '2024-01-01T00:00:00Z', {
      ingress: ['192.0.2.9'],
      annotations: {},
      labels: { 'eip.openelb.kubesphere.io/v1alpha2': 'pool' },
    }),
  ];

  it('restores every Service of ours that holds IPs, oldest first, and skips other controllers', () => {
    const entries = restoreEntries(services, () => ({}));
    expect(entries.map((e) => e.request.name)).toEqual(['opted-out', 'held-old', 'held-new']);
    expect(entries[1]?.ips).toEqual([{ family: 'IPv4', value: 0xc0000201n }]);
  });

  it('a Service with unreadable annotations is still restored (with a bare request)', () => {
    const bad = service('bad', '2024-01-01T00:00:00Z', {
      ingress: ['192.0.2.5'],
      annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb', 'eip.openelb.kubesphere.io/v1alpha1': 'nope' },
    });
    const [entry] = restoreEntries([bad], () => ({}));
    expect(entry?.request.requestedIps).toEqual([]);
    expect(entry?.ips).toHaveLength(1);
  });

  it('processes assigned Services first', () => {
    expect(initialServiceOrder(services)).toEqual([
      'ns/metallb',
      'ns/opted-out',
      'ns/held-old',
      'ns/held-new',
      'ns/pending-old',
    ]);
  });
});
