/**
 * Which Service updates can change what a speaker announces. Both sides read only the Eip label, the
 * deletion mark, `spec.externalTrafficPolicy` and the ingress IPs (src/speaker/desired-bgp.ts and
 * desired-layer2.ts). The controller writes every new Service twice (label + finalizer, then status),
 * and each reconcile holds the speaker's key briefly to coalesce bursts, so reacting to the first,
 * irrelevant write would delay the one that carries the IP by that hold.
 */
import { LABEL_EIP } from '../api/keys.js';
import type { ServiceObject } from './objects.js';

type Announced = ServiceObject & { spec?: { externalTrafficPolicy?: string } };

/** The part of a Service that announcements depend on, as a comparable string. */
function announcedPart(svc: Announced): string {
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  // Without an IP there is nothing to announce, whatever the label or policy says (the controller
  // writes the label just before the status).
  if (ingress.length === 0) return '';
  return JSON.stringify([
    svc.metadata?.labels?.[LABEL_EIP] ?? null,
    svc.metadata?.deletionTimestamp ?? null,
    svc.spec?.externalTrafficPolicy ?? null,
    ingress.map((e) => e.ip ?? ''),
  ]);
}

/**
 * True when an update from `before` to `after` can change what any speaker announces. For an add or a
 * delete, compare with `{}`: a new Service without an Eip label and IPs changes nothing yet.
 */
export function announcementsMayChange(before: unknown, after: unknown): boolean {
  return announcedPart(before as Announced) !== announcedPart(after as Announced);
}
