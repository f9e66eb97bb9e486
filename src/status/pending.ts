/** Pure: why an OpenELB Service has no IP, from the controller's AssignIPFailed Warning Events. */
import type { ServiceObject } from '../controller/objects.js';
import { ASSIGN_FAILED_REASON, type EventWire } from './gather.js';
import { NO_EVENT_YET } from './view.js';

/** When an Event last happened, as ms since the epoch (NaN when it carries no time). */
function lastSeen(e: EventWire): { ms: number; text: string | null } {
  const text = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? null;
  return { ms: text === null ? Number.NaN : Date.parse(text), text };
}

/** The message of the newest AssignIPFailed Warning Event about `svc`, or {@link NO_EVENT_YET}. */
export function pendingReason(
  svc: ServiceObject,
  events: readonly EventWire[],
): { reason: string; eventTime: string | null } {
  const ns = svc.metadata?.namespace;
  const name = svc.metadata?.name;
  const uid = svc.metadata?.uid;
  let best: { event: EventWire; ms: number; text: string | null } | undefined;
  for (const e of events) {
    const o = e.involvedObject;
    if (e.type !== 'Warning' || e.reason !== ASSIGN_FAILED_REASON) continue;
    if (o?.kind !== undefined && o.kind !== 'Service') continue;
    if (o?.name !== name || (o?.namespace ?? e.metadata?.namespace) !== ns) continue;
    // A same-named Service that was deleted and created again is another object: its Events do not apply.
    if (uid !== undefined && o?.uid !== undefined && o.uid !== uid) continue;
    const seen = lastSeen(e);
    // Events without a time rank oldest; ties keep the later one in list order (created later).
    const rank = Number.isNaN(seen.ms) ? Number.NEGATIVE_INFINITY : seen.ms;
    const bestRank = best === undefined || Number.isNaN(best.ms) ? Number.NEGATIVE_INFINITY : best.ms;
    if (best === undefined || rank >= bestRank) best = { event: e, ...seen };
  }
  if (best === undefined) return { reason: NO_EVENT_YET, eventTime: null };
  return { reason: best.event.message ?? '(the Event has no message)', eventTime: best.text };
}
