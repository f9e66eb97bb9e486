// The structural schema as the schema engine walks it: an openAPIV3Schema (unknown JSON) read once
// into typed nodes so pruning, defaulting, validation and CEL never re-inspect raw JSON.

/** One x-kubernetes-validations entry, as written in the CRD. */
export interface ValidationRuleSpec {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly reason?: string;
  readonly fieldPath?: string;
  readonly optionalOldSelf?: boolean;
}

/** A node of a structural schema. Absent keywords are undefined. */
export interface StructuralSchema {
  readonly type?: string;
  readonly format?: string;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
  readonly default?: unknown;
  readonly properties?: ReadonlyMap<string, StructuralSchema>;
  /** A schema for map values, or false/true as written (true keeps everything, false forbids). */
  readonly additionalProperties?: StructuralSchema | boolean;
  readonly items?: StructuralSchema;
  readonly required: readonly string[];
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum: boolean;
  readonly exclusiveMaximum: boolean;
  readonly multipleOf?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: { readonly source: string; readonly regexp: RegExp | undefined };
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems: boolean;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly allOf?: readonly StructuralSchema[];
  readonly anyOf?: readonly StructuralSchema[];
  readonly oneOf?: readonly StructuralSchema[];
  readonly not?: StructuralSchema;
  readonly preserveUnknownFields: boolean;
  readonly embeddedResource: boolean;
  readonly intOrString: boolean;
  readonly listType?: string;
  readonly listMapKeys?: readonly string[];
  readonly rules: readonly ValidationRuleSpec[];
}

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Go's regexp (RE2) accepts inline flags like `(?i)` at the start, which JavaScript does not;
 * translate the common leading form and let everything else go through unchanged.
 */
function compilePattern(source: string): RegExp | undefined {
  let body = source;
  let flags = 'u';
  const inline = /^\(\?([imsU]+)\)/.exec(body);
  if (inline?.[1] !== undefined) {
    body = body.slice(inline[0].length);
    for (const f of inline[1]) if (f === 'i' || f === 'm' || f === 's') flags += f;
  }
  try {
    return new RegExp(body, flags);
  } catch {
    try {
      return new RegExp(body, flags.replace('u', ''));
    } catch {
      return undefined;
    }
  }
}

function readRules(raw: unknown, path: string, problems: string[]): ValidationRuleSpec[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push(`${path}.x-kubernetes-validations: must be a list`);
    return [];
  }
  const rules: ValidationRuleSpec[] = [];
  raw.forEach((r: unknown, i) => {
    const rule = isRecord(r) ? str(r['rule']) : undefined;
    if (!isRecord(r) || rule === undefined || rule.trim() === '') {
      problems.push(`${path}.x-kubernetes-validations[${i}].rule: Required value`);
      return;
    }
    const spec: {
      rule: string;
      message?: string;
      messageExpression?: string;
      reason?: string;
      fieldPath?: string;
      optionalOldSelf?: boolean;
    } = { rule };
    const message = str(r['message']);
    if (message !== undefined) spec.message = message;
    const messageExpression = str(r['messageExpression']);
    if (messageExpression !== undefined) spec.messageExpression = messageExpression;
    const reason = str(r['reason']);
    if (reason !== undefined) spec.reason = reason;
    const fieldPath = str(r['fieldPath']);
    if (fieldPath !== undefined) spec.fieldPath = fieldPath;
    if (r['optionalOldSelf'] === true) spec.optionalOldSelf = true;
    rules.push(spec);
  });
  return rules;
}

function readList(raw: unknown, path: string, problems: string[]): StructuralSchema[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) {
    problems.push(`${path}: must be a list of schemas`);
    return undefined;
  }
  return raw.map((s: unknown, i) => readNode(s, `${path}[${i}]`, problems));
}

