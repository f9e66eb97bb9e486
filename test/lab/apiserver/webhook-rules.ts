// Which writes a ValidatingWebhookConfiguration's webhooks apply to: the configuration read into
// rules (groups, versions, operations, resources with subresources, scope) and label selectors.

import { labelSelectorMatches, parseLabelSelector } from '../../../src/api/label-selector.js';
import { meta, type Obj } from './store.js';

export interface Rule {
  readonly apiGroups: readonly string[];
  readonly apiVersions: readonly string[];
  readonly operations: readonly string[];
  readonly resources: readonly string[];
  readonly scope: string;
}

export interface Hook {
  readonly name: string;
  readonly rules: readonly Rule[];
  readonly clientConfig: Record<string, unknown>;
  readonly failurePolicy: string;
  readonly matchPolicy: string;
  readonly timeoutSeconds: number;
  readonly namespaceSelector: unknown;
  readonly objectSelector: unknown;
}

export function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

export function hooksOf(cfg: Obj): Hook[] {
  const list = Array.isArray(cfg['webhooks']) ? (cfg['webhooks'] as unknown[]) : [];
  return list.map((raw) => {
    const w = rec(raw);
    const rules = (Array.isArray(w['rules']) ? (w['rules'] as unknown[]) : []).map((r) => {
      const x = rec(r);
      return {
        apiGroups: strings(x['apiGroups']),
        apiVersions: strings(x['apiVersions']),
        operations: strings(x['operations']),
        resources: strings(x['resources']),
        scope: typeof x['scope'] === 'string' ? x['scope'] : '*',
      };
    });
    return {
      name: typeof w['name'] === 'string' ? w['name'] : '',
      rules,
      clientConfig: rec(w['clientConfig']),
      failurePolicy: w['failurePolicy'] === 'Ignore' ? 'Ignore' : 'Fail',
      matchPolicy: w['matchPolicy'] === 'Exact' ? 'Exact' : 'Equivalent',
      timeoutSeconds: typeof w['timeoutSeconds'] === 'number' ? w['timeoutSeconds'] : 10,
      namespaceSelector: w['namespaceSelector'],
      objectSelector: w['objectSelector'],
    };
  });
}

export function resourceMatches(patterns: readonly string[], plural: string, sub: string): boolean {
  return patterns.some((p) => {
    const [res = '', subPattern] = p.split('/');
    if (res !== '*' && res !== plural) return false;
    if (subPattern === undefined) return sub === '';
    return subPattern === '*' || subPattern === sub;
  });
}

/**
 * A webhook's namespaceSelector/objectSelector against labels; an absent or empty selector matches
 * everything. Uses the product's LabelSelector code (the same semantics as Kubernetes); a selector that
 * does not parse matches nothing, as kube-apiserver would have refused the configuration.
 */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  const parsed = parseLabelSelector(selector, 'selector');
  if (parsed.errors.length > 0) return false;
  return parsed.selector === undefined || labelSelectorMatches(parsed.selector, labels);
}

export function labelsOf(obj: Obj | null | undefined): Record<string, string> {
  if (obj === null || obj === undefined) return {};
  return rec(meta(obj)['labels']) as Record<string, string>;
}
