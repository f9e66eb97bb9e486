// Cell values of the built-in printers (kubernetes/pkg/printers/internalversion behaviour).

import { age, arr, field, isObj, str } from './format.js';

export const name = (o: unknown): string => str(field(o, 'metadata', 'name'));
export const created = (o: unknown, now: Date): string => age(field(o, 'metadata', 'creationTimestamp'), now);

function loadBalancerIPs(svc: unknown): string {
  return arr(field(svc, 'status', 'loadBalancer', 'ingress'))
    .map((i) => str(field(i, 'ip')) || str(field(i, 'hostname')))
    .filter((s) => s !== '')
    .join(',');
}

export function serviceExternalIP(svc: unknown): string {
  const externalIPs = arr(field(svc, 'spec', 'externalIPs')).map(str);
  switch (str(field(svc, 'spec', 'type')) || 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIPs(svc);
      if (externalIPs.length > 0) return [...(lb === '' ? [] : lb.split(',')), ...externalIPs].join(',');
      return lb === '' ? '<pending>' : lb;
    }
    case 'ExternalName':
      return str(field(svc, 'spec', 'externalName'));
    default:
      return '<unknown>';
  }
}

export function servicePorts(svc: unknown): string {
  const ports = arr(field(svc, 'spec', 'ports')).map((p) => {
    const port = Number(field(p, 'port') ?? 0);
    const nodePort = Number(field(p, 'nodePort') ?? 0);
    const protocol = str(field(p, 'protocol'));
    return nodePort > 0 ? `${port}:${nodePort}/${protocol}` : `${port}/${protocol}`;
  });
  return ports.length > 0 ? ports.join(',') : '<none>';
}

export function nodeStatus(node: unknown): string {
  const status: string[] = [];
  const ready = arr(field(node, 'status', 'conditions')).find((c) => field(c, 'type') === 'Ready');
  if (ready !== undefined) status.push(field(ready, 'status') === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (field(node, 'spec', 'unschedulable') === true) status.push('SchedulingDisabled');
  return status.join(',');
}

export function nodeRoles(node: unknown): string {
  const roles = new Set<string>();
  const labels = field(node, 'metadata', 'labels');
  if (isObj(labels)) {
    for (const [k, v] of Object.entries(labels)) {
      if (k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length) {
        roles.add(k.slice('node-role.kubernetes.io/'.length));
      } else if (k === 'kubernetes.io/role' && str(v) !== '') roles.add(str(v));
    }
  }
  return roles.size > 0 ? [...roles].sort().join(',') : '<none>';
}

export function nodeAddress(node: unknown, type: string): string {
  const a = arr(field(node, 'status', 'addresses')).find((x) => field(x, 'type') === type);
  return a === undefined ? '<none>' : str(field(a, 'address'));
}

export const orUnknown = (s: string): string => (s === '' ? '<unknown>' : s);

/** Reads both core/v1 Events and events.k8s.io/v1 Events (regarding/note/deprecated* fields). */
export function eventRow(e: Record<string, unknown>, now: Date): unknown[] {
  const first = field(e, 'firstTimestamp') ?? field(e, 'deprecatedFirstTimestamp');
  const firstSeen = first ? age(first, now) : age(field(e, 'eventTime'), now);
  const last = field(e, 'lastTimestamp') ?? field(e, 'deprecatedLastTimestamp');
  let lastSeen = last ? age(last, now) : firstSeen;
  let count = Number(field(e, 'count') ?? field(e, 'deprecatedCount') ?? 0);
  const series = field(e, 'series');
  if (isObj(series)) {
    lastSeen = age(series['lastObservedTime'], now);
    count = Number(series['count'] ?? 0);
  } else if (count === 0) count = 1;
  const involved = field(e, 'involvedObject') ?? field(e, 'regarding');
  const kind = str(field(involved, 'kind')).toLowerCase();
  const objName = str(field(involved, 'name'));
  const component =
    str(field(e, 'source', 'component')) ||
    str(field(e, 'deprecatedSource', 'component')) ||
    str(field(e, 'reportingController'));
  const host =
    str(field(e, 'source', 'host')) ||
    str(field(e, 'deprecatedSource', 'host')) ||
    str(field(e, 'reportingInstance'));
  const source = component === '' ? '<unknown>' : host === '' ? component : `${component}, ${host}`;
  return [
    lastSeen,
    str(field(e, 'type')),
    str(field(e, 'reason')),
    objName === '' ? kind : `${kind}/${objName}`,
    str(field(involved, 'fieldPath')),
    source,
    (str(field(e, 'message')) || str(field(e, 'note'))).trim(),
    firstSeen,
    count,
    name(e),
  ];
}

function listWithMore(list: string[], count: number, max: number): string {
  const s = list.join(',');
  if (count > max) return `${s} + ${count - max} more...`;
  return s === '' ? '<unset>' : s;
}

export function endpointSlicePorts(es: unknown): string {
  const ports = arr(field(es, 'ports'));
  const list = ports.slice(0, 3).map((p) => {
    const port = field(p, 'port');
    if (typeof port === 'number') return String(port);
    return typeof field(p, 'name') === 'string' ? str(field(p, 'name')) : '*';
  });
  return listWithMore(list, ports.length, 3);
}

export function endpointSliceEndpoints(es: unknown): string {
  const endpoints = arr(field(es, 'endpoints'));
  if (endpoints.length === 0) return '<unset>';
  const addresses = endpoints.flatMap((e) => arr(field(e, 'addresses')).map(str));
  return listWithMore(addresses.slice(0, 3), addresses.length, 3);
}
