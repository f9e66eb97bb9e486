import { describe, expect, it } from 'vitest';
import { nodeAddresses } from '../../src/speaker/eligibility.js';
import type { NodeObject } from '../../src/speaker/objects.js';

const node = (addresses: { type: string; address: string }[]): NodeObject => ({
  metadata: { name: 'n1' },
  status: { addresses },
});

describe('nodeAddresses', () => {
  it('gives the first InternalIP per family, canonical, without loopback', () => {
    const n = node([
      { type: 'ExternalIP', address: '203.0.113.9' },
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'InternalIP', address: '2001:DB8:0:0::11' },
      { type: 'InternalIP', address: '192.0.2.11' },
      { type: 'InternalIP', address: '192.0.2.12' },
    ]);
    expect(nodeAddresses(n)).toEqual({ IPv4: '192.0.2.11', IPv6: '2001:db8::11' });
    expect(nodeAddresses(undefined)).toEqual({});
  });

  it('answers a repeated question from memory without letting callers change the answer', () => {
    const n = node([{ type: 'InternalIP', address: '2001:db8::11' }]);
    const first = nodeAddresses(n);
    first.IPv4 = '198.51.100.1';
    expect(nodeAddresses(n)).toEqual({ IPv6: '2001:db8::11' });
    // A changed Node is a new object in the informer cache: it is parsed afresh.
    expect(nodeAddresses(node([{ type: 'InternalIP', address: '192.0.2.7' }]))).toEqual({
      IPv4: '192.0.2.7',
    });
  });
});
