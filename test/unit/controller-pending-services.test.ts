import { describe, expect, it } from 'vitest';
import { controllerMetrics } from '../../src/controller/metrics.js';
import { PendingServices, WAKE_SLACK, waitTokens } from '../../src/controller/pending-services.js';
import { Metrics } from '../../src/observability/metrics.js';
import type { AllocationError } from '../../src/ipam/index.js';

const exhausted = (...eips: string[]): AllocationError => ({
  code: 'EipExhausted',
  message: 'full',
  eips,
  ...(eips.length === 1 ? { eip: eips[0] } : {}),
});
const inUse = (ip: string, eip: string): AllocationError => ({ code: 'IPInUse', message: 'taken', ip, eip });
const noEip: AllocationError = { code: 'NoEipForNamespace', message: 'no Eip serves ns' };
const freedIn = (eip: string, n: number): { eip: string; address: string }[] =>
  Array.from({ length: n }, (_, i) => ({ eip, address: `10.0.0.${String(i + 1)}` }));

describe('waitTokens', () => {
  it('names what a release could cure, and nothing for refusals a release cannot help', () => {
    expect(waitTokens([exhausted('a', 'b')])).toHaveLength(2);
    expect(waitTokens([{ code: 'EipExhausted', message: 'full', eip: 'a' }])).toEqual(
      waitTokens([exhausted('a')]),
    );
    expect(waitTokens([inUse('10.0.0.1', 'a')])).toHaveLength(1);
    expect(waitTokens([inUse('10.0.0.1', 'a')])).not.toEqual(waitTokens([exhausted('a')]));
    expect(waitTokens([noEip, { code: 'InvalidRequest', message: 'bad annotation' }])).toEqual([]);
  });
});

describe('PendingServices', () => {
  it('a release wakes only Services waiting on that Eip, oldest first, as many as freed plus a slack', () => {
    const p = new PendingServices();
    for (let i = 0; i < 10; i++) p.add(`ns/a${String(i)}`, [exhausted('a')]);
    p.add('ns/b0', [exhausted('b')]);
    p.add('ns/bad', [noEip]);
    expect(p.size).toBe(12);
    expect(p.wake(freedIn('a', 1))).toEqual(
      Array.from({ length: 1 + WAKE_SLACK }, (_, i) => `ns/a${String(i)}`),
    );
    expect(p.wake(freedIn('b', 1))).toEqual(['ns/b0']);
    expect(p.wake(freedIn('c', 5))).toEqual([]);
    expect(p.wake([])).toEqual([]);
    // Waking does not settle anything: they stay pending until their reconcile says otherwise.
    expect(p.size).toBe(12);
  });

  it('moves woken Services to the back, so quick successive releases wake different ones', () => {
    const p = new PendingServices();
    for (let i = 0; i < 12; i++) p.add(`ns/s${String(i)}`, [exhausted('a')]);
    const first = p.wake(freedIn('a', 1));
    const second = p.wake(freedIn('a', 1));
    expect(first).toHaveLength(1 + WAKE_SLACK);
    expect(second).toHaveLength(1 + WAKE_SLACK);
    expect(second.filter((k) => first.includes(k))).toEqual([]);
    // More freed addresses wake more.
    expect(p.wake(freedIn('a', 5))).toHaveLength(5 + WAKE_SLACK);
  });

  it('wakes every Service waiting for a requested IP when exactly that IP is freed', () => {
    const p = new PendingServices();
    p.add('ns/x', [inUse('10.0.0.7', 'a')]);
    p.add('ns/y', [inUse('10.0.0.7', 'a')]);
    p.add('ns/z', [inUse('10.0.0.8', 'a')]);
    expect(p.wake([{ eip: 'a', address: '10.0.0.7' }]).sort()).toEqual(['ns/x', 'ns/y']);
  });

  it('a Service exhausted in several Eips is woken by a release in any of them, once', () => {
    const p = new PendingServices();
    p.add('ns/s', [exhausted('a', 'b')]);
    expect(p.wake([...freedIn('a', 1), ...freedIn('b', 1)])).toEqual(['ns/s']);
    expect(p.wake(freedIn('b', 1))).toEqual(['ns/s']);
  });

  it('forgets a Service that is no longer pending, and re-adding replaces what it waits for', () => {
    const p = new PendingServices();
    p.add('ns/s', [exhausted('a')]);
    p.add('ns/s', [exhausted('b')]);
    expect(p.keys()).toEqual(['ns/s']);
    expect(p.wake(freedIn('a', 1))).toEqual([]);
    p.delete('ns/s');
    expect(p.has('ns/s')).toBe(false);
    expect(p.wake(freedIn('b', 1))).toEqual([]);
    p.delete('ns/never');
    expect(p.size).toBe(0);
  });

  it('work per release stays bounded with thousands pending (no full re-queue)', () => {
    const p = new PendingServices();
    for (let i = 0; i < 5000; i++) p.add(`ns/s${String(i)}`, [exhausted('a')]);
    let woken = 0;
    for (let r = 0; r < 1000; r++) woken += p.wake(freedIn('a', 1)).length;
    expect(woken).toBe(1000 * (1 + WAKE_SLACK));
  });
});

describe('PendingServices counts by reason (the openelb_services_pending gauge)', () => {
  it('counts each pending Service once, under its first refusal, and follows re-adds and deletes', () => {
    const p = new PendingServices();
    p.add('ns/a', [exhausted('a')]);
    p.add('ns/b', [exhausted('a'), noEip]);
    p.add('ns/c', [noEip]);
    p.add('ns/d', []);
    expect(Object.fromEntries(p.countsByReason())).toEqual({
      EipExhausted: 2,
      NoEipForNamespace: 1,
      InvalidRequest: 1,
    });
    p.add('ns/a', [inUse('10.0.0.1', 'a')]); // refused again, for another reason
    p.delete('ns/c');
    p.delete('ns/missing');
    expect(Object.fromEntries(p.countsByReason())).toEqual({
      EipExhausted: 1,
      IPInUse: 1,
      InvalidRequest: 1,
    });
    for (const key of ['ns/a', 'ns/b', 'ns/d']) p.delete(key);
    expect(p.countsByReason().size).toBe(0);
  });
});

describe('controllerMetrics.pending', () => {
  it('sets one gauge per reason, and 0 for a reason that had Services and has none now', async () => {
    const m = new Metrics();
    const metrics = controllerMetrics(m);
    const values = async (): Promise<Record<string, number>> => {
      const found = (await m.registry.getMetricsAsJSON()).find((x) => x.name === 'openelb_services_pending');
      return Object.fromEntries((found?.values ?? []).map((v) => [String(v.labels['reason']), v.value]));
    };
    metrics.pending(
      new Map([
        ['EipExhausted', 3],
        ['IPInUse', 1],
      ]),
    );
    expect(await values()).toEqual({ EipExhausted: 3, IPInUse: 1 });
    metrics.pending(new Map([['EipExhausted', 2]]));
    expect(await values()).toEqual({ EipExhausted: 2, IPInUse: 0 });
    metrics.pending(new Map());
    expect(await values()).toEqual({ EipExhausted: 0, IPInUse: 0 });
  });
});
