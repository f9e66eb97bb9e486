import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { compileSchema, schemaProblems, type StatusCause } from '../lab/apiserver/schema/index.js';

/** Type and enum errors stop CEL evaluation; the real server then adds this cause. */
const NOT_CHECKED: StatusCause = {
  reason: 'FieldValueInvalid',
  message:
    'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
  field: '<nil>',
};

// The project's real CRDs (generated into deploy/crds by scripts/gen-crds.ts).
function crdSchema(file: string, version: string): unknown {
  const crd = parse(readFileSync(join(CRD_DIR, file), 'utf8')) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: unknown } }[] };
  };
  const v = crd.spec.versions.find((x) => x.name === version);
  if (v === undefined) throw new Error(`${file} has no version ${version}`);
  return v.schema.openAPIV3Schema;
}

const CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../deploy/crds');

describe('compileSchema against deploy/crds', () => {
  const eip = compileSchema(crdSchema('network.kubesphere.io_eips.yaml', 'v1alpha2'));
  const eipV1 = compileSchema(crdSchema('network.kubesphere.io_eips.yaml', 'v1alpha1'));
  const peer = compileSchema(crdSchema('network.kubesphere.io_bgppeers.yaml', 'v1alpha2'));
  const conf = compileSchema(crdSchema('network.kubesphere.io_bgpconfs.yaml', 'v1alpha2'));
  const eipObj = (spec: Record<string, unknown>): Record<string, unknown> => ({
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name: 'eip-a' },
    spec,
  });

  it('has no schema problems (every CEL rule compiles here)', () => {
    for (const f of ['eips', 'bgppeers', 'bgpconfs']) {
      for (const v of ['v1alpha1', 'v1alpha2']) {
        expect(schemaProblems(crdSchema(`network.kubesphere.io_${f}.yaml`, v)), `${f} ${v}`).toEqual([]);
      }
    }
  });

  it('accepts a valid Eip and defaults its protocol to bgp', () => {
    const r = eip.admit(eipObj({ address: '192.168.0.0/24' }), undefined);
    expect(r.causes).toEqual([]);
    expect(r.object['spec']).toEqual({ address: '192.168.0.0/24', protocol: 'bgp' });
  });

  it.each<[string, Record<string, unknown>, StatusCause[]]>([
    [
      'missing address',
      {},
      [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.address' }],
    ],
    [
      'unknown protocol',
      { address: '10.0.0.0/24', protocol: 'ospf' },
      [
        {
          reason: 'FieldValueNotSupported',
          message: 'Unsupported value: "ospf": supported values: "bgp", "layer2", "vip"',
          field: 'spec.protocol',
        },
        NOT_CHECKED,
      ],
    ],
    [
      'layer2 without interface',
      { address: '10.0.0.0/24', protocol: 'layer2' },
      [
        {
          reason: 'FieldValueRequired',
          message:
            'Required value: spec.interface is required when spec.protocol is layer2 or vip: set a NIC name (eth0) or can_reach:<ip>',
          field: 'spec.interface',
        },
      ],
    ],
    ['layer2 with interface', { address: '10.0.0.0/24', protocol: 'layer2', interface: 'eth0' }, []],
    [
      'priority of the wrong type',
      { address: '10.0.0.0/24', priority: 'high' },
      [
        {
          reason: 'FieldValueTypeInvalid',
          message: 'Invalid value: "string": spec.priority in body must be of type integer: "string"',
          field: 'spec.priority',
        },
        NOT_CHECKED,
      ],
    ],
  ])('Eip v1alpha2: %s', (_name, spec, expected) => {
    expect(eip.admit(eipObj(spec), undefined).causes).toEqual(expected);
  });

  it('keeps spec.address immutable on update', () => {
    const old = eip.admit(eipObj({ address: '10.0.0.0/24' }), undefined).object;
    expect(eip.admit(eipObj({ address: '10.0.0.0/24', disable: true }), old).causes).toEqual([]);
    expect(eip.admit(eipObj({ address: '10.0.1.0/24' }), old).causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "string": spec.address is immutable: create a new Eip instead',
        field: 'spec.address',
      },
    ]);
  });

  it('validates the v1alpha1 address pattern and enum', () => {
    const v1 = (spec: Record<string, unknown>) =>
      eipV1.admit({ ...eipObj(spec), apiVersion: 'network.kubesphere.io/v1alpha1' }, undefined);
    expect(v1({ address: '10.0.0.1-10.0.0.9' }).causes).toEqual([]);
    expect(v1({ address: 'fe80::/64' }).causes[0]?.message).toMatch(
      /^Invalid value: "fe80::\/64": spec\.address in body should match /,
    );
    expect(v1({ address: '10.0.0.0/24', protocol: 'vip' }).causes[0]?.message).toBe(
      'Unsupported value: "vip": supported values: "bgp", "layer2"',
    );
  });

  it('checks BgpPeer int-or-string timers with CEL and forbids two passwords', () => {
    const peerObj = (spec: Record<string, unknown>) => ({
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpPeer',
      metadata: { name: 'p' },
      spec: { conf: { peerAs: 65001, neighborAddress: '10.0.0.1' }, ...spec },
    });
    expect(
      peer.admit(peerObj({ timers: { config: { holdTime: 90, keepaliveInterval: '30' } } }), undefined)
        .causes,
    ).toEqual([]);
    expect(peer.admit(peerObj({ timers: { config: { holdTime: '90s' } } }), undefined).causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "": must be a non-negative whole number of seconds, e.g. 90 or "90"',
        field: 'spec.timers.config.holdTime',
      },
    ]);
    const both = peer.admit(
      peerObj({
        conf: {
          peerAs: 65001,
          neighborAddress: '10.0.0.1',
          authPassword: 'x',
          authPasswordSecretRef: { name: 's', key: 'k' },
        },
      }),
      undefined,
    ).causes;
    expect(both).toHaveLength(1);
    expect(both[0]).toMatchObject({
      reason: 'FieldValueForbidden',
      field: 'spec.conf.authPasswordSecretRef',
    });
  });

  it('bounds the BgpConf ASN', () => {
    const confObj = (as: unknown) => ({
      apiVersion: 'network.kubesphere.io/v1alpha2',
      kind: 'BgpConf',
      metadata: { name: 'default' },
      spec: { as },
    });
    expect(conf.admit(confObj(65000), undefined).causes).toEqual([]);
    expect(conf.admit(confObj(0), undefined).causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: 0: spec.as in body should be greater than or equal to 1',
        field: 'spec.as',
      },
    ]);
  });
});
