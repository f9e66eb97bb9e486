/** Errors as values for the CR parsers: every problem names the field and says how to fix it. */

/** One problem with one field. `path` is like `spec.conf.peerAs` or `spec.namespaces[2]`. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** The outcome of parsing a CR: the domain config plus warnings, or every error found. */
export type ParseResult<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly FieldError[] }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

/** `a.b` + `c` -> `a.b.c`; keys that are not identifiers are quoted: `a["kubesphere.io/ws"]`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Render errors as one line each (`path: message`), for logs, Events and webhook responses. */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('; ');
}

/** Keep the first error per path (a schema error explains more than a follow-up semantic one). */
export function dedupeByPath(errors: readonly FieldError[]): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors) {
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    out.push(e);
  }
  return out;
}
