import { describe, expect, it } from 'vitest';
import { LABEL_EIP } from '../../src/api/keys.js';
import { announcementsMayChange } from '../../src/speaker/service-relevance.js';

const svc = (over: {
  label?: string;
  ips?: string[];
  etp?: string;
  deleting?: boolean;
  extra?: string;
}): object => ({
  metadata: {
    name: 'web',
    namespace: 'default',
    resourceVersion: over.extra ?? '1',
    finalizers: over.extra === undefined ? [] : ['finalizer.lb.kubesphere.io/v1alpha1'],
    labels: over.label === undefined ? {} : { [LABEL_EIP]: over.label },
    ...(over.deleting === true ? { deletionTimestamp: '2026-11-23T00:00:00Z' } : {}),
  },
  spec: { type: 'LoadBalancer', ...(over.etp === undefined ? {} : { externalTrafficPolicy: over.etp }) },
  status: { loadBalancer: { ingress: (over.ips ?? []).map((ip) => ({ ip })) } },
});

describe('announcementsMayChange', () => {
  it('ignores writes that change nothing a speaker reads (finalizer, resourceVersion, other labels)', () => {
    expect(announcementsMayChange(svc({}), svc({ extra: '2' }))).toBe(false);
    expect(
      announcementsMayChange(
        svc({ label: 'pool', ips: ['192.0.2.10'] }),
        svc({ label: 'pool', ips: ['192.0.2.10'], extra: '3' }),
      ),
    ).toBe(false);
  });

  it('reacts to the ingress IPs, the Eip label, the traffic policy and deletion', () => {
    expect(announcementsMayChange(svc({ label: 'pool' }), svc({ label: 'pool', ips: ['192.0.2.10'] }))).toBe(
      true,
    );
    expect(
      announcementsMayChange(svc({ ips: ['192.0.2.10'] }), svc({ label: 'pool', ips: ['192.0.2.10'] })),
    ).toBe(true);
    expect(announcementsMayChange(svc({ ips: ['192.0.2.10'] }), svc({ ips: ['192.0.2.11'] }))).toBe(true);
    expect(
      announcementsMayChange(
        svc({ etp: 'Cluster', ips: ['192.0.2.10'] }),
        svc({ etp: 'Local', ips: ['192.0.2.10'] }),
      ),
    ).toBe(true);
    expect(
      announcementsMayChange(svc({ ips: ['192.0.2.10'] }), svc({ deleting: true, ips: ['192.0.2.10'] })),
    ).toBe(true);
  });

  it('ignores the label and policy of a Service that has no IP yet', () => {
    expect(announcementsMayChange(svc({}), svc({ label: 'pool', etp: 'Local' }))).toBe(false);
    expect(announcementsMayChange(svc({ label: 'pool' }), svc({ label: 'pool', deleting: true }))).toBe(
      false,
    );
  });

  it('treats a new Service without Eip label and IPs as irrelevant, and one with them as relevant', () => {
    expect(announcementsMayChange({}, svc({}))).toBe(false);
    expect(announcementsMayChange({}, svc({ label: 'pool', ips: ['192.0.2.10'] }))).toBe(true);
    expect(announcementsMayChange(svc({ label: 'pool', ips: ['192.0.2.10'] }), {})).toBe(true);
  });
});
