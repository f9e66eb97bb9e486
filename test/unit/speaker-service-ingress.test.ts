import { describe, expect, it } from 'vitest';
import { endpointsByService } from '../../src/speaker/eligibility.js';
import type { EndpointSliceObject, ServiceObject } from '../../src/speaker/objects.js';
import { ingressIps, ingressIpsOnce } from '../../src/speaker/service-ingress.js';

const svc = (...ips: string[]): ServiceObject => ({
  metadata: { name: 'web', namespace: 'default' },
  status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
});

const slice = (name: string, endpoints: { nodeName?: string; ready?: boolean; serving?: boolean }[]) =>
  ({
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    endpoints: endpoints.map((e) => ({
      ...(e.nodeName === undefined ? {} : { nodeName: e.nodeName }),
      conditions: { ready: e.ready, serving: e.serving },
    })),
  }) as unknown as EndpointSliceObject;

describe('ingressIps', () => {
  it('parses and canonicalises the ingress IPs in order, leaving out unparseable ones', () => {
    const ips = ingressIps(svc('198.51.100.7', 'nope', '2001:DB8:0::1'));
    expect(ips.map((i) => i.text)).toEqual(['198.51.100.7', '2001:db8::1']);
    expect(ips.map((i) => i.ip.family)).toEqual(['IPv4', 'IPv6']);
  });

  it('is empty for a Service without status', () => {
    expect(ingressIps({ metadata: { name: 'x' } })).toEqual([]);
  });

  it('is computed once per object and again for a replaced object', () => {
    const obj = svc('198.51.100.7');
    const first = ingressIpsOnce(obj);
    expect(ingressIpsOnce(obj)).toBe(first);
    const replaced = ingressIpsOnce(svc('198.51.100.8'));
    expect(replaced).not.toBe(first);
    expect(replaced.map((i) => i.text)).toEqual(['198.51.100.8']);
  });
});

describe('endpointsByService (remembered per slice)', () => {
  it('merges the slices of one Service without changing the remembered share of either', () => {
    const a = slice('a', [{ nodeName: 'n1', ready: true }]);
    const b = slice('b', [{ nodeName: 'n2', ready: false, serving: true }]);
    const alone = endpointsByService([a]).get('default/web');
    expect(alone?.anyReady).toBe(true);
    expect([...(alone?.servingNodes ?? [])]).toEqual(['n1']);
    const both = endpointsByService([a, b]).get('default/web');
    expect(both?.anyReady).toBe(true);
    expect([...(both?.servingNodes ?? [])].sort()).toEqual(['n1', 'n2']);
    // The share of `a` alone is unchanged by the merge.
    expect([...(endpointsByService([a]).get('default/web')?.servingNodes ?? [])]).toEqual(['n1']);
    expect(endpointsByService([b]).get('default/web')?.anyReady).toBe(false);
  });

  it('reads a replaced slice object afresh', () => {
    const before = slice('a', [{ nodeName: 'n1', ready: false }]);
    expect(endpointsByService([before]).get('default/web')?.anyReady).toBe(false);
    const after = slice('a', [{ nodeName: 'n1', ready: true }]);
    expect(endpointsByService([after]).get('default/web')?.anyReady).toBe(true);
  });

  it('skips slices that name no Service', () => {
    const orphan = { metadata: { name: 'o', namespace: 'default' }, endpoints: [] } as EndpointSliceObject;
    expect(endpointsByService([orphan]).size).toBe(0);
    expect(endpointsByService([orphan]).size).toBe(0);
  });
});
