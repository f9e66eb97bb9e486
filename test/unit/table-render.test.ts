import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { renderTable, type PrinterColumn } from '../lab/apiserver/table.js';
import { evalJsonPath, humanDuration, parseJsonPath } from '../lab/apiserver/table/format.js';

const NOW = new Date('2025-01-10T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();

interface Table {
  kind: string;
  apiVersion: string;
  metadata: Record<string, unknown>;
  columnDefinitions: { name: string; type: string; format: string; description: string; priority: number }[];
  rows: { cells: unknown[]; object?: Record<string, unknown> }[];
}

function table(resource: string, objects: Record<string, unknown>[], columns?: PrinterColumn[]): Table {
  return renderTable(
    { resource, columns },
    objects,
    { resourceVersion: '42' },
    'Metadata',
    NOW,
  ) as unknown as Table;
}

const headers = (t: Table): string[] => t.columnDefinitions.map((c) => c.name);

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [-1.5, '0s'],
    [-2.5, '<invalid>'],
    [5, '5s'],
    [119, '119s'],
    [120, '2m'],
    [182, '3m2s'],
    [600, '10m'],
    [179 * 60, '179m'],
    [3 * 3600, '3h'],
    [3 * 3600 + 5 * 60, '3h5m'],
    [8 * 3600 + 59 * 60, '8h'],
    [47 * 3600, '47h'],
    [48 * 3600, '2d'],
    [51 * 3600, '2d3h'],
    [8 * 86400, '8d'],
    [730 * 86400, '2y'],
    [731 * 86400, '2y1d'],
    [9 * 365 * 86400, '9y'],
  ])('%d s -> %s', (seconds, expected) => {
    expect(humanDuration(seconds * 1000)).toBe(expected);
  });
});

describe('jsonpath subset', () => {
  const obj = {
    spec: { ports: [{ port: 80 }, { port: 443 }], 'a.b': 'dotted' },
    status: {
      conditions: [
        { type: 'Valid', status: 'False' },
        { type: 'Ready', status: 'True' },
      ],
    },
  };
  it.each<[string, unknown[]]>([
    ['.spec.ports[0].port', [80]],
    ['.spec.ports[-1].port', [443]],
    ['.spec.ports[*].port', [80, 443]],
    [".spec['a.b']", ['dotted']],
    ['.spec.a\\.b', ['dotted']],
    ['.status.conditions[?(@.type=="Ready")].status', ['True']],
    ['{.status.conditions[?(@.type!="Ready")].type}', ['Valid']],
    ['.spec.missing', []],
    ['.spec.ports[5].port', []],
  ])('%s', (path, expected) => {
    const steps = parseJsonPath(path);
    expect(steps).toBeDefined();
    expect(evalJsonPath(obj, steps ?? [])).toEqual(expected);
  });
  it('rejects what it cannot parse', () => {
    expect(parseJsonPath('.a[?(@.x > 1)]')).toBeUndefined();
    expect(parseJsonPath('a.b')).toBeUndefined();
  });
});

