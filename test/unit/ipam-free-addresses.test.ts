import { describe, expect, it } from 'vitest';
import { FreeAddresses, type Payload } from '../../src/ipam/index.js';

const takeAll = <T extends Payload>(t: FreeAddresses<T>, payload: T): (number | bigint)[] => {
  const out: (number | bigint)[] = [];
  for (let o = t.take(payload); o !== undefined; o = t.take(payload)) out.push(o);
  return out;
};

describe('FreeAddresses', () => {
  it('hands out never-used offsets in ascending order, skipping reserved ones', () => {
    const t = new FreeAddresses<string>(8n, [0, 7]);
    expect(takeAll(t, 'x')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.exhausted).toBe(true);
    expect(t.available).toBe(0n);
    expect(t.usedCount).toBe(6);
  });

  it('reuses released offsets only after the never-used ones, oldest release first', () => {
    const t = new FreeAddresses<string>(6n);
    expect([t.take('a'), t.take('b'), t.take('c')]).toEqual([0, 1, 2]);
    t.free(1);
    t.free(0);
    // 3, 4, 5 were never used: they come first, then 1 (released before 0), then 0.
    expect(takeAll(t, 'x')).toEqual([3, 4, 5, 1, 0]);
  });

  it('a just-released offset is the last one handed out again', () => {
    const t = new FreeAddresses<string>(4n);
    takeAll(t, 'x');
    t.free(2);
    t.free(0);
    t.free(3);
    expect(t.take('x')).toBe(2);
    t.free(2);
    expect(takeAll(t, 'x')).toEqual([0, 3, 2]);
  });

  it('claims any offset in O(1), including reserved ones, and the cursor skips claimed ones', () => {
    const t = new FreeAddresses<string>(8n, [0, 7]);
    expect(t.claim(0, 'network')).toBe(true);
    expect(t.claim(3, 'svc')).toBe(true);
    expect(t.claim(3, 'other')).toBe(false);
    expect(t.claim(8, 'outside')).toBe(false);
    expect(t.claim(-1, 'outside')).toBe(false);
    expect(t.get(3)).toBe('svc');
    expect(t.available).toBe(5n);
    expect(takeAll(t, 'x')).toEqual([1, 2, 4, 5, 6]);
    // A reserved offset that is freed is not queued for automatic reuse.
    t.free(0);
    expect(t.take('x')).toBeUndefined();
    expect(t.available).toBe(0n);
  });

  it('a released offset claimed again is not handed out twice', () => {
    const t = new FreeAddresses<string>(3n);
    takeAll(t, 'x');
    t.free(1);
    t.free(2);
    expect(t.claim(1, 'explicit')).toBe(true);
    expect(t.take('x')).toBe(2);
    expect(t.take('x')).toBeUndefined();
    t.free(1);
    expect(t.take('x')).toBe(1);
  });

  it('an offset claimed and released again queues behind those released in between', () => {
    const t = new FreeAddresses<string>(3n);
    takeAll(t, 'x');
    t.free(0);
    t.free(1);
    expect(t.claim(0, 'explicit')).toBe(true);
    t.free(0);
    expect(takeAll(t, 'x')).toEqual([1, 0]);
  });

  it('free of an offset that is not held is refused', () => {
    const t = new FreeAddresses<string>(3n);
    expect(t.free(1)).toBe(false);
    expect(t.take('x')).toBe(0);
    expect(t.free(0)).toBe(true);
    expect(t.free(0)).toBe(false);
  });

  it('handles a /64 without materialising it: bigint offsets above 2^53 are canonical', () => {
    const size = 1n << 64n;
    const t = new FreeAddresses<string>(size);
    expect(t.available).toBe(size);
    const high = (1n << 63n) + 5n;
    expect(t.claim(high, 'far')).toBe(true);
    expect(t.get(high)).toBe('far');
    // A small offset given as a bigint is the same offset as the number.
    expect(t.claim(7n, 'seven')).toBe(true);
    expect(t.get(7)).toBe('seven');
    expect(t.claim(7, 'again')).toBe(false);
    expect(t.claim(size, 'outside')).toBe(false);
    for (let i = 0; i < 10; i++) t.take('x');
    expect(t.available).toBe(size - 12n);
    expect(t.exhausted).toBe(false);
    expect(t.free(high)).toBe(true);
    expect(t.get(high)).toBeUndefined();
  });

  it('the release queue stays correct across compactions', () => {
    const t = new FreeAddresses<string>(3000n);
    takeAll(t, '0');
    for (let i = 0; i < 3000; i++) t.free(i);
    const order: (number | bigint)[] = [];
    for (let i = 0; i < 2500; i++) order.push(t.take(String(i)) ?? -1);
    for (let i = 0; i < 2500; i++) t.free(i);
    for (let i = 0; i < 3000; i++) order.push(t.take(String(i)) ?? -1);
    expect(order.slice(0, 2500)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(order.slice(2500)).toEqual([
      ...Array.from({ length: 500 }, (_, i) => 2500 + i),
      ...Array.from({ length: 2500 }, (_, i) => i),
    ]);
    expect(t.take('0')).toBeUndefined();
  });

  it('far-off claims and releases stay right while the dense part grows over them', () => {
    const t = new FreeAddresses<string>(10_000n);
    expect(t.claim(5000, 'far')).toBe(true);
    expect(t.claim(7000, 'gone')).toBe(true);
    expect(t.free(7000)).toBe(true); // released while not yet dense: queued behind the cursor
    expect(t.get(5000)).toBe('far');
    const taken = new Set<number | bigint>();
    for (let i = 0; i < 9998; i++) taken.add(t.take('auto') ?? -1);
    expect(taken.has(5000)).toBe(false);
    expect(taken.has(7000)).toBe(false);
    expect(taken.has(-1)).toBe(false);
    expect(t.get(5000)).toBe('far');
    expect(t.take('last')).toBe(7000); // the cursor is done; the released one comes back last
    expect(t.take('none')).toBeUndefined();
    expect(t.usedCount).toBe(10_000);
    expect(t.free(5000)).toBe(true);
    expect(t.get(5000)).toBeUndefined();
    expect([...t.entries()]).toHaveLength(9999);
  });

  it('skips blocked offsets, counts them as unavailable, and hands them out again once unblocked', () => {
    const t = new FreeAddresses<string>(6n);
    expect(t.block(1)).toBe(true);
    expect(t.block(1)).toBe(false);
    expect(t.block(6)).toBe(false); // out of range
    expect(t.available).toBe(5n);
    expect([t.take('a'), t.take('b')]).toEqual([0, 2]); // the cursor went past 1
    t.free(0);
    expect(t.unblock(1)).toBe(true);
    expect(t.unblock(1)).toBe(false);
    // 1 comes back behind 0, which was released before it was unblocked.
    expect(takeAll(t, 'x')).toEqual([3, 4, 5, 0, 1]);
    expect(t.exhausted).toBe(true);
  });

  it('a blocked offset that is held stays held; freed while blocked, it waits for the unblock', () => {
    const t = new FreeAddresses<string>(4n);
    expect(t.claim(2, 'svc')).toBe(true);
    t.block(2);
    expect(t.get(2)).toBe('svc');
    expect(t.available).toBe(3n);
    t.free(2);
    expect(t.available).toBe(3n);
    expect(takeAll(t, 'x')).toEqual([0, 1, 3]);
    expect(t.exhausted).toBe(true);
    t.unblock(2);
    expect(t.exhausted).toBe(false);
    expect(t.take('y')).toBe(2);
  });

  it('blocks far-off and bigint offsets of a huge pool', () => {
    const t = new FreeAddresses<string>(2n ** 64n);
    const far = 2n ** 60n;
    expect(t.block(far)).toBe(true);
    expect(t.claim(far, 'restored')).toBe(true);
    expect(t.available).toBe(2n ** 64n - 1n);
    expect(t.block(0)).toBe(true);
    expect(t.take('a')).toBe(1);
    expect(t.unblock(0)).toBe(true);
    expect(t.free(far)).toBe(true);
    expect(t.unblock(far)).toBe(true);
    expect(t.available).toBe(2n ** 64n - 1n);
  });

  it('rejects an empty pool', () => {
    expect(() => new FreeAddresses(0n)).toThrow(RangeError);
  });
});
