import { describe, it, expect } from 'vitest';
import { compileSchema, schemaProblems, type StatusCause } from '../lab/apiserver/schema/index.js';
import { causes, engine, obj, schema } from './crd-schema-fixture.js';

describe('compileSchema: x-kubernetes-validations (CEL)', () => {
  const cases: [string, Record<string, unknown>, StatusCause[]][] = [
    [
      'rule with fieldPath and reason',
      { protocol: 'layer2' },
      [
        {
          reason: 'FieldValueRequired',
          message: 'Required value: interface required for layer2',
          field: 'spec.interface',
        },
      ],
    ],
    ['rule satisfied', { protocol: 'layer2', interface: 'eth0' }, []],
    [
      'int-or-string rule on a string',
      { target: '80x' },
      [{ reason: 'FieldValueInvalid', message: 'Invalid value: "": must be digits', field: 'spec.target' }],
    ],
    ['int-or-string rule on an int', { target: 80 }, []],
    [
      'messageExpression',
      { limit: 120 },
      [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "integer": limit 120 is above 100',
          field: 'spec.limit',
        },
      ],
    ],
    [
      'default message is the rule',
      { 'foo-bar': 'toolong' },
      [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "string": failed rule: self.size() < 4',
          field: 'spec.foo-bar',
        },
      ],
    ],
    [
      'escaped property names',
      { holder: { 'dash-name': 0 } },
      [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "object": dash-name must be positive',
          field: 'spec.holder',
        },
      ],
    ],
    [
      'map values are addressed by key',
      { labels: { k: 'bad' } },
      [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "string": bad label',
          field: 'spec.labels[k]',
        },
      ],
    ],
    ['IP/CIDR library', { cidr: '10.0.0.0/8' }, []],
    [
      'IP/CIDR library failing',
      { cidr: '192.168.0.0/16' },
      [
        {
          reason: 'FieldValueInvalid',
          message:
            'Invalid value: "string": failed rule: isCIDR(self) && cidr(self).containsIP(\'10.0.0.1\')',
          field: 'spec.cidr',
        },
      ],
    ],
    ['date-time is a timestamp', { when: '2024-01-01T00:00:00Z' }, []],
    [
      'evaluation error',
      { missing: {} },
      [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "object": no such key: x evaluating rule: self.x == 1',
          field: 'spec.missing',
        },
      ],
    ],
    ['optionalOldSelf runs on create with oldSelf none', { grow: 5 }, []],
  ];
  it.each(cases)('%s', (_name, spec, expected) => {
    expect(causes(spec)).toEqual(expected);
  });

  it('evaluates root rules with metadata.name, reported at field <nil>', () => {
    const r = engine.admit({ ...obj({}), metadata: { name: 'forbidden' } }, undefined);
    expect(r.causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "object": name is reserved', field: '<nil>' },
    ]);
  });

  it('runs transition rules only on update, with oldSelf', () => {
    expect(causes({ address: '10.0.0.2' })).toEqual([]);
    expect(causes({ address: '10.0.0.2' }, { address: '10.0.0.2' })).toEqual([]);
    expect(causes({ address: '10.0.0.3' }, { address: '10.0.0.2' })).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "string": address is immutable',
        field: 'spec.address',
      },
    ]);
    expect(causes({ grow: 4 }, { grow: 5 })).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "integer": may only grow', field: 'spec.grow' },
    ]);
  });

  it('correlates list-map items by key for transition rules and ratcheting', () => {
    // An item that was already invalid (stored before a schema change) does not block unrelated updates.
    const old = { port: 0, peers: [{ name: 'a', port: 1 }] };
    expect(causes({ port: 0, peers: [{ name: 'a', port: 1 }], tags: ['x'] }, old)).toEqual([]);
    expect(causes({ port: -1 }, old)).toHaveLength(1);
  });
});

describe('compileSchema: robustness', () => {
  it('reports rules that do not compile, and schemaProblems lists them', () => {
    const bad = {
      type: 'object',
      properties: { spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.foo(' }] } },
    };
    const r = compileSchema(bad).admit({ spec: {} }, undefined);
    expect(r.causes).toHaveLength(1);
    expect(r.causes[0]?.field).toBe('spec');
    expect(r.causes[0]?.message).toMatch(
      /^Invalid value: "object": compilation failed: .* for rule: self\.foo\($/,
    );
    expect(schemaProblems(bad)).toHaveLength(1);
    expect(schemaProblems(schema)).toEqual([]);
  });

  it('never throws on garbage input', () => {
    const odd: unknown[] = [
      { spec: 'x' },
      { spec: [1, 2] },
      { spec: { peers: 'no' } },
      { spec: { labels: [1] } },
      {},
    ];
    for (const o of odd) {
      expect(() => engine.admit(o as Record<string, unknown>, undefined)).not.toThrow();
      expect(engine.admit(o as Record<string, unknown>, undefined).causes.length).toBeGreaterThan(0);
    }
    expect(compileSchema(null).admit({ a: 1 }, undefined)).toEqual({ object: { a: 1 }, causes: [] });
    expect(() => compileSchema('nonsense').admit({ a: 1 }, undefined)).not.toThrow();
  });
});
