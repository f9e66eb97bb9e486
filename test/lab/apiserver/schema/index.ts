// CONTRACT between the local API server (server side) and the CRD schema engine.
// The signatures below are fixed; the implementation is a placeholder until the schema engine lands.

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

/** Compile the openAPIV3Schema of one CRD version once; reuse the result for every request. */
export function compileSchema(openAPIV3Schema: unknown): CompiledSchema {
  if (openAPIV3Schema === null) return { admit: (obj) => ({ object: obj, causes: [] }) };
  return { admit: (obj) => ({ object: obj, causes: [] }) };
}
