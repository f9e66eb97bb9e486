import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ServiceTable } from '../../src/ipam/service-table.js';

describe('ServiceTable', () => {
  it('gets, replaces and deletes like a Map', () => {
    const t = new ServiceTable<number>();
    expect(t.get('a/x')).toBeUndefined();
    t.set('a/x', 1).set('b/y', 2);
    t.set('a/x', 3);
    expect([t.get('a/x'), t.get('b/y'), t.size]).toEqual([3, 2, 2]);
    expect(t.delete('a/x')).toBe(true);
    expect(t.delete('a/x')).toBe(false);
    expect([t.get('a/x'), t.has('b/y'), t.size]).toEqual([undefined, true, 1]);
  });

  it('compares keys by content, not identity', () => {
    const t = new ServiceTable<string>();
    t.set(['ns', 'web'].join('/'), 'v');
    expect(t.get(['ns', 'web'].join('/'))).toBe('v');
    expect(t.delete('ns/'.concat('web'))).toBe(true);
  });

  it('grows and shrinks while keeping every entry', () => {
    const t = new ServiceTable<number>();
    for (let i = 0; i < 10_000; i++) t.set(`ns${String(i % 7)}/svc-${String(i)}`, i);
    expect(t.size).toBe(10_000);
    for (let i = 0; i < 10_000; i += 2) expect(t.delete(`ns${String(i % 7)}/svc-${String(i)}`)).toBe(true);
    for (let i = 1; i < 10_000; i += 2) expect(t.get(`ns${String(i % 7)}/svc-${String(i)}`)).toBe(i);
    for (let i = 1; i < 9_990; i += 2) t.delete(`ns${String(i % 7)}/svc-${String(i)}`);
    expect([...t.values()].sort((a, b) => a - b)).toEqual([9991, 9993, 9995, 9997, 9999]);
  });

  it('behaves like a Map under any sequence of operations (property)', () => {
    // Few keys, so the table stays small and dense: probe runs collide, wrap around the end and
    // shift back on delete.
    const keys = Array.from({ length: 24 }, (_, i) => `ns${String(i % 3)}/svc-${String(i)}`);
    const key = fc.constantFrom(...keys);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key, value: fc.integer() }),
      fc.record({ kind: fc.constant('delete' as const), key }),
      fc.record({ kind: fc.constant('get' as const), key }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const table = new ServiceTable<number>();
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            table.set(o.key, o.value);
            model.set(o.key, o.value);
          } else if (o.kind === 'delete') expect(table.delete(o.key)).toBe(model.delete(o.key));
          else expect(table.get(o.key)).toBe(model.get(o.key));
          expect(table.size).toBe(model.size);
        }
        for (const [k, v] of model) expect(table.get(k)).toBe(v);
        expect([...table.values()].sort()).toEqual([...model.values()].sort());
      }),
      { numRuns: 500 },
    );
  });
});
