import { describe, expect, it } from 'vitest';
import { parseEip } from '../../src/api/parse/eip.js';
import { parseEipOnce } from '../../src/speaker/eip-parse-cache.js';

const eip = (address: string): object => ({
  apiVersion: 'network.kubesphere.io/v1alpha2',
  kind: 'Eip',
  metadata: { name: 'pool' },
  spec: { address, protocol: 'bgp' },
});

describe('parseEipOnce', () => {
  it('parses like parseEip, once per object', () => {
    const obj = eip('198.51.100.0/24');
    const first = parseEipOnce(obj);
    expect(first).toEqual(parseEip(obj));
    expect(parseEipOnce(obj)).toBe(first);
  });

  it('parses a new object of the same Eip again (an informer update replaces the object)', () => {
    const before = parseEipOnce(eip('198.51.100.0/24'));
    const after = parseEipOnce(eip('203.0.113.0/24'));
    expect(before.ok && after.ok).toBe(true);
    if (!before.ok || !after.ok) return;
    expect(before.value.range).not.toEqual(after.value.range);
    expect(after).toEqual(parseEip(eip('203.0.113.0/24')));
  });

  it('reports bad objects like parseEip, non-objects included', () => {
    const bad = eip('not-an-address');
    expect(parseEipOnce(bad)).toEqual(parseEip(bad));
    expect(parseEipOnce(bad).ok).toBe(false);
    expect(parseEipOnce(null)).toEqual(parseEip(null));
    expect(parseEipOnce('eip')).toEqual(parseEip('eip'));
  });
});
