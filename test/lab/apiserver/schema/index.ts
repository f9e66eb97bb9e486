// CONTRACT between the local API server (server side) and the CRD schema engine.
// The signatures of StatusCause, AdmitResult, CompiledSchema and compileSchema are fixed.
//
// What admit() does, in the order a real apiextensions-apiserver does it for create and update:
//   1. structural pruning of unknown fields (not under x-kubernetes-preserve-unknown-fields; the
//      root's apiVersion/kind/metadata and an embedded resource's are always kept);
//   2. dropping nulls of non-nullable fields without a default; 3. defaulting;
//   4. OpenAPI value validation + x-kubernetes-list-type set/map uniqueness;
//   5. x-kubernetes-validations (CEL), skipped with one summary error when step 4 found type or enum
//      errors, exactly like the real server's "some validation rules were not checked".
// Updates ratchet (Kubernetes >= 1.30): values unchanged from `old` are not re-validated.
// See docs/adr/0006-crd-validation-in-local-api.md.

import { compileAllRules, validateRules, type CompiledRule } from './cel.js';
import { NO_OLD, oldOf } from './correlate.js';
import { fe, ROOT, toCause, type FieldError } from './field-errors.js';
import { applyDefaults, prune, pruneNulls } from './prune-default.js';
import { hasRules, readStructural, type StructuralSchema } from './structural.js';
import { validateValue } from './validate.js';

/** One entry of Status.details.causes, as a real API server returns it for 422 Invalid. */
export interface StatusCause {
  /** e.g. FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueForbidden, FieldValueTooLong */
  readonly reason: string;
  /** e.g. 'Unsupported value: "foo": supported values: "bgp", "layer2", "vip"' */
  readonly message: string;
  /** e.g. 'spec.protocol' */
  readonly field: string;
}

export interface AdmitResult {
  /** The object after pruning unknown fields and applying schema defaults. */
  readonly object: Record<string, unknown>;
  /** Empty when the object is valid. */
  readonly causes: readonly StatusCause[];
}

export interface CompiledSchema {
  /**
   * Prune fields the structural schema does not know (except under x-kubernetes-preserve-unknown-fields),
   * apply defaults, validate types/enums/bounds/required/patterns and x-kubernetes-validations (CEL,
   * with oldSelf on updates when `old` is given). Never throws on bad input: returns causes instead.
   */
  admit(obj: Record<string, unknown>, old: Record<string, unknown> | undefined): AdmitResult;
}

const NOT_CHECKED =
  'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

/** Type and enum errors block CEL evaluation, as on a real server (rules assume well-typed input). */
function isBlocking(e: FieldError): boolean {
  return e.type === 'FieldValueTypeInvalid' || e.type === 'FieldValueNotSupported';
}

function clone(obj: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
}

class Engine implements CompiledSchema {
  private readonly rules: ReadonlyMap<StructuralSchema, readonly CompiledRule[]>;
  private readonly anyRules: boolean;

  constructor(private readonly schema: StructuralSchema) {
    this.rules = compileAllRules(schema);
    this.anyRules = hasRules(schema);
  }

  admit(obj: Record<string, unknown>, old: Record<string, unknown> | undefined): AdmitResult {
    let object: Record<string, unknown>;
    try {
      object = clone(obj);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      return { object: obj, causes: [toCause(fe.invalid(ROOT, null, `object is not JSON: ${msg}`))] };
    }
    prune(object, this.schema, true);
    pruneNulls(object, this.schema);
    applyDefaults(object, this.schema);
    const errors: FieldError[] = [];
    const oldRoot = old === undefined ? NO_OLD : oldOf(old);
    validateValue(object, this.schema, ROOT, oldRoot, errors);
    if (this.anyRules) {
      if (errors.some(isBlocking)) errors.push(fe.invalid(ROOT, null, NOT_CHECKED));
      else validateRules(object, this.schema, ROOT, oldRoot, true, this.rules, errors);
    }
    return { object, causes: errors.map(toCause) };
  }
}

/** Compile the openAPIV3Schema of one CRD version once; reuse the result for every request. */
export function compileSchema(openAPIV3Schema: unknown): CompiledSchema {
  if (openAPIV3Schema === null || openAPIV3Schema === undefined) {
    return { admit: (obj) => ({ object: obj, causes: [] }) };
  }
  return new Engine(readStructural(openAPIV3Schema).schema);
}

/**
 * What a real server would reject a CRD version's schema for, as far as this engine can tell
 * (unparseable patterns, uniqueItems, rules that do not compile with the supported CEL subset).
 * Empty when the schema is usable. Optional for the server to call when a CRD is created.
 */
export function schemaProblems(openAPIV3Schema: unknown): string[] {
  const { schema, problems } = readStructural(openAPIV3Schema);
  for (const [, rules] of compileAllRules(schema)) {
    for (const r of rules) if (r.error !== undefined) problems.push(`${r.error} for rule: ${r.spec.rule}`);
  }
  return problems;
}