describe('renderTable: custom resources', () => {
  const crd = parse(
    readFileSync(
      join(dirname(fileURLToPath(import.meta.url)), '../../deploy/crds/network.kubesphere.io_eips.yaml'),
      'utf8',
    ),
  ) as { spec: { versions: { name: string; additionalPrinterColumns: PrinterColumn[] }[] } };
  const columns = crd.spec.versions.find((v) => v.name === 'v1alpha2')?.additionalPrinterColumns ?? [];
  const eip = {
    apiVersion: 'network.kubesphere.io/v1alpha2',
    kind: 'Eip',
    metadata: { name: 'eip-a', creationTimestamp: ago(300), resourceVersion: '7', uid: 'u1' },
    spec: { address: '192.168.0.0/24', protocol: 'bgp', disable: false },
    status: { usage: 2, poolSize: 256 },
  };

  it('shows Name then the Eip printer columns with typed cells', () => {
    const t = table('eips', [eip], columns);
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.metadata).toEqual({ resourceVersion: '42' });
    expect(headers(t)).toEqual(['Name', 'CIDR', 'PROTOCOL', 'USAGE', 'TOTAL', 'DISABLED', 'AGE']);
    expect(t.columnDefinitions[0]).toMatchObject({
      name: 'Name',
      type: 'string',
      format: 'name',
      priority: 0,
    });
    expect(t.columnDefinitions[3]).toMatchObject({ name: 'USAGE', type: 'integer', format: '', priority: 0 });
    expect(t.rows[0]?.cells).toEqual(['eip-a', '192.168.0.0/24', 'bgp', 2, 256, false, '5m']);
  });

  it('gives null cells (kubectl prints them empty) for missing values', () => {
    const t = table('eips', [{ ...eip, status: undefined, spec: { address: '10.0.0.1' } }], columns);
    expect(t.rows[0]?.cells).toEqual(['eip-a', '10.0.0.1', null, null, null, null, '5m']);
  });

  it('includes PartialObjectMetadata, the object, or nothing as asked', () => {
    const meta = renderTable({ resource: 'eips', columns }, [eip], {}, 'Metadata', NOW) as unknown as Table;
    expect(meta.rows[0]?.object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: eip.metadata,
    });
    const full = renderTable({ resource: 'eips', columns }, [eip], {}, 'Object', NOW) as unknown as Table;
    expect(full.rows[0]?.object).toEqual(eip);
    const none = renderTable(
      { resource: 'eips', columns },
      [eip],
      { continue: 'abc' },
      'None',
      NOW,
    ) as unknown as Table;
    expect(none.rows[0]).toEqual({ cells: ['eip-a', '192.168.0.0/24', 'bgp', 2, 256, false, '5m'] });
    expect(none.metadata).toEqual({ continue: 'abc' });
  });

  it('uses Name + Age when the CRD declares no columns, and honours priority and string rendering', () => {
    expect(headers(table('things', [eip], []))).toEqual(['Name', 'Age']);
    expect(table('things', [eip], []).rows[0]?.cells).toEqual(['eip-a', '5m']);
    const custom: PrinterColumn[] = [
      { name: 'Status', type: 'string', jsonPath: '.status' },
      { name: 'Pool', type: 'string', jsonPath: '.status.poolSize', priority: 1 },
      { name: 'Wrong', type: 'integer', jsonPath: '.spec.address' },
    ];
    const t = table('things', [eip], custom);
    expect(t.columnDefinitions[2]?.priority).toBe(1);
    expect(t.rows[0]?.cells).toEqual(['eip-a', '{"usage":2,"poolSize":256}', '256', null]);
  });
});

