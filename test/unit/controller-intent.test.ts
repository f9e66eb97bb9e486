import { describe, expect, it } from 'vitest';
import { FINALIZER_LB, LABEL_EIP } from '../../src/api/keys.js';
import type { ServiceObject } from '../../src/controller/objects.js';
import { buildRequest, optIn, optInHint, serviceIntent } from '../../src/controller/service-intent.js';

function svc(over: {
  type?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  finalizers?: string[];
  cls?: string;
  lbIP?: string;
  deleting?: boolean;
  families?: string[];
  policy?: string;
  ports?: { protocol?: string; port?: number }[];
}): ServiceObject {
  return {
    metadata: {
      name: 'web',
      namespace: 'default',
      ...(over.annotations === undefined ? {} : { annotations: over.annotations }),
      ...(over.labels === undefined ? {} : { labels: over.labels }),
      ...(over.finalizers === undefined ? {} : { finalizers: over.finalizers }),
      ...(over.deleting === true ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: {
      type: over.type ?? 'LoadBalancer',
      ...(over.cls === undefined ? {} : { loadBalancerClass: over.cls }),
      ...(over.lbIP === undefined ? {} : { loadBalancerIP: over.lbIP }),
      ...(over.families === undefined ? {} : { ipFamilies: over.families }),
      ...(over.policy === undefined ? {} : { ipFamilyPolicy: over.policy }),
      ports: over.ports ?? [{ port: 80 }],
    },
  };
}

const OPENELB = { 'lb.kubesphere.io/v1alpha1': 'openelb' };

describe('optIn', () => {
  const cases: { desc: string; s: ServiceObject; ours: boolean; why?: string }[] = [
    { desc: 'annotation openelb + LoadBalancer', s: svc({ annotations: OPENELB }), ours: true },
    {
      desc: 'legacy porter value',
      s: svc({ annotations: { 'lb.kubesphere.io/v1alpha1': 'porter' } }),
      ours: true,
    },
    { desc: 'loadBalancerClass alone (issue #367)', s: svc({ cls: 'openelb.kubesphere.io/lb' }), ours: true },
    {
      desc: 'another class wins over our annotation',
      s: svc({ cls: 'metallb.io/metallb', annotations: OPENELB }),
      ours: false,
      why: 'OtherClass',
    },
    { desc: 'no annotation at all', s: svc({}), ours: false, why: 'NotOptedIn' },
    {
      desc: 'annotation with another value',
      s: svc({ annotations: { 'lb.kubesphere.io/v1alpha1': 'metallb' } }),
      ours: false,
      why: 'NotOptedIn',
    },
    {
      desc: 'ClusterIP with the annotation',
      s: svc({ type: 'ClusterIP', annotations: OPENELB }),
      ours: false,
      why: 'NotLoadBalancer',
    },
    { desc: 'being deleted', s: svc({ annotations: OPENELB, deleting: true }), ours: false, why: 'Deleted' },
  ];
  for (const c of cases) {
    it(c.desc, () => {
      const r = optIn(c.s);
      expect(r.ours).toBe(c.ours);
      if (c.why !== undefined) expect(r.why).toBe(c.why);
    });
  }
});

describe('serviceIntent', () => {
  it('ignores a Service that is not ours and holds nothing', () => {
    expect(serviceIntent(svc({}), {}, false).kind).toBe('ignore');
  });

  it('releases when every annotation was removed but we still hold its IP (OpenELB leak)', () => {
    const i = serviceIntent(svc({}), {}, true);
    expect(i).toMatchObject({ kind: 'release', reason: 'NotOptedIn' });
  });

  it('releases when only our label/finalizer remain (after a controller restart)', () => {
    expect(serviceIntent(svc({ labels: { [LABEL_EIP]: 'a' } }), {}, false).kind).toBe('release');
    expect(serviceIntent(svc({ finalizers: [FINALIZER_LB] }), {}, false).kind).toBe('release');
  });

  it('releases on a type change', () => {
    expect(serviceIntent(svc({ type: 'NodePort', annotations: OPENELB }), {}, true)).toMatchObject({
      kind: 'release',
      reason: 'NotLoadBalancer',
    });
  });

  it('releases a deleting Service', () => {
    expect(serviceIntent(svc({ annotations: OPENELB, deleting: true }), {}, true)).toMatchObject({
      kind: 'release',
      reason: 'Deleted',
    });
  });

  it('builds a request with namespace labels, ports and families', () => {
    const i = serviceIntent(
      svc({
        annotations: OPENELB,
        families: ['IPv6', 'IPv4'],
        policy: 'RequireDualStack',
        ports: [{ protocol: 'UDP', port: 53 }, { port: 80 }],
      }),
      { 'kubesphere.io/workspace': 'ws' },
      false,
    );
    expect(i.kind).toBe('allocate');
    if (i.kind !== 'allocate') return;
    expect(i.request).toMatchObject({
      namespace: 'default',
      name: 'web',
      namespaceLabels: { 'kubesphere.io/workspace': 'ws' },
      pinnedEips: [],
      requestedIps: [],
      ipFamilies: ['IPv6', 'IPv4'],
      ipFamilyPolicy: 'RequireDualStack',
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 80 },
      ],
    });
  });
});

