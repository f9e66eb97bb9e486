// x-kubernetes-validations: compile each rule once with cel-js, evaluate it with `self` (and
// `oldSelf` for transition rules), and turn failures into the field errors the real apiserver
// returns (message / messageExpression / fieldPath / reason).

import { Environment, Optional } from '@marcbachmann/cel-js';
import { registerKubernetesLibrary } from './cel-k8s-lib.js';
import { toCel } from './cel-values.js';
import { deepEqual, oldField, oldListItem, type Old } from './correlate.js';
import { child, fe, index, type FieldError, type FieldPath } from './field-errors.js';
import type { StructuralSchema, ValidationRuleSpec } from './structural.js';

type Program = (ctx: Record<string, unknown>) => unknown;

export interface CompiledRule {
  readonly spec: ValidationRuleSpec;
  /** undefined when compilation failed; `error` says why. */
  readonly program?: Program;
  readonly messageProgram?: Program;
  readonly error?: string;
  /** The rule refers to oldSelf: it only runs on updates where an old value exists (unless optionalOldSelf). */
  readonly transition: boolean;
}

const envs = new Map<boolean, Environment>();

/**
 * One environment per oldSelf flavour: with optionalOldSelf the variable is declared optional<dyn>
 * (declaring it dyn and passing an Optional trips cel-js's operator dispatch on oldSelf.value()).
 */
function env(optionalOldSelf = false): Environment {
  let e = envs.get(optionalOldSelf);
  if (e === undefined) {
    e = registerKubernetesLibrary(
      new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false }),
    )
      .registerVariable('self', 'dyn')
      .registerVariable('oldSelf', optionalOldSelf ? 'optional<dyn>' : 'dyn');
    envs.set(optionalOldSelf, e);
  }
  return e;
}

/** cel-js errors carry a source excerpt after a blank line; the first line is the message. */
function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const line = msg.split('\n')[0] ?? msg;
  // cel-go spells runtime errors in lower case ("no such key: x").
  return line.replace(/^No such key/, 'no such key');
}

function refersToOldSelf(rule: string): boolean {
  const withoutStrings = rule.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  return /\boldSelf\b/.test(withoutStrings);
}

function compileExpression(
  expr: string,
  optionalOldSelf: boolean,
): { program?: Program; error?: string; type?: string } {
  try {
    const result = env(optionalOldSelf).check(expr);
    if (!result.valid) return { error: firstLine(result.error) };
    const parsed = env(optionalOldSelf).parse(expr);
    return { program: (ctx) => parsed(ctx) as unknown, type: result.type };
  } catch (err) {
    return { error: firstLine(err) };
  }
}

/** Compile one rule. Errors are kept on the result: a real server would have refused the CRD. */
export function compileRule(spec: ValidationRuleSpec): CompiledRule {
  const transition = refersToOldSelf(spec.rule);
  const optional = spec.optionalOldSelf === true;
  const main = compileExpression(spec.rule, optional);
  const base = { spec, transition };
  if (main.program === undefined)
    return { ...base, error: `compilation failed: ${main.error ?? 'unknown error'}` };
  if (main.type !== 'bool' && main.type !== 'dyn') {
    return { ...base, error: `compilation failed: rule must evaluate to a bool, got ${main.type ?? '?'}` };
  }
  if (spec.messageExpression === undefined) return { ...base, program: main.program };
  const msg = compileExpression(spec.messageExpression, optional);
  if (msg.program === undefined) {
    return { ...base, error: `messageExpression compilation failed: ${msg.error ?? 'unknown error'}` };
  }
  return { ...base, program: main.program, messageProgram: msg.program };
}

/** Compile the rules of every node of a schema, keyed by node. */
export function compileAllRules(root: StructuralSchema): Map<StructuralSchema, CompiledRule[]> {
  const out = new Map<StructuralSchema, CompiledRule[]>();
  const visit = (s: StructuralSchema | undefined): void => {
    if (s === undefined || out.has(s)) return;
    out.set(s, s.rules.map(compileRule));
    for (const p of s.properties?.values() ?? []) visit(p);
    if (typeof s.additionalProperties === 'object') visit(s.additionalProperties);
    visit(s.items);
  };
  visit(root);
  return out;
}

function ruleErrorString(spec: ValidationRuleSpec): string {
  return spec.message !== undefined && spec.message !== '' ? spec.message.trim() : spec.rule.trim();
}

function ruleMessageOrDefault(spec: ValidationRuleSpec): string {
  return spec.message !== undefined && spec.message !== ''
    ? spec.message.trim()
    : `failed rule: ${ruleErrorString(spec)}`;
}

