// Formatting helpers shared by the Table printers, ported in behaviour (not code) from
// k8s.io/apimachinery/pkg/util/duration, k8s.io/client-go/util/jsonpath and the kubernetes printers.

type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function field(o: unknown, ...path: string[]): unknown {
  let cur = o;
  for (const p of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** duration.HumanDuration: ~2-3 significant figures (5s, 3m2s, 15m, 4h, 2d3h, 400d, 3y20d). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** translateTimestampSince: the age of an RFC 3339 timestamp, or <unknown> when it is unset. */
export function age(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<invalid>';
  return humanDuration(now.getTime() - t);
}

/** labels.FormatLabels: sorted k=v pairs joined by commas, <none> when empty. */
export function formatLabels(labels: unknown): string {
  if (!isObj(labels)) return '<none>';
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${str(labels[k])}`).join(',');
}

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; key: string[]; op: '==' | '!='; value: unknown };

function parseFilter(body: string): Step | undefined {
  const m =
    /^\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(-?[0-9.]+)|(true|false))\)$/.exec(
      body,
    );
  if (m === null) return undefined;
  const key = (m[1] ?? '').slice(1).split('.');
  const op = m[2] === '!=' ? '!=' : '==';
  const value = m[3] ?? m[4] ?? (m[5] !== undefined ? Number(m[5]) : m[6] === 'true');
  return { kind: 'filter', key, op, value };
}

/** Parse the simple JSONPath subset CRD printer columns use: .a.b, .a[0], .a['k'], .a[*], .a[?(@.t=="x")]. */
export function parseJsonPath(path: string): Step[] | undefined {
  let p = path.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1);
  if (p.startsWith('$')) p = p.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < p.length) {
    if (p[i] === '.') {
      let name = '';
      i++;
      while (i < p.length && p[i] !== '.' && p[i] !== '[') {
        if (p[i] === '\\' && i + 1 < p.length) i++; // `\.` escapes a dot inside a key
        name += p[i] ?? '';
        i++;
      }
      if (name !== '') steps.push({ kind: 'field', name });
    } else if (p[i] === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) return undefined;
      const body = p.slice(i + 1, end).trim();
      i = end + 1;
      const quoted = /^'(.*)'$|^"(.*)"$/.exec(body);
      if (quoted) steps.push({ kind: 'field', name: quoted[1] ?? quoted[2] ?? '' });
      else if (body === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(body)) steps.push({ kind: 'index', index: Number(body) });
      else {
        const f = parseFilter(body);
        if (f === undefined) return undefined;
        steps.push(f);
      }
    } else {
      return undefined;
    }
  }
  return steps;
}

/** All values a JSONPath selects (like FindResults); empty when nothing matches. */
export function evalJsonPath(root: unknown, steps: readonly Step[]): unknown[] {
  let cur: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (step.kind === 'field') {
        if (isObj(v) && step.name in v) next.push(v[step.name]);
      } else if (step.kind === 'index') {
        if (Array.isArray(v)) {
          const item: unknown = v[step.index < 0 ? v.length + step.index : step.index];
          if (item !== undefined) next.push(item);
        }
      } else if (step.kind === 'all') {
        if (Array.isArray(v)) next.push(...(v as unknown[]));
        else if (isObj(v)) next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        for (const item of v as unknown[]) {
          const got = field(item, ...step.key);
          if ((got === step.value) === (step.op === '==') && got !== undefined) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}
