/**
 * The three CustomResourceDefinitions (apiextensions.k8s.io/v1), built from the TypeBox schemas in
 * src/api/schema. deploy/crds/*.yaml is generated from here by scripts/gen-crds.ts; never edit the YAML.
 */
import type { TSchema } from '@sinclair/typebox';
import { API_GROUP, BGP_CONF, BGP_PEER, EIP, STORAGE_VERSION, type ApiVersion } from '../keys.js';
import { BgpConfV1alpha1, BgpConfV1alpha2 } from '../schema/bgpconf.js';
import { BgpPeerV1alpha1, BgpPeerV1alpha2 } from '../schema/bgppeer.js';
import { EipV1alpha1, EipV1alpha2 } from '../schema/eip.js';
import { structuralViolations, toStructural, type SchemaNode } from './structural.js';

/** One additionalPrinterColumns entry. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description: string;
  readonly priority?: number;
}

interface VersionInput {
  readonly name: ApiVersion;
  readonly schema: TSchema;
  readonly columns: readonly PrinterColumn[];
}

interface KindInput {
  readonly names: {
    readonly kind: string;
    readonly listKind: string;
    readonly plural: string;
    readonly singular: string;
  };
  readonly categories: readonly string[];
  readonly versions: readonly VersionInput[];
}

const age: PrinterColumn = {
  name: 'AGE',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since the object was created.',
};

const eipColumns = (): PrinterColumn[] => [
  { name: 'CIDR', type: 'string', jsonPath: '.spec.address', description: 'The address pool.' },
  { name: 'PROTOCOL', type: 'string', jsonPath: '.spec.protocol', description: 'bgp, layer2 or vip.' },
  { name: 'USAGE', type: 'integer', jsonPath: '.status.usage', description: 'Addresses in use.' },
  { name: 'TOTAL', type: 'integer', jsonPath: '.status.poolSize', description: 'Addresses in the pool.' },
  { name: 'DISABLED', type: 'boolean', jsonPath: '.spec.disable', description: 'No new allocations.' },
  age,
];

const KINDS: readonly KindInput[] = [
  {
    names: EIP,
    categories: ['networking', 'openelb'],
    versions: [
      { name: 'v1alpha1', schema: EipV1alpha1, columns: eipColumns() },
      { name: 'v1alpha2', schema: EipV1alpha2, columns: eipColumns() },
    ],
  },
  {
    names: BGP_CONF,
    categories: ['openelb'],
    versions: [
      {
        name: 'v1alpha1',
        schema: BgpConfV1alpha1,
        columns: [
          { name: 'AS', type: 'integer', jsonPath: '.spec.as', description: 'Local ASN.' },
          { name: 'ROUTERID', type: 'string', jsonPath: '.spec.routerID', description: 'Router id.' },
          { name: 'PORT', type: 'integer', jsonPath: '.spec.port', description: 'BGP listen port.' },
          age,
        ],
      },
      {
        name: 'v1alpha2',
        schema: BgpConfV1alpha2,
        columns: [
          { name: 'AS', type: 'integer', jsonPath: '.spec.as', description: 'Local ASN.' },
          {
            name: 'LISTENPORT',
            type: 'integer',
            jsonPath: '.spec.listenPort',
            description: 'BGP listen port.',
          },
          {
            name: 'ROUTERID',
            type: 'string',
            jsonPath: '.spec.routerId',
            description: 'Router id (empty: each node uses its own IP).',
          },
          age,
        ],
      },
    ],
  },
  {
    names: BGP_PEER,
    categories: ['openelb'],
    versions: [
      {
        name: 'v1alpha1',
        schema: BgpPeerV1alpha1,
        columns: [
          { name: 'PEERAS', type: 'integer', jsonPath: '.spec.config.peerAs', description: 'Neighbour ASN.' },
          {
            name: 'NEIGHBOR',
            type: 'string',
            jsonPath: '.spec.config.neighborAddress',
            description: 'Neighbour address.',
          },
          age,
        ],
      },
      {
        name: 'v1alpha2',
        schema: BgpPeerV1alpha2,
        columns: [
          { name: 'PEERAS', type: 'integer', jsonPath: '.spec.conf.peerAs', description: 'Neighbour ASN.' },
          {
            name: 'NEIGHBOR',
            type: 'string',
            jsonPath: '.spec.conf.neighborAddress',
            description: 'Neighbour address.',
          },
          {
            name: 'REMOTEPORT',
            type: 'integer',
            jsonPath: '.spec.transport.remotePort',
            description: 'Neighbour TCP port (empty: 179).',
            priority: 1,
          },
          {
            name: 'PASSIVE',
            type: 'boolean',
            jsonPath: '.spec.transport.passiveMode',
            description: 'Wait for the neighbour to connect.',
            priority: 1,
          },
          age,
        ],
      },
    ],
  },
];

/** A CRD as plain data, ready for YAML or the API. */
export type CrdObject = SchemaNode;

function versionEntry(version: VersionInput, path: string): SchemaNode {
  const openAPIV3Schema = toStructural(version.schema);
  const problems = structuralViolations(openAPIV3Schema);
  if (problems.length > 0)
    throw new Error(`${path} ${version.name} is not structural: ${problems.join('; ')}`);
  return {
    name: version.name,
    served: true,
    storage: version.name === STORAGE_VERSION,
    // Both versions get the status subresource: with conversion None they share one stored object, so a
    // v1alpha1 client's update must not be able to wipe the status the controller writes.
    subresources: { status: {} },
    additionalPrinterColumns: version.columns.map((c) => ({ ...c })),
    schema: { openAPIV3Schema },
  };
}

/** Build the three CRDs. Throws only if a schema in src/api/schema is not structural (a bug). */
export function buildCrds(): CrdObject[] {
  return KINDS.map((k) => {
    const name = `${k.names.plural}.${API_GROUP}`;
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name, labels: { 'app.kubernetes.io/part-of': 'openelb' } },
      spec: {
        group: API_GROUP,
        names: { ...k.names, categories: [...k.categories] },
        scope: 'Cluster',
        conversion: { strategy: 'None' },
        versions: k.versions.map((v) => versionEntry(v, name)),
      },
    };
  });
}
