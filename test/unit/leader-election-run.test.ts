import { describe, expect, it } from 'vitest';
import {
  defaultLeaderElectionFlags,
  leaderElectionConfigFromFlags,
  parseBooleanFlag,
  type LeaderElectionFlags,
} from '../../src/kube/leader-election-run.js';

const flags = (over: Partial<LeaderElectionFlags> = {}): LeaderElectionFlags => ({
  ...defaultLeaderElectionFlags(),
  identity: 'node-1_x',
  leaseNamespace: 'openelb-system',
  ...over,
});

describe('controller leader-election flags', () => {
  it('defaults to client-go timings, the openelb-manager Lease and election on', () => {
    const d = defaultLeaderElectionFlags();
    expect(d).toMatchObject({
      leaderElect: true,
      leaseDuration: '15s',
      renewDeadline: '10s',
      retryPeriod: '2s',
      leaseName: 'openelb-manager',
    });
    expect(d.identity).toMatch(/_[0-9a-f-]{36}$/);
    expect(leaderElectionConfigFromFlags(flags())).toEqual({
      ok: true,
      value: {
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
        leaseName: 'openelb-manager',
        leaseNamespace: 'openelb-system',
        identity: 'node-1_x',
        releaseOnCancel: true,
      },
    });
  });

  it('parses short durations', () => {
    const r = leaderElectionConfigFromFlags(
      flags({ leaseDuration: '1.5s', renewDeadline: '1s', retryPeriod: '200ms' }),
    );
    expect(r.ok && [r.value.leaseDurationMs, r.value.renewDeadlineMs, r.value.retryPeriodMs]).toEqual([
      1_500, 1_000, 200,
    ]);
  });

  it('reports every bad flag at once, naming it', () => {
    const r = leaderElectionConfigFromFlags(
      flags({ leaseDuration: '15', retryPeriod: 'soon', identity: ' ' }),
    );
    expect(r.ok).toBe(false);
    const error = r.ok ? '' : r.error;
    expect(error).toContain('--lease-duration: invalid duration "15"');
    expect(error).toContain('--retry-period: invalid duration "soon"');
    expect(error).toContain('--identity must not be empty');
  });

  it('applies client-go ordering rules to the parsed timings', () => {
    const r = leaderElectionConfigFromFlags(flags({ leaseDuration: '10s' }));
    expect(r).toEqual({ ok: false, error: 'leaseDuration must be greater than renewDeadline' });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['FALSE', false],
    ['0', false],
    ['no', false],
  ])('--leader-elect=%s → %s', (text, value) => {
    expect(parseBooleanFlag(text)).toEqual({ ok: true, value });
  });

  it('rejects a non-boolean --leader-elect value', () => {
    expect(parseBooleanFlag('maybe')).toEqual({
      ok: false,
      error: 'invalid boolean "maybe": use true or false',
    });
  });
});
