import { describe, it, expect } from 'vitest';
import type { StatusCause } from '../lab/apiserver/schema/index.js';
import { causes, engine, NOT_CHECKED, obj } from './crd-schema-fixture.js';

describe('compileSchema: pruning and defaulting', () => {
  it('prunes unknown fields recursively, keeps apiVersion/kind/metadata and preserved fields', () => {
    const input = obj(
      { unknown: 1, extra: { free: { x: 1 }, known: { a: 'y', b: 2 } }, peers: [{ name: 'a', junk: true }] },
      { topLevelJunk: 'x', metadata: { name: 't1', labels: { a: 'b' } } },
    );
    const { object, causes: c } = engine.admit(input, undefined);
    expect(c).toEqual([]);
    expect(object['topLevelJunk']).toBeUndefined();
    expect(object['metadata']).toEqual({ name: 't1', labels: { a: 'b' } });
    const spec = object['spec'] as Record<string, unknown>;
    expect(spec['unknown']).toBeUndefined();
    expect(spec['extra']).toEqual({ free: { x: 1 }, known: { a: 'y' } });
    expect(spec['peers']).toEqual([{ name: 'a', port: 179 }]);
    // the input is not mutated
    expect((input['spec'] as Record<string, unknown>)['unknown']).toBe(1);
  });

  it('keeps apiVersion/kind/metadata of an embedded resource and prunes the rest by its schema', () => {
    const { object } = engine.admit(
      obj({
        embedded: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p' },
          spec: { a: 'x', b: 'y' },
          other: 1,
        },
      }),
      undefined,
    );
    expect((object['spec'] as Record<string, unknown>)['embedded']).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { a: 'x' },
    });
  });

  it('applies defaults to missing fields, inside defaulted objects and list items', () => {
    const { object } = engine.admit(obj({ peers: [{ name: 'a' }, { name: 'b', port: 1790 }] }), undefined);
    expect(object['spec']).toMatchObject({
      protocol: 'bgp',
      port: 179,
      nested: { level: 3 },
      peers: [
        { name: 'a', port: 179 },
        { name: 'b', port: 1790 },
      ],
    });
  });

  it('drops nulls of non-nullable fields (defaulting them when a default exists) and keeps nullable nulls', () => {
    const { object, causes: c } = engine.admit(
      obj({ port: null, enabled: null, nullableStr: null }),
      undefined,
    );
    expect(c).toEqual([]);
    const spec = object['spec'] as Record<string, unknown>;
    expect(spec['port']).toBe(179);
    expect('enabled' in spec).toBe(false);
    expect(spec['nullableStr']).toBeNull();
  });
});

