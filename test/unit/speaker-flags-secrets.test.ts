// Two guards against an outage of the Kubernetes API turning into one of the Services (ADR 0019): the
// Lease timing flags must let a speaker notice its renewals failing before any peer's Lease can look
// expired, and a BgpPeer's MD5 Secret that cannot be read for a while keeps its last value.
import { describe, expect, it } from 'vitest';
import { defaultSpeakerFlags, validateSpeakerFlags } from '../../src/speaker/command.js';
import type { BgpObject } from '../../src/speaker/objects.js';
import { SecretCache } from '../../src/speaker/secrets.js';

const flags = (leaseDuration: string, leaseRenewInterval: string) =>
  validateSpeakerFlags({
    ...defaultSpeakerFlags({}),
    logLevel: 'info',
    nodeName: 'n1',
    leaseDuration,
    leaseRenewInterval,
  });

describe('speaker Lease flags', () => {
  it('takes a renewal interval below half the duration', () => {
    expect(flags('2s', '500ms')).toMatchObject({ ok: true, durationMs: 2000, renewMs: 500 });
    expect(flags('10s', '4900ms')).toMatchObject({ ok: true });
  });

  it.each([
    ['2s', '1s'],
    ['2s', '1500ms'],
    ['2s', '0s'],
  ])('refuses --lease-duration %s with --lease-renew-interval %s, saying why', (d, r) => {
    const result = flags(d, r);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/below half of --lease-duration/);
  });
});

const peer: BgpObject = {
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'BgpPeer',
  metadata: { name: 'router' },
  spec: {
    conf: { peerAs: 64500, neighborAddress: '192.0.2.1', authPasswordSecretRef: { name: 'md5', key: 'pw' } },
  },
};

describe('SecretCache', () => {
  it('keeps the last value of a Secret it cannot read now, and forgets a deleted one', async () => {
    let answer: () => Promise<{ data?: Record<string, string> }> = () =>
      Promise.resolve({ data: { pw: Buffer.from('s3cret').toString('base64') } });
    const cache = new SecretCache(() => answer());
    await cache.prefetch([peer], 'openelb-system');
    expect(cache.lookup('openelb-system', 'md5', 'pw')).toEqual({ ok: true, value: 's3cret' });
    answer = () =>
      Promise.reject(Object.assign(new Error('connect ECONNREFUSED 10.96.0.1:443'), { code: undefined }));
    await cache.prefetch([peer], 'openelb-system');
    expect(cache.lookup('openelb-system', 'md5', 'pw')).toEqual({ ok: true, value: 's3cret' });
    answer = () => Promise.reject(Object.assign(new Error('secrets "md5" not found'), { code: 404 }));
    await cache.prefetch([peer], 'openelb-system');
    expect(cache.lookup('openelb-system', 'md5', 'pw')).toEqual({
      ok: false,
      error: 'Secret openelb-system/md5 does not exist',
    });
  });

  it('reports a Secret never read as unreadable', async () => {
    const cache = new SecretCache(() => Promise.reject(new Error('timeout')));
    await cache.prefetch([peer], 'openelb-system');
    const found = cache.lookup('openelb-system', 'md5', 'pw');
    expect(found.ok).toBe(false);
    expect(!found.ok && found.error).toMatch(/cannot read Secret openelb-system\/md5: timeout/);
  });
});
