// core/v1 Events and events.k8s.io/v1 Events are two views of one storage, as on a real server:
// objects are stored in the core/v1 shape and converted on the way in and out of the events.k8s.io view.

import type { Obj } from './store.js';

/** core/v1 field ← events.k8s.io/v1 field, for the fields that differ only in name. */
const RENAMES: readonly (readonly [string, string])[] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];

function rename(obj: Obj, pairs: readonly (readonly [string, string])[]): Obj {
  const out: Obj = {};
  const map = new Map(pairs);
  for (const [k, v] of Object.entries(obj)) {
    const to = map.get(k);
    if (to === undefined) out[k] = v;
    else if (v !== undefined && v !== null) out[to] = v;
  }
  return out;
}

/** The events.k8s.io/v1 view of a stored core/v1 Event. */
export function toEventsV1(stored: Obj): Obj {
  return rename(stored, RENAMES);
}

/** The core/v1 storage shape of an events.k8s.io/v1 Event. */
export function fromEventsV1(view: Obj): Obj {
  return rename(
    view,
    RENAMES.map(([core, v1]) => [v1, core] as const),
  );
}

/** Field selector names of the events.k8s.io view mapped to the stored (core/v1) names. */
export function eventsV1FieldToCore(field: string): string {
  for (const [core, v1] of RENAMES) {
    if (field === v1) return core;
    if (field.startsWith(`${v1}.`)) return `${core}${field.slice(v1.length)}`;
  }
  return field;
}
