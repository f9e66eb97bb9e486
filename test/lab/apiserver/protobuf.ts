// Request bodies in application/vnd.kubernetes.protobuf. kubectl's typed generators (`create namespace`,
// `create configmap`, `create secret generic`, `create service ...`) send protobuf and client-go has no
// JSON fallback, so the kinds those commands create are decoded here from a small table of field
// numbers (k8s.io/api core/v1 generated.proto). Other kinds get 415, as from a server without them.

import * as E from './errors.js';

type FieldKind = 'string' | 'int' | 'bool' | 'bytes' | 'intOrString' | 'time' | Desc;
interface Field {
  readonly name: string;
  readonly kind: FieldKind;
  readonly repeated?: boolean;
  /** map<string, string|bytes>: entries are messages {1: key, 2: value}. */
  readonly map?: 'string' | 'bytes';
}
type Desc = Readonly<Record<number, Field>>;

const OBJECT_META: Desc = {
  1: { name: 'name', kind: 'string' },
  2: { name: 'generateName', kind: 'string' },
  3: { name: 'namespace', kind: 'string' },
  5: { name: 'uid', kind: 'string' },
  6: { name: 'resourceVersion', kind: 'string' },
  7: { name: 'generation', kind: 'int' },
  8: { name: 'creationTimestamp', kind: 'time' },
  11: { name: 'labels', kind: 'string', map: 'string' },
  12: { name: 'annotations', kind: 'string', map: 'string' },
  14: { name: 'finalizers', kind: 'string', repeated: true },
};

const SERVICE_PORT: Desc = {
  1: { name: 'name', kind: 'string' },
  2: { name: 'protocol', kind: 'string' },
  3: { name: 'port', kind: 'int' },
  4: { name: 'targetPort', kind: 'intOrString' },
  5: { name: 'nodePort', kind: 'int' },
  6: { name: 'appProtocol', kind: 'string' },
};

const SERVICE_SPEC: Desc = {
  1: { name: 'ports', kind: SERVICE_PORT, repeated: true },
  2: { name: 'selector', kind: 'string', map: 'string' },
  3: { name: 'clusterIP', kind: 'string' },
  4: { name: 'type', kind: 'string' },
  5: { name: 'externalIPs', kind: 'string', repeated: true },
  7: { name: 'sessionAffinity', kind: 'string' },
  8: { name: 'loadBalancerIP', kind: 'string' },
  9: { name: 'loadBalancerSourceRanges', kind: 'string', repeated: true },
  10: { name: 'externalName', kind: 'string' },
  11: { name: 'externalTrafficPolicy', kind: 'string' },
  12: { name: 'healthCheckNodePort', kind: 'int' },
  13: { name: 'publishNotReadyAddresses', kind: 'bool' },
};

/** Top-level descriptors by `apiVersion/kind` of the envelope. */
const KINDS: Readonly<Record<string, Desc>> = {
  'v1/Namespace': {
    1: { name: 'metadata', kind: OBJECT_META },
    2: { name: 'spec', kind: { 1: { name: 'finalizers', kind: 'string', repeated: true } } },
  },
  'v1/ConfigMap': {
    1: { name: 'metadata', kind: OBJECT_META },
    2: { name: 'data', kind: 'string', map: 'string' },
    3: { name: 'binaryData', kind: 'string', map: 'bytes' },
    4: { name: 'immutable', kind: 'bool' },
  },
  'v1/Secret': {
    1: { name: 'metadata', kind: OBJECT_META },
    2: { name: 'data', kind: 'string', map: 'bytes' },
    3: { name: 'type', kind: 'string' },
    4: { name: 'stringData', kind: 'string', map: 'string' },
    5: { name: 'immutable', kind: 'bool' },
  },
  'v1/Service': { 1: { name: 'metadata', kind: OBJECT_META }, 2: { name: 'spec', kind: SERVICE_SPEC } },
};

const UNKNOWN: Desc = {
  1: {
    name: 'typeMeta',
    kind: { 1: { name: 'apiVersion', kind: 'string' }, 2: { name: 'kind', kind: 'string' } },
  },
  2: { name: 'raw', kind: 'bytes' },
};

/** One wire-format record. */
interface WireField {
  readonly no: number;
  readonly varint?: bigint;
  readonly bytes?: Buffer;
}

