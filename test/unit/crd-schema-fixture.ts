// Shared fixture of the schema-engine unit tests: a synthetic structural schema exercising every
// feature the engine implements, and helpers to admit objects against it.
import { compileSchema, type StatusCause } from '../lab/apiserver/schema/index.js';

export const schema = {
  type: 'object',
  'x-kubernetes-validations': [{ rule: "self.metadata.name != 'forbidden'", message: 'name is reserved' }],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['address'],
      'x-kubernetes-validations': [
        {
          rule: "!has(self.protocol) || self.protocol == 'bgp' || has(self.interface)",
          message: 'interface required for layer2',
          fieldPath: '.interface',
          reason: 'FieldValueRequired',
        },
      ],
      properties: {
        address: {
          type: 'string',
          minLength: 1,
          maxLength: 10,
          pattern: '^[0-9./-]+$',
          'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'address is immutable' }],
        },
        interface: { type: 'string' },
        protocol: { type: 'string', enum: ['bgp', 'layer2'], default: 'bgp' },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 179 },
        weight: { type: 'number', minimum: 0, exclusiveMinimum: true },
        enabled: { type: 'boolean' },
        tags: { type: 'array', maxItems: 3, items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        peers: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string' }, port: { type: 'integer', default: 179 } },
          },
        },
        labels: {
          type: 'object',
          additionalProperties: {
            type: 'string',
            maxLength: 5,
            'x-kubernetes-validations': [{ rule: "self != 'bad'", message: 'bad label' }],
          },
        },
        extra: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { known: { type: 'object', properties: { a: { type: 'string' } } } },
        },
        target: {
          'x-kubernetes-int-or-string': true,
          'x-kubernetes-validations': [
            { rule: "string(self).matches('^[0-9]+$')", message: 'must be digits' },
          ],
        },
        nested: { type: 'object', default: {}, properties: { level: { type: 'integer', default: 3 } } },
        nullableStr: { type: 'string', nullable: true },
        ipv4: { type: 'string', format: 'ipv4' },
        asn: { type: 'integer', format: 'int32' },
        limit: {
          type: 'integer',
          'x-kubernetes-validations': [
            { rule: 'self <= 100', messageExpression: "'limit ' + string(self) + ' is above 100'" },
          ],
        },
        'foo-bar': { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() < 4' }] },
        holder: {
          type: 'object',
          properties: { 'dash-name': { type: 'integer' } },
          'x-kubernetes-validations': [
            { rule: 'self.dash__dash__name > 0', message: 'dash-name must be positive' },
          ],
        },
        cidr: {
          type: 'string',
          'x-kubernetes-validations': [{ rule: "isCIDR(self) && cidr(self).containsIP('10.0.0.1')" }],
        },
        when: {
          type: 'string',
          format: 'date-time',
          'x-kubernetes-validations': [{ rule: "self < timestamp('2030-01-01T00:00:00Z')" }],
        },
        missing: {
          type: 'object',
          properties: { x: { type: 'integer' } },
          'x-kubernetes-validations': [{ rule: 'self.x == 1' }],
        },
        grow: {
          type: 'integer',
          'x-kubernetes-validations': [
            {
              rule: '!oldSelf.hasValue() || self >= oldSelf.value()',
              message: 'may only grow',
              optionalOldSelf: true,
            },
          ],
        },
        embedded: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } },
        },
        choice: {
          type: 'object',
          properties: { a: { type: 'string' }, b: { type: 'string' } },
          oneOf: [{ required: ['a'] }, { required: ['b'] }],
        },
      },
    },
  },
};

export const engine = compileSchema(schema);

/** Type and enum errors stop CEL evaluation; the real server then adds this cause. */
export const NOT_CHECKED: StatusCause = {
  reason: 'FieldValueInvalid',
  message:
    'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
  field: '<nil>',
};

export function obj(
  spec: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'example.com/v1',
    kind: 'Thing',
    metadata: { name: 't1' },
    spec: { address: '10.0.0.1', ...spec },
    ...extra,
  };
}

export function causes(spec: Record<string, unknown>, old?: Record<string, unknown>): StatusCause[] {
  return [...engine.admit(obj(spec), old === undefined ? undefined : obj(old)).causes];
}
