import { parse as parseCel } from '@marcbachmann/cel-js';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { buildCrds } from '../../src/api/crd/definitions.js';
import { structuralViolations, toStructural, type SchemaNode } from '../../src/api/crd/structural.js';

type Node = Record<string, unknown>;

/** Follow `properties` down a path of field names: prop(root, 'spec', 'address'). */
function prop(node: Node, ...names: string[]): Node {
  let at = node;
  for (const name of names) {
    const next = (at.properties as Record<string, Node> | undefined)?.[name];
    if (next === undefined) throw new Error(`no property ${name}`);
    at = next;
  }
  return at;
}

interface Version {
  name: string;
  served: boolean;
  storage: boolean;
  subresources?: { status?: object };
  additionalPrinterColumns: { name: string; type: string; jsonPath: string }[];
  schema: { openAPIV3Schema: Node };
}

const crds = buildCrds() as unknown as {
  metadata: { name: string };
  spec: { group: string; scope: string; names: Node; conversion: Node; versions: Version[] };
}[];
const byName = (plural: string) => crds.find((c) => c.metadata.name === `${plural}.network.kubesphere.io`)!;

/** Independent walk: every node typed (or int-or-string/preserve-unknown), nothing non-structural. */
function walk(node: Node, path: string, visit: (node: Node, path: string) => void): void {
  visit(node, path);
  for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, Node>))
    walk(v, `${path}.${k}`, visit);
  if (typeof node.additionalProperties === 'object')
    walk(node.additionalProperties as Node, `${path}{}`, visit);
  if (node.items !== undefined) walk(node.items as Node, `${path}[]`, visit);
}

function everyNode(): { crd: string; version: string; path: string; node: Node }[] {
  const out: { crd: string; version: string; path: string; node: Node }[] = [];
  for (const crd of crds) {
    for (const v of crd.spec.versions) {
      walk(v.schema.openAPIV3Schema, '', (node, path) =>
        out.push({ crd: crd.metadata.name, version: v.name, path, node }),
      );
    }
  }
  return out;
}

/** Resolve a printer column jsonPath like .spec.address against a schema. */
function schemaAt(root: Node, jsonPath: string): Node | undefined {
  let node: Node | undefined = root;
  for (const part of jsonPath.split('.').slice(1)) {
    node = (node?.properties as Record<string, Node> | undefined)?.[part];
  }
  return node;
}

describe('generated CRD schemas are structural', () => {
  it('every node has a type, or is int-or-string / preserve-unknown-fields', () => {
    const untyped = everyNode().filter(
      ({ node }) =>
        typeof node.type !== 'string' &&
        node['x-kubernetes-int-or-string'] !== true &&
        node['x-kubernetes-preserve-unknown-fields'] !== true,
    );
    expect(untyped.map((u) => `${u.crd} ${u.version} ${u.path}`)).toEqual([]);
  });

  it('contains no TypeBox or non-structural keys', () => {
    const forbidden = ['$id', '$schema', '$ref', 'const', 'patternProperties', 'examples'];
    const bad = everyNode().flatMap(({ crd, version, path, node }) => [
      ...forbidden.filter((k) => k in node).map((k) => `${crd} ${version} ${path}: ${k}`),
      ...(node.additionalProperties === false
        ? [`${crd} ${version} ${path}: additionalProperties false`]
        : []),
      ...(node.anyOf !== undefined && node['x-kubernetes-int-or-string'] !== true ? [`${path}: anyOf`] : []),
      ...Object.getOwnPropertySymbols(node).map(() => `${crd} ${version} ${path}: symbol key`),
    ]);
    expect(bad).toEqual([]);
  });

  it('passes the generator guard too', () => {
    for (const crd of crds) {
      for (const v of crd.spec.versions) expect(structuralViolations(v.schema.openAPIV3Schema)).toEqual([]);
    }
  });

  it('describes every field, so kubectl explain is useful', () => {
    const undocumented = everyNode().filter(
      ({ path, node }) =>
        path !== '' &&
        !path.endsWith('.metadata') &&
        !/\[\]$|\{\}$/.test(path) &&
        typeof node.description !== 'string',
    );
    expect(undocumented.map((u) => `${u.crd} ${u.version} ${u.path}`)).toEqual([]);
  });

  it('has CEL rules that parse', () => {
    const rules = everyNode().flatMap(
      ({ node }) => (node['x-kubernetes-validations'] ?? []) as { rule: string }[],
    );
    expect(rules.length).toBeGreaterThanOrEqual(6);
    for (const { rule } of rules) expect(() => parseCel(rule), rule).not.toThrow();
  });
});