describe('optInHint: why a Service meant for OpenELB is left alone', () => {
  const EIP = 'eip.openelb.kubesphere.io/v1alpha2';
  it.each([
    [
      'a misspelt opt-in value',
      { 'lb.kubesphere.io/v1alpha1': 'OpenELB' },
      /is "OpenELB", and only "openelb" opts/,
    ],
    ['another opt-in value', { 'lb.kubesphere.io/v1alpha1': 'true' }, /is "true".*set it to openelb/],
    [
      'an Eip annotation without the opt-in',
      { [EIP]: 'pool' },
      /has eip\.openelb\.kubesphere\.io\/v1alpha2 but does not opt in.*add the annotation lb\.kubesphere\.io\/v1alpha1: openelb \(or spec\.loadBalancerClass: openelb\.kubesphere\.io\/lb\)/,
    ],
    [
      'a requested IP and the console protocol without the opt-in',
      { 'eip.openelb.kubesphere.io/v1alpha1': '10.0.0.1', 'protocol.openelb.kubesphere.io/v1alpha1': 'bgp' },
      /has eip\.openelb\.kubesphere\.io\/v1alpha1 and protocol\.openelb\.kubesphere\.io\/v1alpha1 but/,
    ],
  ])('%s', (_desc, annotations, message) => {
    expect(optInHint(svc({ annotations }))).toMatch(message);
    const intent = serviceIntent(svc({ annotations }), {}, false);
    expect(intent).toMatchObject({ kind: 'ignore', hint: expect.stringMatching(message) as string });
  });

  it.each([
    ['opted in', svc({ annotations: OPENELB })],
    ['opted in with the legacy value', svc({ annotations: { 'lb.kubesphere.io/v1alpha1': 'porter' } })],
    ["no OpenELB annotation (another controller's Service)", svc({ annotations: { 'x/y': 'z' } })],
    ['another loadBalancerClass', svc({ cls: 'metallb.io/metallb', annotations: { [EIP]: 'pool' } })],
    [
      'not a LoadBalancer',
      svc({ type: 'ClusterIP', annotations: { 'lb.kubesphere.io/v1alpha1': 'OpenELB' } }),
    ],
    ['being deleted', svc({ deleting: true, annotations: { [EIP]: 'pool' } })],
  ])('no hint when %s', (_desc, s) => {
    expect(optInHint(s)).toBeUndefined();
  });

  it('a Service we hold an IP for is released, not hinted', () => {
    const i = serviceIntent(svc({ annotations: { [EIP]: 'pool' } }), {}, true);
    expect(i).toMatchObject({ kind: 'release', reason: 'NotOptedIn' });
  });
});

describe('buildRequest: requested IP and pinned Eip', () => {
  const cases: {
    desc: string;
    annotations?: Record<string, string>;
    lbIP?: string;
    ips?: string[];
    pinned?: string[];
    error?: RegExp;
  }[] = [
    {
      desc: 'annotation IP',
      annotations: { 'eip.openelb.kubesphere.io/v1alpha1': '192.0.2.7' },
      ips: ['192.0.2.7'],
    },
    { desc: 'spec.loadBalancerIP', lbIP: '192.0.2.8', ips: ['192.0.2.8'] },
    {
      desc: 'annotation wins over spec.loadBalancerIP (OpenELB 0.6)',
      annotations: { 'eip.openelb.kubesphere.io/v1alpha1': '192.0.2.7' },
      lbIP: '192.0.2.8',
      ips: ['192.0.2.7'],
    },
    {
      desc: 'one IP per family for dual-stack',
      annotations: { 'eip.openelb.kubesphere.io/v1alpha1': '192.0.2.7, 2001:db8::7' },
      ips: ['192.0.2.7', '2001:db8::7'],
    },
    {
      desc: 'an unparseable IP is refused with the field and an example',
      annotations: { 'eip.openelb.kubesphere.io/v1alpha1': '192.0.2.300' },
      error: /eip\.openelb\.kubesphere\.io\/v1alpha1: "192\.0\.2\.300" is not an IP address; .*e\.g\./,
    },
    {
      desc: 'two IPs of one family are refused',
      lbIP: '192.0.2.1,192.0.2.2',
      error: /spec\.loadBalancerIP: .* names two IPv4 addresses/,
    },
    {
      desc: 'pinned Eip, whitespace trimmed',
      annotations: { 'eip.openelb.kubesphere.io/v1alpha2': ' pool-a ' },
      pinned: ['pool-a'],
    },
    {
      desc: 'empty annotation means not pinned',
      annotations: { 'eip.openelb.kubesphere.io/v1alpha2': '' },
      pinned: [],
    },
  ];
  for (const c of cases) {
    it(c.desc, () => {
      const r = buildRequest(
        svc({
          annotations: { ...OPENELB, ...c.annotations },
          ...(c.lbIP === undefined ? {} : { lbIP: c.lbIP }),
        }),
        {},
      );
      if (c.error !== undefined) {
        expect('error' in r && r.error).toMatch(c.error);
        return;
      }
      if (!('request' in r)) throw new Error(r.error);
      if (c.ips !== undefined) {
        expect(r.request.requestedIps.map((ip) => ip.family)).toHaveLength(c.ips.length);
      }
      if (c.pinned !== undefined) expect(r.request.pinnedEips).toEqual(c.pinned);
    });
  }

  it('refuses an unknown ipFamilyPolicy', () => {
    const r = buildRequest(svc({ annotations: OPENELB, policy: 'Sometimes' }), {});
    expect('error' in r && r.error).toMatch(/spec\.ipFamilyPolicy "Sometimes"/);
  });
});
