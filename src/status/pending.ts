/** Pure: the Warning Events about a Service that status shows (why it has no IP, address conflicts). */
import type { ServiceObject } from '../controller/objects.js';
import { ASSIGN_FAILED_REASON, type EventWire } from './gather.js';
import { NO_EVENT_YET } from './view.js';

/** When an Event last happened, as ms since the epoch (NaN when it carries no time). */
function lastSeen(e: EventWire): { ms: number; text: string | null } {
  const text = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? null;
  return { ms: text === null ? Number.NaN : Date.parse(text), text };
}

/** The `reason` Warning Events about `svc` (not about an older Service of the same name), newest first. */
export function warningsAbout(
  svc: ServiceObject,
  events: readonly EventWire[],
  reason: string,
): { event: EventWire; text: string | null }[] {
  const ns = svc.metadata?.namespace;
  const name = svc.metadata?.name;
  const uid = svc.metadata?.uid;
  const found: { event: EventWire; ms: number; text: string | null; order: number }[] = [];
  for (const [order, e] of events.entries()) {
    const o = e.involvedObject;
    if (e.type !== 'Warning' || e.reason !== reason) continue;
    if (o?.kind !== undefined && o.kind !== 'Service') continue;
    if (o?.name !== name || (o?.namespace ?? e.metadata?.namespace) !== ns) continue;
    // A same-named Service that was deleted and created again is another object: its Events do not apply.
    if (uid !== undefined && o?.uid !== undefined && o.uid !== uid) continue;
    const seen = lastSeen(e);
    // Events without a time rank oldest.
    found.push({ event: e, ...seen, ms: Number.isNaN(seen.ms) ? Number.NEGATIVE_INFINITY : seen.ms, order });
  }
  // Ties: the later one in list order (created later) first.
  found.sort((a, b) => b.ms - a.ms || b.order - a.order);
  return found.map(({ event, text }) => ({ event, text }));
}

/** The message of the newest AssignIPFailed Warning Event about `svc`, or {@link NO_EVENT_YET}. */
export function pendingReason(
  svc: ServiceObject,
  events: readonly EventWire[],
): { reason: string; eventTime: string | null } {
  const [newest] = warningsAbout(svc, events, ASSIGN_FAILED_REASON);
  if (newest === undefined) return { reason: NO_EVENT_YET, eventTime: null };
  return { reason: newest.event.message ?? '(the Event has no message)', eventTime: newest.text };
}
