import { describe, expect, it } from 'vitest';
import {
  defaultIdentity,
  defaultLeaseNamespace,
  leaseDurationSeconds,
  parseDuration,
  validateTimings,
} from '../../src/kube/leader-election-config.js';
import { decide, releasedRecord } from '../../src/kube/leader-election-decide.js';
import {
  formatMicroTime,
  leaseSpecFromRecord,
  observe,
  recordFromLease,
  type LeaderElectionRecord,
  type Observation,
} from '../../src/kube/leader-election-record.js';

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
const record = (over: Partial<LeaderElectionRecord> = {}): LeaderElectionRecord => ({
  holderIdentity: 'a',
  leaseDurationSeconds: 15,
  acquireTime: '2025-01-01T00:00:00.000000Z',
  renewTime: '2025-01-01T00:00:10.000000Z',
  leaseTransitions: 3,
  ...over,
});
const seen = (r: LeaderElectionRecord, observedAt: number): Observation => ({
  record: r,
  key: 'k',
  observedAt,
});

describe('decide (pure tryAcquireOrRenew)', () => {
  const base = { identity: 'me', leaseDurationMs: 15_000, now: T0 };
  const cases: {
    name: string;
    observation: Observation | undefined;
    now?: number;
    action: string;
    transitions?: number;
    reason: RegExp;
  }[] = [
    {
      name: 'missing lease',
      observation: undefined,
      action: 'create',
      transitions: 0,
      reason: /does not exist/,
    },
    {
      name: 'held by another, seen 14.999 s ago',
      observation: seen(record(), T0 - 14_999),
      action: 'wait',
      reason: /held by a.*expires in 1 ms/,
    },
    {
      name: 'held by another, unchanged for exactly 15 s',
      observation: seen(record(), T0 - 15_000),
      action: 'acquire',
      transitions: 4,
      reason: /expired/,
    },
    {
      name: 'released (empty holder) just now',
      observation: seen(record({ holderIdentity: '', leaseDurationSeconds: 1 }), T0),
      action: 'acquire',
      transitions: 4,
      reason: /free/,
    },
    {
      name: 'we hold it',
      observation: seen(record({ holderIdentity: 'me' }), T0 - 60_000),
      action: 'renew',
      transitions: 3,
      reason: /we hold/,
    },
    {
      name: "holder's own short duration (5 s) decides, not ours",
      observation: seen(record({ leaseDurationSeconds: 5 }), T0 - 5_000),
      action: 'acquire',
      transitions: 4,
      reason: /expired/,
    },
    {
      name: 'holder wrote no duration: fall back to ours, stay waiting',
      observation: seen(record({ leaseDurationSeconds: 0 }), T0 - 5_000),
      action: 'wait',
      reason: /expires in 10000 ms/,
    },
  ];
  it.each(cases)('$name → $action', ({ observation, action, transitions, reason }) => {
    const d = decide({ ...base, observation });
    expect(d.action).toBe(action);
    expect(d.reason).toMatch(reason);
    if (d.action !== 'wait') {
      expect(d.record.holderIdentity).toBe('me');
      expect(d.record.leaseTransitions).toBe(transitions);
      expect(d.record.leaseDurationSeconds).toBe(15);
      expect(d.record.renewTime).toBe(formatMicroTime(T0));
    }
  });

  it('keeps acquireTime on renew and sets it to now on acquire', () => {
    const renew = decide({ ...base, observation: seen(record({ holderIdentity: 'me' }), T0) });
    const take = decide({ ...base, observation: seen(record({ holderIdentity: '' }), T0) });
    expect(renew.action === 'renew' && renew.record.acquireTime).toBe('2025-01-01T00:00:00.000000Z');
    expect(take.action === 'acquire' && take.record.acquireTime).toBe(formatMicroTime(T0));
  });

  it('ignores renewTime entirely: a record written by a clock hours ahead expires on OUR observation', () => {
    const future = record({ renewTime: '2099-01-01T00:00:00.000000Z' });
    expect(decide({ ...base, observation: seen(future, T0 - 15_000) }).action).toBe('acquire');
    const past = record({ renewTime: '2000-01-01T00:00:00.000000Z' });
    expect(decide({ ...base, observation: seen(past, T0 - 1) }).action).toBe('wait');
  });

  it('writes a whole number of seconds, rounding a fractional lease duration up', () => {
    const d = decide({ ...base, leaseDurationMs: 1_500, observation: undefined });
    expect(d.action === 'create' && d.record.leaseDurationSeconds).toBe(2);
    expect(leaseDurationSeconds(15_000)).toBe(15);
    expect(leaseDurationSeconds(200)).toBe(1);
  });

  it('release clears the holder, sets 1 s and keeps the transition count', () => {
    const r = releasedRecord(record({ holderIdentity: 'me', leaseTransitions: 7 }), T0);
    expect(r).toEqual({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: formatMicroTime(T0),
      renewTime: formatMicroTime(T0),
      leaseTransitions: 7,
    });
  });
});