describe('renderTable: built-in kinds', () => {
  const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => ({
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(3 * 86400 + 4 * 3600) },
    spec: {
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10'],
      ports: [{ port: 80, protocol: 'TCP' }],
      ...spec,
    },
    status,
  });

  it('renders Services like kubectl get svc -o wide', () => {
    const t = table('services', [
      svc({
        type: 'LoadBalancer',
        ports: [{ port: 80, nodePort: 31234, protocol: 'TCP' }],
        selector: { b: '2', a: '1' },
      }),
      svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '192.168.0.5' }] } }),
      svc({ type: 'ClusterIP', ports: [] }),
      svc({ type: 'NodePort', externalIPs: ['1.2.3.4'] }),
      svc({ type: 'ExternalName', externalName: 'example.com', clusterIPs: [] }),
    ]);
    expect(headers(t)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
    expect(t.columnDefinitions.map((c) => c.priority)).toEqual([0, 0, 0, 0, 0, 0, 1]);
    expect(t.rows.map((r) => r.cells)).toEqual([
      ['web', 'LoadBalancer', '10.96.0.10', '<pending>', '80:31234/TCP', '3d4h', 'a=1,b=2'],
      ['web', 'LoadBalancer', '10.96.0.10', '192.168.0.5', '80/TCP', '3d4h', '<none>'],
      ['web', 'ClusterIP', '10.96.0.10', '<none>', '<none>', '3d4h', '<none>'],
      ['web', 'NodePort', '10.96.0.10', '1.2.3.4', '80/TCP', '3d4h', '<none>'],
      ['web', 'ExternalName', '10.96.0.10', 'example.com', '80/TCP', '3d4h', '<none>'],
    ]);
  });

  it('renders Nodes with status, roles and version', () => {
    const node = {
      metadata: {
        name: 'n1',
        creationTimestamp: ago(60),
        labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' },
      },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        nodeInfo: { kubeletVersion: 'v1.32.0' },
        addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
      },
    };
    const t = table('nodes', [node, { metadata: { name: 'n2' } }]);
    expect(headers(t).slice(0, 5)).toEqual(['Name', 'Status', 'Roles', 'Age', 'Version']);
    expect(t.rows[0]?.cells).toEqual([
      'n1',
      'Ready,SchedulingDisabled',
      'control-plane,worker',
      '60s',
      'v1.32.0',
      '10.0.0.1',
      '<none>',
      '<unknown>',
      '<unknown>',
      '<unknown>',
    ]);
    expect(t.rows[1]?.cells.slice(0, 4)).toEqual(['n2', 'Unknown', '<none>', '<unknown>']);
  });

  it('renders core/v1 and events.k8s.io/v1 Events', () => {
    const core = {
      metadata: { name: 'web.1' },
      type: 'Normal',
      reason: 'AssignIP',
      involvedObject: { kind: 'Service', name: 'web' },
      source: { component: 'openelb-manager' },
      message: ' assigned 192.168.0.5 ',
      firstTimestamp: ago(600),
      lastTimestamp: ago(30),
      count: 3,
    };
    const modern = {
      metadata: { name: 'web.2' },
      type: 'Warning',
      reason: 'AssignIPFailed',
      regarding: { kind: 'Service', name: 'web' },
      reportingController: 'openelb',
      reportingInstance: 'pod-1',
      note: 'no Eip',
      eventTime: ago(10),
    };
    const t = table('events', [core, modern]);
    expect(headers(t)).toEqual([
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Subobject',
      'Source',
      'Message',
      'First Seen',
      'Count',
      'Name',
    ]);
    expect(t.rows.map((r) => r.cells)).toEqual([
      [
        '30s',
        'Normal',
        'AssignIP',
        'service/web',
        '',
        'openelb-manager',
        'assigned 192.168.0.5',
        '10m',
        3,
        'web.1',
      ],
      ['10s', 'Warning', 'AssignIPFailed', 'service/web', '', 'openelb, pod-1', 'no Eip', '10s', 1, 'web.2'],
    ]);
  });

  it.each<[string, Record<string, unknown>, string[], unknown[]]>([
    [
      'namespaces',
      { metadata: { name: 'default', creationTimestamp: ago(5) }, status: { phase: 'Active' } },
      ['Name', 'Status', 'Age'],
      ['default', 'Active', '5s'],
    ],
    [
      'leases',
      { metadata: { name: 'openelb-manager', creationTimestamp: ago(5) }, spec: { holderIdentity: 'pod-a' } },
      ['Name', 'Holder', 'Age'],
      ['openelb-manager', 'pod-a', '5s'],
    ],
    [
      'configmaps',
      {
        metadata: { name: 'cm', creationTimestamp: ago(5) },
        data: { a: '1', b: '2' },
        binaryData: { c: 'AA==' },
      },
      ['Name', 'Data', 'Age'],
      ['cm', 3, '5s'],
    ],
    [
      'secrets',
      { metadata: { name: 's', creationTimestamp: ago(5) }, type: 'Opaque', data: { k: 'dg==' } },
      ['Name', 'Type', 'Data', 'Age'],
      ['s', 'Opaque', 1, '5s'],
    ],
    [
      'endpointslices',
      {
        metadata: { name: 'web-abc', creationTimestamp: ago(5) },
        addressType: 'IPv4',
        ports: [{ port: 80 }, { name: 'dns' }],
        endpoints: [
          { addresses: ['10.1.0.1'] },
          { addresses: ['10.1.0.2'] },
          { addresses: ['10.1.0.3'] },
          { addresses: ['10.1.0.4'] },
        ],
      },
      ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
      ['web-abc', 'IPv4', '80,dns', '10.1.0.1,10.1.0.2,10.1.0.3 + 1 more...', '5s'],
    ],
    [
      'customresourcedefinitions',
      { metadata: { name: 'eips.network.kubesphere.io', creationTimestamp: '2025-01-01T00:00:00.000Z' } },
      ['Name', 'Created At'],
      ['eips.network.kubesphere.io', '2025-01-01T00:00:00Z'],
    ],
  ])('%s', (resource, o, expectedHeaders, cells) => {
    const t = table(resource, [o]);
    expect(headers(t)).toEqual(expectedHeaders);
    expect(t.rows[0]?.cells).toEqual(cells);
  });

  it('renders an empty list with its columns', () => {
    const t = table('services', []);
    expect(t.rows).toEqual([]);
    expect(t.columnDefinitions).toHaveLength(7);
  });
});
