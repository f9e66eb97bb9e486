// Watch streams: initial state or history replay, then live changes, with the transitions a selector
// implies (an object that stops matching is DELETED for that watcher), bookmarks, timeoutSeconds, and
// 410 Expired (as an ERROR event, like a real watch cache) for versions older than the history.

import * as E from './errors.js';
import type { Target } from './handlers.js';
import { present } from './objects.js';
import { apiVersionOf } from './registry.js';
import { selectorsOf } from './request.js';
import { metaString, type Change, type Obj, type Store } from './store.js';

/** Where watch events go: one JSON document per line on a chunked response. */
export interface WatchSink {
  write(line: string): void;
  end(): void;
}

/** Formats an event object (plain JSON or a Table row) for the requested representation. */
export type EventFormatter = (obj: Obj, kind: 'object' | 'bookmark') => unknown;

export interface WatchOptions {
  readonly store: Store;
  readonly bookmarkIntervalMs: number;
  /** undefined = plain objects; otherwise e.g. a Table renderer. */
  readonly format: EventFormatter | undefined;
}

/** A running watch; `stop` ends the stream and releases timers and the subscription. */
export interface ActiveWatch {
  stop(): void;
}

/**
 * The last plain-JSON event line built, with what it was built from. A change is delivered to every
 * watcher of its resource in one synchronous loop (Store.commit), so one slot lets all plain-JSON
 * watchers of the same view share one serialisation per change instead of one each (the controller
 * and every speaker watch Services). Same bytes as building it per watcher.
 */
let lastLine: { change: Change; def: Target['def']; type: string; line: string } | undefined;

/** One watch event as the line written to the stream. */
const eventLine = (type: string, object: unknown): string => `${JSON.stringify({ type, object })}\n`;

/** Start a watch or answer with a Status. The returned watch ends itself on timeout or error. */
export function startWatch(
  opts: WatchOptions,
  t: Target,
  q: URLSearchParams,
  sink: WatchSink,
): E.Result<ActiveWatch> {
  const { store, format } = opts;
  const sel = selectorsOf(t.def, q);
  if (!sel.ok) return sel;
  const nameFilter = t.name;
  const ns = t.def.namespaced ? t.namespace : undefined;
  const matches = (o: Obj | undefined): boolean =>
    o !== undefined &&
    (ns === undefined || metaString(o, 'namespace') === ns) &&
    (nameFilter === '' || metaString(o, 'name') === nameFilter) &&
    sel.value(o);

  const rvParam = q.get('resourceVersion') ?? '';
  if (rvParam !== '' && !/^\d+$/.test(rvParam)) {
    return E.fail(
      E.status(
        400,
        'BadRequest',
        `invalid resource version: strconv.ParseUint: parsing ${JSON.stringify(rvParam)}: invalid syntax`,
      ),
    );
  }
  const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
  const sendInitialEvents = q.get('sendInitialEvents') === 'true';

  let stopped = false;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let unsubscribe = (): void => undefined;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    clearTimeout(timeoutTimer);
    clearTimeout(bookmarkTimer);
    sink.end();
  };
  const send = (type: string, obj: unknown): void => {
    if (!stopped) sink.write(eventLine(type, obj));
  };
  const sendObj = (type: string, o: Obj): void => {
    const p = present(t.def, o);
    send(type, format === undefined ? p : format(p, 'object'));
  };
  const sendChange = (type: string, c: Change): void => {
    if (stopped) return;
    if (format !== undefined) {
      sendObj(type, c.object);
      return;
    }
    const last = lastLine;
    if (last?.change === c && last.def === t.def && last.type === type) {
      sink.write(last.line);
      return;
    }
    const line = eventLine(type, present(t.def, c.object));
    lastLine = { change: c, def: t.def, type, line };
    sink.write(line);
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    const m: Record<string, unknown> = { resourceVersion: String(store.currentRv) };
    if (annotations !== undefined) m['annotations'] = annotations;
    const b: Obj = { kind: t.def.kind, apiVersion: apiVersionOf(t.def), metadata: m };
    send('BOOKMARK', format === undefined ? b : format(b, 'bookmark'));
  };
  const deliver = (c: Change): void => {
    const was = c.type !== 'ADDED' && matches(c.old);
    const is = c.type !== 'DELETED' && matches(c.object);
    if (c.type === 'DELETED') {
      if (was) sendChange('DELETED', c);
    } else if (was && is) sendChange('MODIFIED', c);
    else if (is) sendChange('ADDED', c);
    else if (was) sendChange('DELETED', c);
  };

  if (rvParam === '' || rvParam === '0') {
    for (const o of store.list(t.def.storageKey, ns)) if (matches(o)) sendObj('ADDED', o);
    if (sendInitialEvents && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const from = Number(rvParam);
    const changes = store.changesSince(t.def.storageKey, from);
    if (changes === undefined) {
      send('ERROR', E.expired(from, store.oldestWatchableRv + 1));
      stop();
      return E.ok({ stop });
    }
    for (const c of changes) deliver(c);
  }
  unsubscribe = store.subscribe(t.def.storageKey, deliver);

  const timeout = Number(q.get('timeoutSeconds') ?? '0');
  if (Number.isFinite(timeout) && timeout > 0) timeoutTimer = setTimeout(stop, timeout * 1000);
  if (bookmarks && opts.bookmarkIntervalMs > 0) {
    const tick = (): void => {
      bookmark();
      bookmarkTimer = setTimeout(tick, opts.bookmarkIntervalMs);
    };
    bookmarkTimer = setTimeout(tick, opts.bookmarkIntervalMs);
  }
  return E.ok({ stop });
}
