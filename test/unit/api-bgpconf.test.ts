import { describe, expect, it } from 'vitest';
import { isHonouredBgpConf, parseBgpConf, type BgpGlobalConfig } from '../../src/api/parse/bgpconf.js';
import type { FieldError } from '../../src/api/errors.js';

const conf = (spec: unknown, apiVersion = 'network.kubesphere.io/v1alpha2', name = 'default') => ({
  apiVersion,
  kind: 'BgpConf',
  metadata: { name },
  spec,
});

function valid(obj: unknown): { value: BgpGlobalConfig; warnings: readonly FieldError[] } {
  const r = parseBgpConf(obj);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r;
}

function errors(obj: unknown): readonly FieldError[] {
  const r = parseBgpConf(obj);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}

describe('parseBgpConf', () => {
  it('reads the OpenELB docs example (v1alpha2)', () => {
    const { value, warnings } = valid(conf({ as: 50001, listenPort: 17900, routerId: '' }));
    expect(value).toMatchObject({
      as: 50001,
      listenPort: 17900,
      effectiveListenPort: 17900,
      routerId: undefined,
      listenAddresses: [],
      families: [],
      useMultiplePaths: false,
      policy: undefined,
      gracefulRestart: undefined,
    });
    expect(warnings).toEqual([]);
  });

  it('reads every v1alpha2 field', () => {
    const { value, warnings } = valid(
      conf({
        as: 4200000000,
        asPerRack: { r1: 65001, r2: 65002 },
        routerId: '192.0.2.1',
        listenPort: 0,
        listenAddresses: ['0.0.0.0', '::', '0.0.0.0'],
        families: [65537, 131073],
        useMultiplePaths: true,
        gracefulRestart: { enabled: true, restartTime: 120 },
        policy: 'bgp-policy',
      }),
    );
    expect(value).toMatchObject({
      as: 4200000000,
      routerId: '192.0.2.1',
      listenPort: 0,
      effectiveListenPort: 179,
      listenAddresses: ['0.0.0.0', '::'],
      families: [65537, 131073],
      useMultiplePaths: true,
      gracefulRestart: { enabled: true, restartTime: 120 },
      policy: 'bgp-policy',
    });
    expect([...value.asPerRack]).toEqual([
      ['r1', 65001],
      ['r2', 65002],
    ]);
    expect(warnings.map((w) => w.path)).toEqual(['spec.routerId']);
  });

  it('listenPort -1 disables listening', () => {
    expect(valid(conf({ as: 65000, listenPort: -1 })).value.effectiveListenPort).toBeUndefined();
  });

  it('maps v1alpha1 routerID/port', () => {
    const { value } = valid(
      conf({ as: 65000, routerID: '192.0.2.9', port: 17900 }, 'network.kubesphere.io/v1alpha1'),
    );
    expect(value).toMatchObject({
      apiVersion: 'v1alpha1',
      as: 65000,
      routerId: '192.0.2.9',
      listenPort: 17900,
    });
  });

  it.each<[string, unknown, string, string]>([
    ['missing as', conf({ listenPort: 179 }), 'spec.as', 'is required'],
    ['as 0', conf({ as: 0 }), 'spec.as', 'must be between 1 and 4294967295, got 0'],
    ['as too large', conf({ as: 4294967296 }), 'spec.as', 'must be between 1 and 4294967295'],
    ['as string', conf({ as: '65000' }), 'spec.as', 'must be a whole number, got "65000"'],
    [
      'rack asn 0',
      conf({ as: 65000, asPerRack: { r1: 0 } }),
      'spec.asPerRack.r1',
      'must be between 1 and 4294967295',
    ],
    ['port too large', conf({ as: 65000, listenPort: 70000 }), 'spec.listenPort', 'between -1 and 65535'],
    [
      'router id IPv6',
      conf({ as: 65000, routerId: '2001:db8::1' }),
      'spec.routerId',
      'has an invalid format',
    ],
    [
      'router id bad octet',
      conf({ as: 65000, routerId: '300.0.0.1' }),
      'spec.routerId',
      'is not an IPv4 address',
    ],
    [
      'bad listen address',
      conf({ as: 65000, listenAddresses: ['1.2.3'] }),
      'spec.listenAddresses[0]',
      'is not an IPv4 or IPv6 address',
    ],
    [
      'bad family',
      conf({ as: 65000, families: [-1] }),
      'spec.families[0]',
      'must be between 0 and 4294967295',
    ],
    ['bad policy name', conf({ as: 65000, policy: 'Bad_Name' }), 'spec.policy', 'has an invalid format'],
    [
      'bad restart time',
      conf({ as: 65000, gracefulRestart: { restartTime: 5000 } }),
      'spec.gracefulRestart.restartTime',
      'between 0 and 4095',
    ],
    [
      'v1alpha1 missing port',
      conf({ as: 65000, routerID: '192.0.2.1' }, 'network.kubesphere.io/v1alpha1'),
      'spec.port',
      'is required',
    ],
    [
      'v1alpha1 port 0',
      conf({ as: 65000, routerID: '192.0.2.1', port: 0 }, 'network.kubesphere.io/v1alpha1'),
      'spec.port',
      'between 1 and 65535',
    ],
    [
      'v1alpha1 missing routerID',
      conf({ as: 65000, port: 179 }, 'network.kubesphere.io/v1alpha1'),
      'spec.routerID',
      'is required',
    ],
    ['wrong kind', { ...conf({ as: 1 }), kind: 'BgpPeer' }, 'kind', 'use BgpConf'],
  ])('%s', (_name, obj, path, fragment) => {
    const errs = errors(obj);
    const hit = errs.find((e) => e.path === path);
    expect(hit, JSON.stringify(errs)).toBeDefined();
    expect(hit!.message).toContain(fragment);
  });
});

describe('isHonouredBgpConf', () => {
  it('only "default" is used, and the reason says how to fix it', () => {
    expect(isHonouredBgpConf('default').honoured).toBe(true);
    const other = isHonouredBgpConf('mine');
    expect(other.honoured).toBe(false);
    expect(other.reason).toContain('rename it to "default"');
  });

  it('parsing does not depend on the name', () => {
    expect(parseBgpConf(conf({ as: 65000 }, undefined, 'other')).ok).toBe(true);
  });
});
