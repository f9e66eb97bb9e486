import { describe, expect, it } from 'vitest';
import { FINALIZER_LB, LABEL_EIP } from '../../src/api/keys.js';
import { planService, type AllocatorOutcome } from '../../src/controller/decide-service.js';
import type { ServiceObject } from '../../src/controller/objects.js';
import type { ServiceIntent } from '../../src/controller/service-intent.js';
import { parseIp } from '../../src/ip/address.js';
import type { AllocatedIp, Allocation, AssignResult } from '../../src/ipam/index.js';

function ip(address: string, eip = 'pool', explicit = false): AllocatedIp {
  const parsed = parseIp(address);
  if (!parsed.ok) throw new Error(parsed.error);
  return { ip: parsed.value, address, eip, explicit };
}

function alloc(...ips: AllocatedIp[]): Allocation {
  return { service: 'default/web', eip: ips[0]?.eip ?? '', ips };
}

function svc(
  o: { ingress?: string[]; label?: string; finalizers?: string[]; deleting?: boolean } = {},
): ServiceObject {
  return {
    metadata: {
      name: 'web',
      namespace: 'default',
      resourceVersion: '7',
      ...(o.label === undefined ? {} : { labels: { [LABEL_EIP]: o.label } }),
      finalizers: o.finalizers ?? [],
      ...(o.deleting === true ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: { type: 'LoadBalancer' },
    status: { loadBalancer: { ingress: (o.ingress ?? []).map((x) => ({ ip: x })) } },
  };
}

const allocate: ServiceIntent = {
  kind: 'allocate',
  request: {
    namespace: 'default',
    name: 'web',
    namespaceLabels: {},
    pinnedEips: [],
    requestedIps: [],
    ipFamilies: [],
    ipFamilyPolicy: undefined,
    ports: [],
  },
};

function assigned(a: Allocation, extra: Partial<Extract<AssignResult, { ok: true }>> = {}): AllocatorOutcome {
  return {
    kind: 'assigned',
    result: { ok: true, allocation: a, changed: true, released: [], reasons: [], missing: [], ...extra },
  };
}

describe('planService', () => {
  it('a new allocation writes label and finalizer first, then the status, and records AssignIP', () => {
    const p = planService(svc(), allocate, assigned(alloc(ip('192.0.2.1'))));
    expect(p.metadata).toEqual({ label: 'pool', finalizers: [FINALIZER_LB] });
    expect(p.ingress).toEqual([{ ip: '192.0.2.1' }]);
    expect(p.statusFirst).toBe(false);
    expect(p.events).toEqual([
      { type: 'Normal', reason: 'AssignIP', message: 'Assigned IP 192.0.2.1 from Eip pool' },
    ]);
    expect(p.pending).toBe(false);
  });

  it('is idempotent: a Service already showing its allocation needs no write and no Event', () => {
    const s = svc({ ingress: ['192.0.2.1'], label: 'pool', finalizers: [FINALIZER_LB] });
    const p = planService(s, allocate, assigned(alloc(ip('192.0.2.1')), { changed: false }));
    expect(p.ingress).toBeUndefined();
    expect(p.metadata).toBeUndefined();
    expect(p.events).toEqual([]);
  });

  it('keeps other finalizers when adding ours', () => {
    const p = planService(svc({ finalizers: ['other/x'] }), allocate, assigned(alloc(ip('192.0.2.1'))));
    expect(p.metadata?.finalizers).toEqual(['other/x', FINALIZER_LB]);
  });

  it('compares IPs canonically (an IPv6 written long-hand is the same IP)', () => {
    const s = svc({ ingress: ['2001:DB8:0:0::1'], label: 'v6', finalizers: [FINALIZER_LB] });
    const p = planService(s, allocate, assigned(alloc(ip('2001:db8::1', 'v6'))));
    expect(p.ingress).toBeUndefined();
  });

  it('dual-stack: both IPs in spec.ipFamilies order', () => {
    const p = planService(svc(), allocate, assigned(alloc(ip('2001:db8::1', 'v6'), ip('192.0.2.1', 'v4'))));
    expect(p.ingress).toEqual([{ ip: '2001:db8::1' }, { ip: '192.0.2.1' }]);
    expect(p.metadata?.label).toBe('v6');
    expect(p.events.map((e) => e.reason)).toEqual(['AssignIP', 'AssignIP']);
  });

  it('PreferDualStack with one family missing keeps the other and warns', () => {
    const p = planService(
      svc(),
      allocate,
      assigned(alloc(ip('192.0.2.1')), {
        missing: [{ code: 'EipExhausted', family: 'IPv6', message: 'Eip v6 is exhausted' }],
      }),
    );
    expect(p.ingress).toEqual([{ ip: '192.0.2.1' }]);
    expect(p.pending).toBe(true);
    expect(p.events).toContainEqual({
      type: 'Warning',
      reason: 'AssignIPFailed',
      message: 'IPv6 not assigned: Eip v6 is exhausted',
    });
  });

  it('a move (Eip being deleted) releases the old IP with a message that says why', () => {
    const s = svc({ ingress: ['192.0.2.1'], label: 'old', finalizers: [FINALIZER_LB] });
    const p = planService(
      s,
      allocate,
      assigned(alloc(ip('198.51.100.1', 'new')), { released: [ip('192.0.2.1', 'old')] }),
      { deletingEips: new Set(['old']) },
    );
    expect(p.ingress).toEqual([{ ip: '198.51.100.1' }]);
    expect(p.metadata).toEqual({ label: 'new' });
    expect(p.events).toEqual([
      { type: 'Normal', reason: 'AssignIP', message: 'Assigned IP 198.51.100.1 from Eip new' },
      {
        type: 'Normal',
        reason: 'ReleaseIP',
        message: 'Released IP 192.0.2.1 (Eip old, being deleted): the Service moved to Eip new',
      },
    ]);
  });

  it('a refusal clears our IP, label and finalizer, status first, with a Warning that says why', () => {
    const s = svc({ ingress: ['192.0.2.1'], label: 'pool', finalizers: [FINALIZER_LB] });
    const outcome: AllocatorOutcome = {
      kind: 'assigned',
      result: {
        ok: false,
        error: { code: 'EipNotFound', message: 'Eip nope does not exist: create it or fix the annotation' },
        errors: [
          { code: 'EipNotFound', message: 'Eip nope does not exist: create it or fix the annotation' },
        ],
        released: [ip('192.0.2.1')],
      },
    };
    const p = planService(s, allocate, outcome);
    expect(p.ingress).toEqual([]);
    expect(p.metadata).toEqual({ label: null, finalizers: [] });
    expect(p.statusFirst).toBe(true);
    expect(p.pending).toBe(true);
    expect(p.failures.map((f) => f.code)).toEqual(['EipNotFound']);
    expect(p.events[0]).toEqual({
      type: 'Warning',
      reason: 'AssignIPFailed',
      message: 'Eip nope does not exist: create it or fix the annotation',
    });
    expect(p.events[1]?.reason).toBe('ReleaseIP');
  });

  it('a refusal of a pending Service writes nothing but the Warning', () => {
    const outcome: AllocatorOutcome = {
      kind: 'assigned',
      result: {
        ok: false,
        error: { code: 'NoEipForNamespace', message: 'no Eip for namespace default' },
        errors: [{ code: 'NoEipForNamespace', message: 'no Eip for namespace default' }],
        released: [],
      },
    };
    const p = planService(svc(), allocate, outcome);
    expect(p.ingress).toBeUndefined();
    expect(p.metadata).toBeUndefined();
    expect(p.events.map((e) => e.type)).toEqual(['Warning']);
  });

  it('opt-in removed: clears ingress, label and finalizer and records ReleaseIP', () => {
    const s = svc({ ingress: ['192.0.2.1'], label: 'pool', finalizers: [FINALIZER_LB] });
    const intent: ServiceIntent = {
      kind: 'release',
      reason: 'NotOptedIn',
      message: 'the Service no longer opts in',
    };
    const p = planService(s, intent, { kind: 'released', held: alloc(ip('192.0.2.1')) });
    expect(p.ingress).toEqual([]);
    expect(p.metadata).toEqual({ label: null, finalizers: [] });
    expect(p.statusFirst).toBe(true);
    expect(p.events).toEqual([
      {
        type: 'Normal',
        reason: 'ReleaseIP',
        message: 'Released IP 192.0.2.1 (Eip pool): the Service no longer opts in',
      },
    ]);
  });

  it('without our label, only the IPs we held are removed from the status', () => {
    const s = svc({ ingress: ['192.0.2.1', '203.0.113.9'] });
    const intent: ServiceIntent = { kind: 'release', reason: 'OtherClass', message: 'other class' };
    const p = planService(s, intent, { kind: 'released', held: alloc(ip('192.0.2.1')) });
    expect(p.ingress).toEqual([{ ip: '203.0.113.9' }]);
  });

  it('deletion only removes the finalizer (the object goes away) and records ReleaseIP', () => {
    const s = svc({
      ingress: ['192.0.2.1'],
      label: 'pool',
      finalizers: ['other/x', FINALIZER_LB],
      deleting: true,
    });
    const intent: ServiceIntent = {
      kind: 'release',
      reason: 'Deleted',
      message: 'the Service is being deleted',
    };
    const p = planService(s, intent, { kind: 'released', held: alloc(ip('192.0.2.1')) });
    expect(p.ingress).toBeUndefined();
    expect(p.metadata).toEqual({ label: null, finalizers: ['other/x'] });
    expect(p.events.map((e) => e.reason)).toEqual(['ReleaseIP']);
  });

  it('bad annotations: Warning AssignIPFailed, the old IP released, pending', () => {
    const s = svc({ ingress: ['192.0.2.1'], label: 'pool', finalizers: [FINALIZER_LB] });
    const intent: ServiceIntent = { kind: 'invalid', reason: 'InvalidRequest', message: 'bad ip' };
    const p = planService(s, intent, { kind: 'released', held: alloc(ip('192.0.2.1')) });
    expect(p.pending).toBe(true);
    expect(p.ingress).toEqual([]);
    expect(p.events.map((e) => `${e.type}/${e.reason}`)).toEqual([
      'Warning/AssignIPFailed',
      'Normal/ReleaseIP',
    ]);
  });

  it('ignore writes nothing', () => {
    const p = planService(svc({ ingress: ['192.0.2.1'] }), { kind: 'ignore' }, { kind: 'none' });
    expect(p).toMatchObject({ events: [], pending: false });
    expect(p.ingress).toBeUndefined();
    expect(p.metadata).toBeUndefined();
  });

  it('ignore with a hint writes nothing but a Warning NotOptedIn with the hint', () => {
    const p = planService(svc({}), { kind: 'ignore', hint: 'add the annotation' }, { kind: 'none' });
    expect(p.events).toEqual([{ type: 'Warning', reason: 'NotOptedIn', message: 'add the annotation' }]);
    expect(p).toMatchObject({ pending: false, failures: [] });
    expect(p.ingress).toBeUndefined();
    expect(p.metadata).toBeUndefined();
  });
});