describe('observe (local observation time)', () => {
  it('moves observedAt only when the record or resourceVersion changes', () => {
    const first = observe(undefined, record(), '5', 1_000);
    expect(first.observedAt).toBe(1_000);
    expect(observe(first, record(), '5', 9_000)).toBe(first);
    expect(observe(first, record({ renewTime: '2025-01-01T00:00:12.000000Z' }), '6', 9_000).observedAt).toBe(
      9_000,
    );
    // Identical bytes rewritten (same record, new version) still count as a renewal.
    expect(observe(first, record(), '7', 9_500).observedAt).toBe(9_500);
  });
});

describe('Lease record conversion', () => {
  it('formats MicroTime with exactly six fractional digits', () => {
    expect(formatMicroTime(T0)).toBe('2025-01-02T03:04:05.678000Z');
    expect(formatMicroTime(T0)).toMatch(/\.\d{6}Z$/);
  });

  it('reads a well-formed Lease and writes the same spec back', () => {
    const spec = leaseSpecFromRecord(record());
    expect(recordFromLease({ spec })).toEqual(record());
  });

  it('tolerates malformed or missing fields without throwing', () => {
    const junk = {
      spec: { holderIdentity: 42, leaseDurationSeconds: -3, renewTime: 'yesterday', leaseTransitions: 1.5 },
    } as unknown as Parameters<typeof recordFromLease>[0];
    expect(recordFromLease(junk)).toEqual({
      holderIdentity: '',
      leaseDurationSeconds: 0,
      acquireTime: undefined,
      renewTime: undefined,
      leaseTransitions: 0,
    });
    expect(recordFromLease({}).holderIdentity).toBe('');
  });
});

describe('leader election config', () => {
  it.each([
    ['15s', 15_000],
    ['1.5s', 1_500],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['.5s', 500],
    ['0', 0],
  ])('parseDuration(%s) = %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: ms });
  });

  it.each(['', '15', 's', '15 s', '1x', '-5s', '5s junk', '1..5s'])(
    'parseDuration(%j) is an error',
    (text) => {
      const r = parseDuration(text);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error).toContain('invalid duration');
    },
  );

  it.each([
    [{ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }, []],
    [
      { leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
      ['leaseDuration must be greater than renewDeadline'],
    ],
    [
      { leaseDurationMs: 15_000, renewDeadlineMs: 2_400, retryPeriodMs: 2_000 },
      ['renewDeadline must be greater than retryPeriod*JitterFactor'],
    ],
    [{ leaseDurationMs: 15_000, renewDeadlineMs: 2_401, retryPeriodMs: 2_000 }, []],
    [
      { leaseDurationMs: 0, renewDeadlineMs: 10_000, retryPeriodMs: 0 },
      ['leaseDuration must be greater than zero', 'retryPeriod must be greater than zero'],
    ],
    [
      { leaseDurationMs: Number.NaN, renewDeadlineMs: 1, retryPeriodMs: 1 },
      ['leaseDuration must be greater than zero'],
    ],
  ])('validateTimings(%j)', (timings, errors) => {
    expect(validateTimings(timings)).toEqual(errors);
  });

  it('builds identity and namespace defaults', () => {
    expect(defaultIdentity('node-1', 'abc')).toBe('node-1_abc');
    expect(defaultIdentity()).toMatch(/^.+_[0-9a-f-]{36}$/);
    expect(defaultLeaseNamespace({ POD_NAMESPACE: 'lb' })).toBe('lb');
    expect(defaultLeaseNamespace({ POD_NAMESPACE: ' ' })).toBe('openelb-system');
    expect(defaultLeaseNamespace({})).toBe('openelb-system');
  });
});