function readVarint(b: Buffer, pos: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (let i = pos; i < b.length && shift < 70n; i++) {
    const c = b[i] ?? 0;
    v |= BigInt(c & 0x7f) << shift;
    shift += 7n;
    if ((c & 0x80) === 0) return [v, i + 1];
  }
  throw new Error('truncated varint');
}

function readFields(b: Buffer): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < b.length) {
    const [key, p1] = readVarint(b, pos);
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, p2] = readVarint(b, p1);
      out.push({ no, varint: v });
      pos = p2;
    } else if (wire === 2) {
      const [len, p2] = readVarint(b, p1);
      const end = p2 + Number(len);
      if (end > b.length) throw new Error('truncated field');
      out.push({ no, bytes: b.subarray(p2, end) });
      pos = end;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

function scalar(kind: Exclude<FieldKind, Desc>, f: WireField): unknown {
  switch (kind) {
    case 'string':
      return f.bytes?.toString('utf8') ?? '';
    case 'bytes':
      return f.bytes?.toString('base64') ?? '';
    case 'int':
      return Number(BigInt.asIntN(64, f.varint ?? 0n));
    case 'bool':
      return f.varint === 1n;
    case 'time': {
      const t = decodeMessage(f.bytes ?? Buffer.alloc(0), { 1: { name: 's', kind: 'int' } });
      return typeof t['s'] === 'number'
        ? `${new Date(t['s'] * 1000).toISOString().slice(0, 19)}Z`
        : undefined;
    }
    case 'intOrString': {
      const v = decodeMessage(f.bytes ?? Buffer.alloc(0), {
        1: { name: 'type', kind: 'int' },
        2: { name: 'intVal', kind: 'int' },
        3: { name: 'strVal', kind: 'string' },
      });
      return v['type'] === 1 ? v['strVal'] : (v['intVal'] ?? 0);
    }
  }
}

/** Like Go's encoding/json with omitempty: drop empty strings, zeros, false, empty maps/lists/objects. */
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

function decodeMessage(b: Buffer, desc: Desc): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of readFields(b)) {
    const field = desc[f.no];
    if (field === undefined) continue;
    if (field.map !== undefined) {
      const entry = decodeMessage(f.bytes ?? Buffer.alloc(0), {
        1: { name: 'k', kind: 'string' },
        2: { name: 'v', kind: field.map },
      });
      const m = (out[field.name] ??= {}) as Record<string, unknown>;
      m[typeof entry['k'] === 'string' ? entry['k'] : ''] = entry['v'] ?? '';
      continue;
    }
    const value =
      typeof field.kind === 'object'
        ? decodeMessage(f.bytes ?? Buffer.alloc(0), field.kind)
        : scalar(field.kind, f);
    if (field.repeated === true) ((out[field.name] ??= []) as unknown[]).push(value);
    else if (!isEmpty(value)) out[field.name] = value;
  }
  return out;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Decode a `k8s\0`-prefixed runtime.Unknown envelope into the JSON shape of the object it carries. */
export function decodeProtobuf(body: Buffer): E.Result<Record<string, unknown>> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) {
    return E.fail(E.badRequest('the protobuf body does not start with the k8s envelope prefix'));
  }
  try {
    const envelope = decodeMessage(body.subarray(4), UNKNOWN);
    const tm = (envelope['typeMeta'] ?? {}) as Record<string, unknown>;
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    const key = `${str(tm['apiVersion'])}/${str(tm['kind'])}`;
    const desc = KINDS[key];
    if (desc === undefined) {
      return E.fail(
        E.status(
          415,
          'UnsupportedMediaType',
          `the local API decodes protobuf only for ${Object.keys(KINDS).join(', ')}; got ${key}: send JSON instead`,
        ),
      );
    }
    const raw = Buffer.from(typeof envelope['raw'] === 'string' ? envelope['raw'] : '', 'base64');
    return E.ok({ apiVersion: tm['apiVersion'], kind: tm['kind'], ...decodeMessage(raw, desc) });
  } catch (err) {
    return E.fail(
      E.badRequest(`unable to decode protobuf body: ${err instanceof Error ? err.message : String(err)}`),
    );
  }
}
