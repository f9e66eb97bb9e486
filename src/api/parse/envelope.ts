/** The parts every CR shares: apiVersion, kind and metadata, read defensively from unknown input. */
import type { FieldError } from '../errors.js';
import { API_GROUP, API_VERSIONS, type ApiVersion } from '../keys.js';

/** What the parsers need from `metadata`. */
export interface ObjectMeta {
  readonly name: string;
  readonly uid: string | undefined;
  readonly generation: number | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** True when metadata.deletionTimestamp is set (the object is being deleted). */
  readonly deleting: boolean;
}

/** A CR whose envelope is valid: the served version it was read at, its metadata and the raw object. */
export interface Envelope {
  readonly version: ApiVersion;
  readonly meta: ObjectMeta;
  readonly raw: Record<string, unknown>;
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * Check apiVersion, kind and metadata.name. Labels and annotations that are not strings are ignored
 * (the API server guarantees them; a hand-made object must not crash us).
 */
export function readEnvelope(obj: unknown, kind: string): { envelope?: Envelope; errors: FieldError[] } {
  if (!isRecord(obj)) return { errors: [{ path: '<object>', message: `must be a ${kind} object` }] };
  const errors: FieldError[] = [];
  const apiVersion = obj.apiVersion;
  const versions = API_VERSIONS.map((v) => `${API_GROUP}/${v}`);
  const index = typeof apiVersion === 'string' ? versions.indexOf(apiVersion) : -1;
  if (index < 0) {
    errors.push({
      path: 'apiVersion',
      message: `${JSON.stringify(apiVersion ?? null)} is not supported: use ${versions.join(' or ')}`,
    });
  }
  if (obj.kind !== kind) {
    errors.push({
      path: 'kind',
      message: `${JSON.stringify(obj.kind ?? null)} is not supported: use ${kind}`,
    });
  }
  const metadata = isRecord(obj.metadata) ? obj.metadata : {};
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') {
    errors.push({ path: 'metadata.name', message: `is required: every ${kind} needs a name` });
  }
  const version = API_VERSIONS[index];
  if (errors.length > 0 || version === undefined || typeof name !== 'string') return { errors };
  const generation = metadata.generation;
  return {
    errors,
    envelope: {
      version,
      raw: obj,
      meta: {
        name,
        uid: typeof metadata.uid === 'string' ? metadata.uid : undefined,
        generation: typeof generation === 'number' && Number.isInteger(generation) ? generation : undefined,
        labels: stringMap(metadata.labels),
        annotations: stringMap(metadata.annotations),
        deleting: typeof metadata.deletionTimestamp === 'string' && metadata.deletionTimestamp !== '',
      },
    },
  };
}

/** Read `obj.a.b.c` without trusting any level. */
export function dig(obj: unknown, ...keys: string[]): unknown {
  let node: unknown = obj;
  for (const key of keys) {
    if (!isRecord(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** A string field, or undefined when absent, empty or of another type (the schema check reports types). */
export function optString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An integer field, or undefined when absent or of another type. */
export function optInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

/** A boolean field, false when absent or of another type. */
export function flag(value: unknown): boolean {
  return value === true;
}
