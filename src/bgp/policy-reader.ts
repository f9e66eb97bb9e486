/**
 * A small checked walker over parsed TOML: every accessor records a PolicyError with the TOML path
 * instead of throwing, and `keys()` rejects keys the caller does not know, so a typo in a gobgp.conf
 * is reported where it is rather than silently ignored.
 */
import type { PolicyError } from './policy-types.js';

/** A TOML table. */
export type Table = Readonly<Record<string, unknown>>;

/** Collects errors and notes while a document is read. */
export class Reader {
  readonly errors: PolicyError[] = [];
  /** Content that is valid gobgp TOML but deliberately not applied (said once, in the log). */
  readonly notes: string[] = [];

  error(path: string, message: string): undefined {
    this.errors.push({ path, message });
    return undefined;
  }

  /** Reports keys outside `known`; keys in `ignored` become notes instead. */
  keys(
    t: Table,
    path: string,
    known: readonly string[],
    ignored: Readonly<Record<string, string>> = {},
  ): void {
    for (const key of Object.keys(t)) {
      if (known.includes(key)) continue;
      const why = ignored[key];
      if (why !== undefined) this.notes.push(`${at(path, key)} is ignored: ${why}`);
      else this.error(at(path, key), `unknown key (expected one of: ${known.join(', ')})`);
    }
  }

  table(t: Table, key: string, path: string): Table | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    if (!isTable(v)) {
      this.error(at(path, key), `must be a table, got ${describe(v)}`);
      return;
    }
    return v;
  }

  /** An array of tables (`[[key]]`), each with its own path. */
  tables(t: Table, key: string, path: string): [Table, string][] {
    const v = t[key];
    if (v === undefined) return [];
    const where = at(path, key);
    if (!Array.isArray(v)) {
      this.error(where, `must be an array of tables ([[${where}]]), got ${describe(v)}`);
      return [];
    }
    const out: [Table, string][] = [];
    v.forEach((item: unknown, i) => {
      if (isTable(item)) out.push([item, `${where}[${String(i)}]`]);
      else this.error(`${where}[${String(i)}]`, `must be a table, got ${describe(item)}`);
    });
    return out;
  }

  string(t: Table, key: string, path: string, required = false): string | undefined {
    const v = t[key];
    if (v === undefined) {
      if (required) this.error(at(path, key), 'is required');
      return;
    }
    if (typeof v !== 'string') {
      this.error(at(path, key), `must be a string, got ${describe(v)}`);
      return;
    }
    if (required && v.trim() === '') {
      this.error(at(path, key), 'must not be empty');
      return;
    }
    return v;
  }

  strings(t: Table, key: string, path: string): string[] {
    const v = t[key];
    if (v === undefined) return [];
    const where = at(path, key);
    if (!Array.isArray(v)) {
      this.error(where, `must be an array of strings, got ${describe(v)}`);
      return [];
    }
    const out: string[] = [];
    v.forEach((item: unknown, i) => {
      if (typeof item === 'string' && item.trim() !== '') out.push(item.trim());
      else this.error(`${where}[${String(i)}]`, `must be a non-empty string, got ${describe(item)}`);
    });
    return out;
  }

  integer(t: Table, key: string, path: string, min: number, max: number): number | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      this.error(at(path, key), `must be an integer, got ${describe(v)}`);
      return;
    }
    if (n < min || n > max) {
      this.error(at(path, key), `must be between ${String(min)} and ${String(max)}`);
      return;
    }
    return n;
  }

  /** A string from a fixed set, compared case-insensitively (gobgp's own parser does the same). */
  choice<T extends string>(t: Table, key: string, path: string, options: readonly T[]): T | undefined {
    const v = this.string(t, key, path);
    if (v === undefined) return undefined;
    const found = options.find((o) => o === v.toLowerCase());
    if (found === undefined) {
      this.error(at(path, key), `"${v}" is not one of: ${options.join(', ')}`);
      return;
    }
    return found;
  }
}

/** `path.key`, or `key` at the top. */
export function at(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return typeof v === 'object' && v !== null ? 'a table' : typeof v;
}
