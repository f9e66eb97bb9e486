import { describe, expect, it } from 'vitest';
import { optionsKey } from '../../src/kube/connection-reuse.js';

const cluster = { server: 'https://10.0.0.1:6443' };

describe('optionsKey (one keep-alive agent per distinct set of agent options)', () => {
  it('is the same for equal options, whatever their order, ignoring undefined values', () => {
    const a = optionsKey(cluster, { rejectUnauthorized: false, ca: Buffer.from('CA'), timeout: undefined });
    const b = optionsKey(cluster, { ca: Buffer.from('CA'), rejectUnauthorized: false });
    expect(a).toBe(b);
  });

  it.each([
    ['another server', { server: 'https://10.0.0.2:6443' }, { ca: Buffer.from('CA') }],
    ['a proxy', { ...cluster, proxyUrl: 'http://proxy:3128' }, { ca: Buffer.from('CA') }],
    ['another CA', cluster, { ca: Buffer.from('CA2') }],
    ['the CA as a string', cluster, { ca: 'CA' }],
    ['another option', cluster, { ca: Buffer.from('CA'), servername: 'api' }],
    ['TLS verification off', cluster, { ca: Buffer.from('CA'), rejectUnauthorized: false }],
  ])('differs for %s', (_name, otherCluster, options) => {
    expect(optionsKey(otherCluster, options)).not.toBe(optionsKey(cluster, { ca: Buffer.from('CA') }));
  });

  it('cannot be forged by a string value that spells another option', () => {
    const one = optionsKey(cluster, { servername: 'a\u0000timeout=5' });
    const two = optionsKey(cluster, { servername: 'a', timeout: 5 });
    expect(one).not.toBe(two);
  });

  it('tells functions apart by their source', () => {
    const f = optionsKey(cluster, { checkServerIdentity: () => undefined });
    const g = optionsKey(cluster, { checkServerIdentity: () => new Error('no') });
    expect(f).not.toBe(g);
  });

  it('does not keep large buffers in the key', () => {
    const key = optionsKey(cluster, { cert: Buffer.alloc(64 * 1024, 1) });
    expect(key.length).toBeLessThan(200);
  });
});