describe('compileSchema: OpenAPI validation messages', () => {
  const cases: [string, Record<string, unknown>, StatusCause[]][] = [
    [
      'required',
      { address: undefined },
      [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.address' }],
    ],
    [
      'type string for integer',
      { port: 'string' },
      [
        {
          reason: 'FieldValueTypeInvalid',
          message: 'Invalid value: "string": spec.port in body must be of type integer: "string"',
          field: 'spec.port',
        },
        NOT_CHECKED,
      ],
    ],
    [
      'float for integer',
      { port: 1.5 },
      [
        {
          reason: 'FieldValueTypeInvalid',
          message: 'Invalid value: "number": spec.port in body must be of type integer: "number"',
          field: 'spec.port',
        },
        NOT_CHECKED,
      ],
    ],
    [
      'minimum',
      { port: 0 },
      [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: 0: spec.port in body should be greater than or equal to 1',
          field: 'spec.port',
        },
      ],
    ],
    [
      'maximum',
      { port: 70000 },
      [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: 70000: spec.port in body should be less than or equal to 65535',
          field: 'spec.port',
        },
      ],
    ],
    [
      'exclusiveMinimum',
      { weight: 0 },
      [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: 0: spec.weight in body should be greater than 0',
          field: 'spec.weight',
        },
      ],
    ],
    ['number accepts integers', { weight: 2 }, []],
    [
      'boolean type',
      { enabled: 'yes' },
      [
        {
          reason: 'FieldValueTypeInvalid',
          message: 'Invalid value: "string": spec.enabled in body must be of type boolean: "string"',
          field: 'spec.enabled',
        },
        NOT_CHECKED,
      ],
    ],
    [
      'maxLength',
      { address: '10.0.0.1/320' },
      [
        {
          reason: 'FieldValueTooLong',
          message: 'Too long: may not be longer than 10',
          field: 'spec.address',
        },
      ],
    ],
    [
      'minLength',
      { address: '' },
      [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "": spec.address in body should be at least 1 chars long',
          field: 'spec.address',
        },
        {
          reason: 'FieldValueInvalid',
          message: `Invalid value: "": spec.address in body should match '^[0-9./-]+$'`,
          field: 'spec.address',
        },
      ],
    ],
    [
      'pattern',
      { address: 'abc' },
      [
        {
          reason: 'FieldValueInvalid',
          message: `Invalid value: "abc": spec.address in body should match '^[0-9./-]+$'`,
          field: 'spec.address',
        },
      ],
    ],
    [
      'format ipv4',
      { ipv4: '1.2.3' },
      [
        {
          reason: 'FieldValueTypeInvalid',
          message: 'Invalid value: "1.2.3": spec.ipv4 in body must be of type ipv4: "1.2.3"',
          field: 'spec.ipv4',
        },
        NOT_CHECKED,
      ],
    ],
    ['format int32 is not range-checked (as on a real server)', { asn: 4200000000 }, []],
    [
      'maxItems',
      { tags: ['a', 'b', 'c', 'd'] },
      [
        {
          reason: 'FieldValueTooMany',
          message: 'Too many: 4: must have at most 3 items',
          field: 'spec.tags',
        },
      ],
    ],
    [
      'list-type set duplicates',
      { tags: ['a', 'a'] },
      [{ reason: 'FieldValueDuplicate', message: 'Duplicate value: "a"', field: 'spec.tags[1]' }],
    ],
    [
      'list-type map duplicate keys',
      { peers: [{ name: 'a' }, { name: 'a', port: 2 }] },
      [
        {
          reason: 'FieldValueDuplicate',
          message: 'Duplicate value: map[string]interface {}{"name":"a"}',
          field: 'spec.peers[1]',
        },
      ],
    ],
    [
      'required inside list items',
      { peers: [{ port: 1 }] },
      [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.peers[0].name' }],
    ],
    [
      'null list item',
      { tags: [null] },
      [
        {
          reason: 'FieldValueTypeInvalid',
          message: 'Invalid value: "null": spec.tags[0] in body must be of type string: "null"',
          field: 'spec.tags[0]',
        },
        NOT_CHECKED,
      ],
    ],
    [
      'additionalProperties values',
      { labels: { k: 'toolong' } },
      [
        {
          reason: 'FieldValueTooLong',
          message: 'Too long: may not be longer than 5',
          field: 'spec.labels.k',
        },
      ],
    ],
    ['int-or-string accepts both', { target: 8080 }, []],
    ['oneOf with one match', { choice: { a: 'x' } }, []],
    [
      'oneOf with two matches',
      { choice: { a: 'x', b: 'y' } },
      [
        {
          reason: 'FieldValueInvalid',
          message:
            'Invalid value: "": "spec.choice" must validate one and only one schema (oneOf). Found 2 valid alternatives',
          field: 'spec.choice',
        },
      ],
    ],
  ];
  it.each(cases)('%s', (_name, spec, expected) => {
    expect(causes(spec)).toEqual(expected);
  });

  it('reports an enum error with the supported values and skips CEL with the real summary error', () => {
    expect(causes({ protocol: 'foo' })).toEqual([
      {
        reason: 'FieldValueNotSupported',
        message: 'Unsupported value: "foo": supported values: "bgp", "layer2"',
        field: 'spec.protocol',
      },
      {
        reason: 'FieldValueInvalid',
        message:
          'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
        field: '<nil>',
      },
    ]);
  });
});
