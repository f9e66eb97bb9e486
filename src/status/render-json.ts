/** Pure: the status view as one JSON document (keys as in view.ts, documented in docs/status.md). */
import type { StatusView } from './view.js';

/** Pretty-printed JSON with a trailing newline; never coloured. */
export function renderJson(view: StatusView): string {
  return `${JSON.stringify(view, null, 2)}\n`;
}
