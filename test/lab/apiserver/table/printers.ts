// Server-side Table printers of the built-in kinds the local API serves, with the columns and cell
// formats of kubernetes/pkg/printers/internalversion (generated with Wide on, as the real server
// does; kubectl hides priority > 0 columns unless -o wide).

import {
  created,
  endpointSliceEndpoints,
  endpointSlicePorts,
  eventRow,
  name,
  nodeAddress,
  nodeRoles,
  nodeStatus,
  orUnknown,
  servicePorts,
  serviceExternalIP,
} from './cells.js';
import { arr, field, formatLabels, isObj, str } from './format.js';

export interface ColumnDefinition {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

export interface Printer {
  readonly columns: readonly ColumnDefinition[];
  row(obj: Record<string, unknown>, now: Date): unknown[];
}

export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
export const CREATED_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export function col(
  name: string,
  description: string,
  opts: Partial<ColumnDefinition> = {},
): ColumnDefinition {
  return { name, type: 'string', format: '', description, priority: 0, ...opts };
}

export const NAME_COLUMN = col('Name', NAME_DESCRIPTION, { format: 'name' });
const AGE_COLUMN = col('Age', CREATED_DESCRIPTION);

const PRINTERS: Readonly<Record<string, Printer>> = {
  services: {
    columns: [
      NAME_COLUMN,
      col('Type', 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'clusterIP is the IP address of the service.'),
      col(
        'External-IP',
        'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic.',
      ),
      col('Port(s)', 'The list of ports that are exposed by this service.'),
      AGE_COLUMN,
      col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', {
        priority: 1,
      }),
    ],
    row: (o, now) => {
      const clusterIPs = arr(field(o, 'spec', 'clusterIPs')).map(str);
      const clusterIP = clusterIPs[0] ?? (str(field(o, 'spec', 'clusterIP')) || '<none>');
      const type = str(field(o, 'spec', 'type'));
      return [
        name(o),
        type,
        clusterIP,
        serviceExternalIP(o),
        servicePorts(o),
        created(o, now),
        formatLabels(field(o, 'spec', 'selector')),
      ];
    },
  },
  namespaces: {
    columns: [NAME_COLUMN, col('Status', 'The status of the namespace'), AGE_COLUMN],
    row: (o, now) => [name(o), str(field(o, 'status', 'phase')), created(o, now)],
  },
  nodes: {
    columns: [
      NAME_COLUMN,
      col('Status', 'The status of the node'),
      col('Roles', 'The roles of the node'),
      AGE_COLUMN,
      col('Version', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'List of addresses reachable to the node.', { priority: 1 }),
      col('External-IP', 'List of addresses reachable to the node.', { priority: 1 }),
      col(
        'OS-Image',
        'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
        { priority: 1 },
      ),
      col(
        'Kernel-Version',
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        { priority: 1 },
      ),
      col(
        'Container-Runtime',
        'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
        { priority: 1 },
      ),
    ],
    row: (o, now) => [
      name(o),
      nodeStatus(o),
      nodeRoles(o),
      created(o, now),
      str(field(o, 'status', 'nodeInfo', 'kubeletVersion')),
      nodeAddress(o, 'InternalIP'),
      nodeAddress(o, 'ExternalIP'),
      orUnknown(str(field(o, 'status', 'nodeInfo', 'osImage'))),
      orUnknown(str(field(o, 'status', 'nodeInfo', 'kernelVersion'))),
      orUnknown(str(field(o, 'status', 'nodeInfo', 'containerRuntimeVersion'))),
    ],
  },
  leases: {
    columns: [
      NAME_COLUMN,
      col('Holder', 'holderIdentity contains the identity of the holder of a current lease.'),
      AGE_COLUMN,
    ],
    row: (o, now) => [name(o), str(field(o, 'spec', 'holderIdentity')), created(o, now)],
  },
  events: {
    columns: [
      col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
      col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
      col(
        'Reason',
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
      ),
      col('Object', 'The object that this event is about.'),
      col(
        'Subobject',
        'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.',
        { priority: 1 },
      ),
      col('Source', 'The component reporting this event. Should be a short machine understandable string.', {
        priority: 1,
      }),
      col('Message', 'A human-readable description of the status of this operation.'),
      col(
        'First Seen',
        'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
        { priority: 1 },
      ),
      col('Count', 'The number of times this event has occurred.', { priority: 1 }),
      col('Name', NAME_DESCRIPTION, { priority: 1, format: 'name' }),
    ],
    row: eventRow,
  },
  configmaps: {
    columns: [NAME_COLUMN, col('Data', 'Data contains the configuration data.'), AGE_COLUMN],
    row: (o, now) => {
      const data = field(o, 'data');
      const binary = field(o, 'binaryData');
      const n =
        (isObj(data) ? Object.keys(data).length : 0) + (isObj(binary) ? Object.keys(binary).length : 0);
      return [name(o), n, created(o, now)];
    },
  },
  secrets: {
    columns: [
      NAME_COLUMN,
      col('Type', 'Used to facilitate programmatic handling of secret data.'),
      col('Data', 'Data contains the secret data.'),
      AGE_COLUMN,
    ],
    row: (o, now) => {
      const data = field(o, 'data');
      return [name(o), str(field(o, 'type')), isObj(data) ? Object.keys(data).length : 0, created(o, now)];
    },
  },
  endpointslices: {
    columns: [
      NAME_COLUMN,
      col('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
      col('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
      col('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
      AGE_COLUMN,
    ],
    row: (o, now) => [
      name(o),
      str(field(o, 'addressType')),
      endpointSlicePorts(o),
      endpointSliceEndpoints(o),
      created(o, now),
    ],
  },
};

/** The printer of a built-in resource (by plural), if it has one. */
export function builtinPrinter(resource: string): Printer | undefined {
  return Object.hasOwn(PRINTERS, resource) ? PRINTERS[resource] : undefined;
}

/** The real server's default table convertor (no printer): Name and Created At (RFC 3339). */
export const DEFAULT_PRINTER: Printer = {
  columns: [NAME_COLUMN, col('Created At', CREATED_DESCRIPTION, { type: 'date' })],
  row: (o) => {
    const ts = field(o, 'metadata', 'creationTimestamp');
    const t = typeof ts === 'string' ? Date.parse(ts) : NaN;
    return [name(o), Number.isNaN(t) ? null : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z')];
  },
};
