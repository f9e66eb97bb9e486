/**
 * metav1.LabelSelector: a pure matcher plus a parser that validates keys, values and operators the way
 * the Kubernetes API server does. Used for BgpPeer `spec.nodeSelector` and Eip `spec.namespaceSelector`.
 */
import { childPath, type FieldError } from './errors.js';
import { isRecord } from './parse/envelope.js';

/** Label selector operators. */
export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** One requirement of a selector. */
export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: LabelSelectorOperator;
  readonly values: readonly string[];
}

/** A validated selector. Both parts are ANDed; an empty selector matches every object. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}

/** The selector that matches everything. */
export const EVERYTHING: LabelSelector = { matchLabels: {}, matchExpressions: [] };

/**
 * True when `labels` satisfy `selector`. As in Kubernetes: NotIn and DoesNotExist match objects that
 * lack the key; an empty selector matches everything.
 */
export function labelSelectorMatches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions) {
    const present = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    switch (req.operator) {
      case 'In':
        if (!present || value === undefined || !req.values.includes(value)) return false;
        break;
      case 'NotIn':
        if (present && value !== undefined && req.values.includes(value)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
    }
  }
  return true;
}

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Why `key` is not a valid label key (prefix/name), or undefined when it is. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `label key ${JSON.stringify(key)} has an invalid prefix: it must be a lower-case DNS subdomain like example.com`;
  }
  if (name.length === 0 || name.length > 63 || !NAME_PART.test(name)) {
    return `label key ${JSON.stringify(key)} is invalid: the name part must be 1-63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    return `label value ${JSON.stringify(value)} is invalid: at most 63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Validate a `map[string]string` of labels to match (keys and values); returns the map and errors. */
export function parseMatchLabels(
  raw: unknown,
  path: string,
): { labels: Record<string, string>; errors: FieldError[] } {
  const labels: Record<string, string> = {};
  const errors: FieldError[] = [];
  if (raw === undefined || raw === null) return { labels, errors };
  if (!isRecord(raw)) return { labels, errors: [{ path, message: 'must be a map of label keys to values' }] };
  for (const [key, value] of Object.entries(raw)) {
    const at = childPath(path, key);
    const keyProblem = labelKeyProblem(key);
    if (keyProblem !== undefined) errors.push({ path: at, message: keyProblem });
    else if (typeof value !== 'string')
      errors.push({ path: at, message: 'the label value must be a string' });
    else {
      const valueProblem = labelValueProblem(value);
      if (valueProblem !== undefined) errors.push({ path: at, message: valueProblem });
      else labels[key] = value;
    }
  }
  return { labels, errors };
}

const OPERATORS: readonly LabelSelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

function parseRequirement(
  raw: unknown,
  path: string,
  errors: FieldError[],
): LabelSelectorRequirement | undefined {
  if (!isRecord(raw)) {
    errors.push({ path, message: 'must be an object with key, operator and values' });
    return undefined;
  }
  const before = errors.length;
  const { key, operator, values } = raw;
  if (typeof key !== 'string' || key === '') errors.push({ path: `${path}.key`, message: 'is required' });
  else {
    const problem = labelKeyProblem(key);
    if (problem !== undefined) errors.push({ path: `${path}.key`, message: problem });
  }
  const op = OPERATORS.find((o) => o === operator);
  if (op === undefined) {
    errors.push({
      path: `${path}.operator`,
      message: `${JSON.stringify(operator ?? null)} is not supported: use one of In, NotIn, Exists, DoesNotExist`,
    });
  }
  const list: string[] = [];
  if (values !== undefined && values !== null) {
    if (!Array.isArray(values)) errors.push({ path: `${path}.values`, message: 'must be a list of strings' });
    else {
      values.forEach((v: unknown, i) => {
        const problem = typeof v === 'string' ? labelValueProblem(v) : 'must be a string';
        if (problem !== undefined) errors.push({ path: `${path}.values[${i}]`, message: problem });
        else list.push(v as string);
      });
    }
  }
  if (op === 'In' || op === 'NotIn') {
    if (list.length === 0 && errors.length === before) {
      errors.push({ path: `${path}.values`, message: `must not be empty for operator ${op}` });
    }
  } else if (op !== undefined && list.length > 0) {
    errors.push({ path: `${path}.values`, message: `must be empty for operator ${op}` });
  }
  if (errors.length > before || typeof key !== 'string' || op === undefined) return undefined;
  return { key, operator: op, values: list };
}

/** Validate a metav1.LabelSelector; absent (undefined/null) returns undefined and no errors. */
export function parseLabelSelector(
  raw: unknown,
  path: string,
): { selector: LabelSelector | undefined; errors: FieldError[] } {
  if (raw === undefined || raw === null) return { selector: undefined, errors: [] };
  if (!isRecord(raw))
    return { selector: undefined, errors: [{ path, message: 'must be a label selector object' }] };
  const { labels, errors } = parseMatchLabels(raw.matchLabels, `${path}.matchLabels`);
  const expressions: LabelSelectorRequirement[] = [];
  const rawExpressions = raw.matchExpressions;
  if (rawExpressions !== undefined && rawExpressions !== null) {
    if (!Array.isArray(rawExpressions)) {
      errors.push({ path: `${path}.matchExpressions`, message: 'must be a list of requirements' });
    } else {
      rawExpressions.forEach((r: unknown, i) => {
        const req = parseRequirement(r, `${path}.matchExpressions[${i}]`, errors);
        if (req !== undefined) expressions.push(req);
      });
    }
  }
  if (errors.length > 0) return { selector: undefined, errors };
  return { selector: { matchLabels: labels, matchExpressions: expressions }, errors };
}
