/**
 * Turns a TypeBox schema into a Kubernetes structural OpenAPI v3 schema, and checks structural rules.
 *
 * TypeBox emits JSON Schema with internals Kubernetes refuses: symbol keys, `const` unions for enums,
 * `patternProperties` for maps, `additionalProperties: false`. This step maps them to the forms
 * apiextensions.k8s.io/v1 accepts and sorts every key so the generated YAML is deterministic.
 */

/** A JSON schema node as plain data. */
export type SchemaNode = Record<string, unknown>;

/** Keys apiextensions.k8s.io/v1 JSONSchemaProps accepts (x-kubernetes-* are checked separately). */
const ALLOWED_KEYS = new Set([
  'description',
  'type',
  'format',
  'title',
  'default',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'allOf',
  'oneOf',
  'anyOf',
  'not',
  'properties',
  'additionalProperties',
  'nullable',
  'example',
  'externalDocs',
]);

/** Keys dropped silently: TypeBox/JSON-Schema bookkeeping with no meaning in a CRD. */
const DROPPED_KEYS = new Set(['$id', '$schema', 'examples']);

/** The map form TypeBox uses for `Type.Record(Type.String(), X)`. */
const ANY_KEY_PATTERN = '^(.*)$';

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sortKeys(node: SchemaNode): SchemaNode {
  const out: SchemaNode = {};
  for (const key of Object.keys(node).sort()) out[key] = node[key];
  return out;
}

function fail(path: string, what: string): never {
  throw new Error(`schema at ${path === '' ? '<root>' : path}: ${what}`);
}

/** Collapse `anyOf: [{const: a, type: string}, ...]` (a TypeBox enum) into `type` + `enum`. */
function enumFromAnyOf(members: readonly unknown[], path: string): SchemaNode {
  const values: unknown[] = [];
  let type: unknown;
  for (const member of members) {
    if (!isNode(member) || !('const' in member))
      fail(path, 'anyOf is only supported for enums and int-or-string');
    if (type !== undefined && member.type !== type) fail(path, 'enum members must share one type');
    type = member.type;
    values.push(member.const);
  }
  return { type, enum: values };
}

/**
 * Convert one TypeBox schema (deeply) into a structural schema. Throws on constructs that have no
 * structural equivalent ($ref, arbitrary unions, pattern-keyed maps): those are programming errors
 * in src/api/schema, caught by the generator and its tests.
 */
export function toStructural(schema: unknown, path = ''): SchemaNode {
  if (!isNode(schema)) fail(path, 'not a schema object');
  if ('$ref' in schema) fail(path, '$ref is not allowed in a structural schema');
  const out: SchemaNode = {};
  for (const key of Object.keys(schema)) {
    const value = schema[key];
    if (DROPPED_KEYS.has(key)) continue;
    switch (key) {
      case 'anyOf': {
        if (!Array.isArray(value)) fail(path, 'anyOf must be a list');
        if (schema['x-kubernetes-int-or-string'] === true) {
          // The only anyOf shape Kubernetes accepts next to int-or-string; details live in CEL rules.
          out.anyOf = [{ type: 'integer' }, { type: 'string' }];
        } else {
          Object.assign(out, enumFromAnyOf(value, path));
        }
        break;
      }
      case 'const':
        out.enum = [value];
        break;
      case 'patternProperties': {
        if (!isNode(value)) fail(path, 'patternProperties must be an object');
        const keys = Object.keys(value);
        if (keys.length !== 1 || keys[0] !== ANY_KEY_PATTERN)
          fail(path, 'only string-keyed maps are supported');
        out.additionalProperties = toStructural(value[ANY_KEY_PATTERN], `${path}.additionalProperties`);
        break;
      }
      case 'additionalProperties':
        // `false` is TypeBox's closed object; Kubernetes prunes unknown fields instead.
        if (isNode(value)) out.additionalProperties = toStructural(value, `${path}.additionalProperties`);
        break;
      case 'properties': {
        if (!isNode(value)) fail(path, 'properties must be an object');
        const props: SchemaNode = {};
        for (const name of Object.keys(value).sort())
          props[name] = toStructural(value[name], `${path}.${name}`);
        if (Object.keys(props).length > 0) out.properties = props;
        break;
      }
      case 'items':
        if (Array.isArray(value)) fail(path, 'tuple items are not allowed');
        out.items = toStructural(value, `${path}[]`);
        break;
      case 'required':
        if (Array.isArray(value) && value.length > 0) out.required = value;
        break;
      default:
        if (key.startsWith('x-kubernetes-') || ALLOWED_KEYS.has(key)) out[key] = value;
        else fail(path, `key "${key}" is not allowed in a CRD schema`);
    }
  }
  return sortKeys(out);
}

/**
 * Every structural-schema rule this project relies on, as a list of violations (empty = structural):
 * a non-empty `type` on every node (unless int-or-string or preserve-unknown-fields), no properties
 * together with additionalProperties, no `$ref`/`const`/`patternProperties`/`additionalProperties:
 * false`, items on every array, and list-map keys that are required.
 */
export function structuralViolations(schema: unknown, path = ''): string[] {
  const at = path === '' ? '<root>' : path;
  if (!isNode(schema)) return [`${at}: not a schema object`];
  const problems: string[] = [];
  for (const key of ['$ref', '$id', '$schema', 'const', 'patternProperties']) {
    if (key in schema) problems.push(`${at}: "${key}" is not allowed`);
  }
  if (schema.additionalProperties === false)
    problems.push(`${at}: additionalProperties: false is not allowed`);
  if (schema.uniqueItems === true) problems.push(`${at}: uniqueItems: true is not allowed`);
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (typeof schema.type !== 'string' || schema.type === '') {
    if (!intOrString && !preserve) problems.push(`${at}: no type`);
  }
  if (schema.anyOf !== undefined && !intOrString) problems.push(`${at}: anyOf outside int-or-string`);
  const props = schema.properties;
  if (props !== undefined && schema.additionalProperties !== undefined) {
    problems.push(`${at}: properties and additionalProperties together`);
  }
  if (isNode(props)) {
    for (const [name, child] of Object.entries(props))
      problems.push(...structuralViolations(child, `${path}.${name}`));
  }
  if (isNode(schema.additionalProperties)) {
    problems.push(...structuralViolations(schema.additionalProperties, `${path}.additionalProperties`));
  }
  if (schema.type === 'array') {
    if (schema.items === undefined) problems.push(`${at}: array without items`);
    else problems.push(...structuralViolations(schema.items, `${path}[]`));
  }
  if (schema['x-kubernetes-list-type'] === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'];
    const item = schema.items;
    const required = isNode(item) && Array.isArray(item.required) ? (item.required as unknown[]) : [];
    if (!Array.isArray(keys) || keys.length === 0)
      problems.push(`${at}: list-type map without list-map-keys`);
    else {
      for (const k of keys)
        if (!required.includes(k)) problems.push(`${at}: list-map key "${String(k)}" not required`);
    }
  }
  return problems;
}