describe('CRD shape', () => {
  it('all three kinds are cluster-scoped, v1alpha2 storage, v1alpha1 served, conversion None', () => {
    expect(crds.map((c) => c.metadata.name).sort()).toEqual([
      'bgpconfs.network.kubesphere.io',
      'bgppeers.network.kubesphere.io',
      'eips.network.kubesphere.io',
    ]);
    for (const crd of crds) {
      expect(crd.spec.scope).toBe('Cluster');
      expect(crd.spec.conversion).toEqual({ strategy: 'None' });
      expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([
        ['v1alpha1', true, false],
        ['v1alpha2', true, true],
      ]);
      for (const v of crd.spec.versions) expect(v.subresources).toEqual({ status: {} });
    }
  });

  it('eips are in the networking category', () => {
    expect(byName('eips').spec.names.categories).toContain('networking');
  });

  it('Eip printer columns are CIDR, PROTOCOL, USAGE, TOTAL, DISABLED, AGE on both versions', () => {
    for (const v of byName('eips').spec.versions) {
      expect(v.additionalPrinterColumns.map((c) => c.name)).toEqual([
        'CIDR',
        'PROTOCOL',
        'USAGE',
        'TOTAL',
        'DISABLED',
        'AGE',
      ]);
    }
  });

  it('every printer column points at a schema field of the same type', () => {
    for (const crd of crds) {
      for (const v of crd.spec.versions) {
        for (const col of v.additionalPrinterColumns) {
          if (col.jsonPath === '.metadata.creationTimestamp') {
            expect(col.type).toBe('date');
            continue;
          }
          const node = schemaAt(v.schema.openAPIV3Schema, col.jsonPath);
          expect(node, `${crd.metadata.name} ${v.name} ${col.jsonPath}`).toBeDefined();
          expect(node!.type, `${crd.metadata.name} ${v.name} ${col.jsonPath}`).toBe(col.type);
        }
      }
    }
  });

  it('Eip v1alpha2 carries the OpenELB validations', () => {
    const spec = prop(byName('eips').spec.versions[1]!.schema.openAPIV3Schema, 'spec');
    expect(spec.required).toEqual(['address']);
    expect(prop(spec, 'protocol')).toMatchObject({
      type: 'string',
      enum: ['bgp', 'layer2', 'vip'],
      default: 'bgp',
    });
    expect(prop(spec, 'address')['x-kubernetes-validations']).toEqual([
      { rule: 'self == oldSelf', message: 'spec.address is immutable: create a new Eip instead' },
    ]);
    expect(JSON.stringify(spec['x-kubernetes-validations'])).toContain('has(self.interface)');
  });

  it('BgpConf and BgpPeer bound ASNs and ports', () => {
    const conf = prop(byName('bgpconfs').spec.versions[1]!.schema.openAPIV3Schema, 'spec');
    expect(prop(conf, 'as')).toMatchObject({ type: 'integer', minimum: 1, maximum: 4294967295 });
    expect(prop(conf, 'listenPort')).toMatchObject({ minimum: -1, maximum: 65535 });
    const peer = prop(byName('bgppeers').spec.versions[1]!.schema.openAPIV3Schema, 'spec');
    expect(prop(peer, 'conf').required).toEqual(['peerAs', 'neighborAddress']);
    expect(prop(peer, 'ebgpMultihop', 'multihopTtl')).toMatchObject({ minimum: 1, maximum: 255 });
    expect(prop(peer, 'timers', 'config', 'holdTime')['x-kubernetes-int-or-string']).toBe(true);
    const v1 = prop(byName('bgppeers').spec.versions[0]!.schema.openAPIV3Schema, 'spec');
    expect(prop(v1, 'transport', 'remotePort')).toMatchObject({ minimum: 1, maximum: 65535 });
  });

  it('Eip status keeps every OpenELB field and adds conditions as a list-map', () => {
    const status = prop(byName('eips').spec.versions[1]!.schema.openAPIV3Schema, 'status');
    expect(Object.keys(status.properties as object).sort()).toEqual(
      ['conditions', 'firstIP', 'lastIP', 'occupied', 'poolSize', 'ready', 'usage', 'used', 'v4'].sort(),
    );
    expect(prop(status, 'conditions')).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    });
    expect(prop(status, 'used')).toMatchObject({
      type: 'object',
      additionalProperties: { type: 'string' },
    });
  });
});

describe('toStructural', () => {
  it('turns enums, maps and closed objects into structural forms', () => {
    const schema = Type.Object(
      {
        mode: Type.Union([Type.Literal('a'), Type.Literal('b')], { description: 'm' }),
        labels: Type.Record(Type.String(), Type.Integer()),
        only: Type.Literal('x'),
      },
      { additionalProperties: false, $id: 'Thing' },
    );
    expect(toStructural(schema)).toEqual({
      properties: {
        labels: { additionalProperties: { type: 'integer' }, type: 'object' },
        mode: { description: 'm', enum: ['a', 'b'], type: 'string' },
        only: { enum: ['x'], type: 'string' },
      },
      required: ['mode', 'labels', 'only'],
      type: 'object',
    } satisfies SchemaNode);
  });

  it('refuses $ref, general unions, tuples and pattern-keyed maps', () => {
    expect(() => toStructural({ $ref: '#/x' })).toThrow(/\$ref/);
    expect(() => toStructural(Type.Union([Type.String(), Type.Integer()]))).toThrow(/anyOf/);
    expect(() => toStructural(Type.Tuple([Type.String()]))).toThrow(/tuple|additionalItems|not allowed/);
    expect(() => toStructural({ type: 'object', patternProperties: { '^a': { type: 'string' } } })).toThrow(
      /maps/,
    );
    expect(() => toStructural({ type: 'string', unknownKey: 1 })).toThrow(/unknownKey/);
  });

  it('structuralViolations finds untyped nodes and closed objects', () => {
    expect(
      structuralViolations({ type: 'object', properties: { a: {} }, additionalProperties: false }),
    ).toEqual([
      '<root>: additionalProperties: false is not allowed',
      '<root>: properties and additionalProperties together',
      '.a: no type',
    ]);
    expect(
      structuralViolations({
        type: 'array',
        items: { type: 'object', properties: { type: { type: 'string' } } },
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      }),
    ).toEqual(['<root>: list-map key "type" not required']);
  });
});
