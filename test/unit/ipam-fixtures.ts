// Builders for the allocator tests: Eips and Service requests with sensible defaults.
import type { EipConfig } from '../../src/api/index.js';
import { parseIp, type IpAddress } from '../../src/ip/address.js';
import { parseAddressRange } from '../../src/ip/range.js';
import type { AllocationRequest } from '../../src/ipam/index.js';

export function eip(name: string, address: string, extra: Partial<EipConfig> = {}): EipConfig {
  const range = parseAddressRange(address);
  if (!range.ok) throw new Error(range.error);
  return {
    name,
    apiVersion: 'v1alpha2',
    generation: 1,
    range: range.value,
    protocol: 'bgp',
    interface: undefined,
    disable: false,
    priority: 0,
    namespaces: [],
    namespaceSelector: undefined,
    isDefault: false,
    cni: undefined,
    deleting: false,
    ...extra,
  };
}

export function ip(text: string): IpAddress {
  const parsed = parseIp(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

/** A request for `ns/name`; `requestedIps` may be given as text. */
export function svc(
  key: string,
  extra: Partial<Omit<AllocationRequest, 'requestedIps'>> & {
    requestedIps?: readonly (string | IpAddress)[];
  } = {},
): AllocationRequest {
  const [namespace = '', name = ''] = key.split('/');
  const { requestedIps = [], ...rest } = extra;
  return {
    namespace,
    name,
    namespaceLabels: {},
    pinnedEips: [],
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    ports: [{ protocol: 'TCP', port: 80 }],
    ...rest,
    requestedIps: requestedIps.map((r) => (typeof r === 'string' ? ip(r) : r)),
  };
}