function readNode(raw: unknown, path: string, problems: string[]): StructuralSchema {
  const s: Json = isRecord(raw) ? raw : {};
  if (!isRecord(raw)) problems.push(`${path}: must be an object`);
  const out: { -readonly [K in keyof StructuralSchema]: StructuralSchema[K] } = {
    nullable: s['nullable'] === true,
    hasDefault: 'default' in s,
    required: Array.isArray(s['required'])
      ? (s['required'] as unknown[]).filter((r): r is string => typeof r === 'string')
      : [],
    exclusiveMinimum: s['exclusiveMinimum'] === true,
    exclusiveMaximum: s['exclusiveMaximum'] === true,
    uniqueItems: s['uniqueItems'] === true,
    preserveUnknownFields: s['x-kubernetes-preserve-unknown-fields'] === true,
    embeddedResource: s['x-kubernetes-embedded-resource'] === true,
    intOrString: s['x-kubernetes-int-or-string'] === true,
    rules: readRules(s['x-kubernetes-validations'], path, problems),
  };
  const type = str(s['type']);
  if (type !== undefined && type !== '') out.type = type;
  const format = str(s['format']);
  if (format !== undefined && format !== '') out.format = format;
  if (out.hasDefault) out.default = s['default'];
  if (isRecord(s['properties'])) {
    const props = new Map<string, StructuralSchema>();
    for (const [k, v] of Object.entries(s['properties']))
      props.set(k, readNode(v, `${path}.properties[${k}]`, problems));
    out.properties = props;
  }
  const ap = s['additionalProperties'];
  if (typeof ap === 'boolean') out.additionalProperties = ap;
  else if (isRecord(ap)) out.additionalProperties = readNode(ap, `${path}.additionalProperties`, problems);
  if (s['items'] !== undefined) out.items = readNode(s['items'], `${path}.items`, problems);
  if (Array.isArray(s['enum'])) out.enum = s['enum'] as unknown[];
  out.minimum = num(s['minimum']);
  out.maximum = num(s['maximum']);
  out.multipleOf = num(s['multipleOf']);
  out.minLength = num(s['minLength']);
  out.maxLength = num(s['maxLength']);
  out.minItems = num(s['minItems']);
  out.maxItems = num(s['maxItems']);
  out.minProperties = num(s['minProperties']);
  out.maxProperties = num(s['maxProperties']);
  const pattern = str(s['pattern']);
  if (pattern !== undefined) {
    // A pattern JavaScript cannot compile (RE2-only syntax) is not checked rather than reported:
    // the real server would accept the CRD, so refusing it here would be worse than a missing check.
    out.pattern = { source: pattern, regexp: compilePattern(pattern) };
  }
  out.allOf = readList(s['allOf'], `${path}.allOf`, problems);
  out.anyOf = readList(s['anyOf'], `${path}.anyOf`, problems);
  out.oneOf = readList(s['oneOf'], `${path}.oneOf`, problems);
  if (s['not'] !== undefined) out.not = readNode(s['not'], `${path}.not`, problems);
  const listType = str(s['x-kubernetes-list-type']);
  if (listType !== undefined) out.listType = listType;
  if (Array.isArray(s['x-kubernetes-list-map-keys'])) {
    out.listMapKeys = (s['x-kubernetes-list-map-keys'] as unknown[]).filter(
      (k): k is string => typeof k === 'string',
    );
  }
  if (out.uniqueItems) problems.push(`${path}.uniqueItems: Forbidden: uniqueItems cannot be set to true`);
  return out;
}

/** Read an openAPIV3Schema. Problems are what a real server would reject the CRD for (a subset). */
export function readStructural(raw: unknown): { schema: StructuralSchema; problems: string[] } {
  const problems: string[] = [];
  const schema = readNode(raw, 'openAPIV3Schema', problems);
  return { schema, problems };
}

/** True when this node or any node below it has x-kubernetes-validations. */
export function hasRules(s: StructuralSchema | undefined, seen = new Set<StructuralSchema>()): boolean {
  if (s === undefined || seen.has(s)) return false;
  seen.add(s);
  if (s.rules.length > 0) return true;
  if (s.properties) for (const p of s.properties.values()) if (hasRules(p, seen)) return true;
  if (typeof s.additionalProperties === 'object' && hasRules(s.additionalProperties, seen)) return true;
  return hasRules(s.items, seen);
}
