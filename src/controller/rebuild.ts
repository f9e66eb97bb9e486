/**
 * The leader's starting point (pure): Service status is the ledger. Every Service that shows
 * ingress IPs and is ours (opted in, or still carrying our label/finalizer) is put back into the
 * allocator before any key is processed, oldest first, so no pending Service can take an IP that
 * another already holds, and no IP moves across restarts or failovers.
 */
import { parseIp, type IpAddress } from '../ip/address.js';
import type { AllocationRequest, RestoreEntry } from '../ipam/index.js';
import { byCreation, ingressIps, type ServiceObject } from './objects.js';
import { buildRequest, carriesOurMarks, optIn } from './service-intent.js';

function keyOf(svc: ServiceObject): string {
  return `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
}

/** A request with nothing pinned or requested, for a Service whose annotations cannot be read. */
function bareRequest(
  svc: ServiceObject,
  namespaceLabels: Readonly<Record<string, string>>,
): AllocationRequest {
  return {
    namespace: svc.metadata?.namespace ?? '',
    name: svc.metadata?.name ?? '',
    namespaceLabels,
    pinnedEips: [],
    requestedIps: [],
    ipFamilies: [],
    ipFamilyPolicy: undefined,
    ports: [],
  };
}

/**
 * Restore entries for every Service holding IPs, oldest first. Services of other controllers are
 * skipped: their ingress IPs are not ours to account for.
 */
export function restoreEntries(
  services: readonly ServiceObject[],
  namespaceLabels: (namespace: string) => Readonly<Record<string, string>>,
): RestoreEntry[] {
  const held = services.filter((s) => ingressIps(s).length > 0 && (optIn(s).ours || carriesOurMarks(s)));
  held.sort(byCreation(keyOf));
  return held.map((svc) => {
    const labels = namespaceLabels(svc.metadata?.namespace ?? '');
    const built = buildRequest(svc, labels);
    const ips: IpAddress[] = [];
    for (const text of ingressIps(svc)) {
      const parsed = parseIp(text);
      if (parsed.ok) ips.push(parsed.value);
    }
    return { request: 'request' in built ? built.request : bareRequest(svc, labels), ips };
  });
}

/**
 * Keys in the order the first pass processes them: Services already holding IPs first (they only
 * confirm what restore put back), then the rest, each group oldest first.
 */
export function initialServiceOrder(services: readonly ServiceObject[]): string[] {
  const sorted = [...services].sort(byCreation(keyOf));
  const assigned = sorted.filter((s) => ingressIps(s).length > 0);
  const rest = sorted.filter((s) => ingressIps(s).length === 0);
  return [...assigned, ...rest].map(keyOf);
}