/** `.a.b['c-d']` relative to the rule's node; undefined when it does not parse. */
function fieldPathSegments(fieldPath: string): string[] | undefined {
  const segs: string[] = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_]*)|\['((?:[^'\\]|\\.)*)'\]/y;
  let pos = 0;
  while (pos < fieldPath.length) {
    re.lastIndex = pos;
    const m = re.exec(fieldPath);
    if (m === null) return undefined;
    segs.push(m[1] ?? m[2] ?? '');
    pos = re.lastIndex;
  }
  return segs;
}

function failure(
  rule: CompiledRule,
  path: FieldPath,
  type: string,
  ctx: Record<string, unknown>,
): FieldError {
  const { spec } = rule;
  let errPath = path;
  if (spec.fieldPath !== undefined) {
    const segs = fieldPathSegments(spec.fieldPath);
    if (segs !== undefined) for (const s of segs) errPath = child(errPath, s);
  }
  let detail = ruleMessageOrDefault(spec);
  if (rule.messageProgram !== undefined) {
    try {
      const m = rule.messageProgram(ctx);
      if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) detail = m;
    } catch {
      // Like the real server: a failing messageExpression falls back to message.
    }
  }
  switch (spec.reason) {
    case 'FieldValueForbidden':
      return fe.forbidden(errPath, detail);
    case 'FieldValueRequired':
      return fe.required(errPath, detail);
    case 'FieldValueDuplicate':
      return fe.duplicate(errPath, type);
    default:
      return fe.invalid(errPath, type, detail);
  }
}

function evalRules(
  x: unknown,
  s: StructuralSchema,
  path: FieldPath,
  old: Old,
  isRoot: boolean,
  rules: readonly CompiledRule[],
  out: FieldError[],
): void {
  const type = s.type ?? '';
  let self: unknown;
  for (const rule of rules) {
    if (rule.program === undefined) {
      out.push(
        fe.invalid(path, type, `${rule.error ?? 'compilation failed'} for rule: ${rule.spec.rule.trim()}`),
      );
      continue;
    }
    if (rule.transition && !old.has && rule.spec.optionalOldSelf !== true) continue;
    self ??= toCel(x, s, isRoot);
    const ctx: Record<string, unknown> = { self };
    if (rule.transition) {
      const oldSelf = old.has ? toCel(old.value, s, isRoot) : undefined;
      ctx['oldSelf'] = rule.spec.optionalOldSelf === true ? Optional.of(oldSelf) : oldSelf;
    }
    let result: unknown;
    try {
      result = rule.program(ctx);
    } catch (err) {
      const msg = firstLine(err);
      const text = msg.startsWith('no such overload')
        ? `'${msg}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule.spec)}`
        : `${msg} evaluating rule: ${ruleErrorString(rule.spec)}`;
      out.push(fe.invalid(path, type, text));
      continue;
    }
    if (result !== true) out.push(failure(rule, path, type, ctx));
  }
}

/**
 * Evaluate every rule of the schema against `x`, depth first, skipping values equal to their old
 * counterpart (ratcheting) and absent or null values.
 */
export function validateRules(
  x: unknown,
  s: StructuralSchema,
  path: FieldPath,
  old: Old,
  isRoot: boolean,
  compiled: ReadonlyMap<StructuralSchema, readonly CompiledRule[]>,
  out: FieldError[],
): void {
  if (x === null || x === undefined) return;
  if (old.has && deepEqual(x, old.value)) return;
  const rules = compiled.get(s) ?? [];
  if (rules.length > 0) evalRules(x, s, path, old, isRoot, rules, out);
  if (Array.isArray(x)) {
    const items = s.items;
    if (items !== undefined) {
      x.forEach((item, i) => {
        validateRules(item, items, index(path, i), oldListItem(old, item, s), false, compiled, out);
      });
    }
    return;
  }
  if (typeof x !== 'object') return;
  const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  for (const [key, value] of Object.entries(x as Record<string, unknown>)) {
    if (isRoot && key === 'metadata') continue;
    const prop = s.properties?.get(key);
    // Map entries are addressed as spec.map[key] by the CEL validator (field.Path.Key).
    if (prop !== undefined)
      validateRules(value, prop, child(path, key), oldField(old, key), false, compiled, out);
    else if (additional !== undefined) {
      validateRules(value, additional, index(path, key), oldField(old, key), false, compiled, out);
    }
  }
}
