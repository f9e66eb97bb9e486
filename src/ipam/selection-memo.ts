/**
 * Memo of selectEips for automatic allocation. The ranking depends only on the pools, the namespace,
 * the values of the namespace labels some Eip's namespaceSelector names, and the family, so Services
 * of one namespace share it until a pool changes or fills up (the allocator then hands over a new
 * views array, which empties the memo). When no Eip is bound to namespaces at all (no
 * `spec.namespaces`, no `namespaceSelector`: the common single default pool), the ranking does not
 * depend on the namespace either, and one entry per family serves every Service: reading and hashing
 * each request's namespace string was 5 % of the instructions of an allocation in the `allocator`
 * benchmark's churn (docs/adr/0007-allocator.md). Failures still name the namespace, so in that case
 * only successes are kept.
 */
import type { IpFamily } from '../ip/address.js';
import { selectEips, type EipSelection } from './select.js';
import type { AllocationRequest, EipView, InvalidEip } from './types.js';

/** See the file comment. */
export class SelectionMemo {
  private views: readonly EipView[] | undefined;
  /** Label keys any namespaceSelector looks at: only their values can change the answer. */
  private selectorKeys: readonly string[] = [];
  /** Whether any Eip is bound to namespaces (spec.namespaces or namespaceSelector). */
  private bound = false;
  private readonly entries = {
    IPv4: new Map<string, EipSelection>(),
    IPv6: new Map<string, EipSelection>(),
    any: new Map<string, EipSelection>(),
  };

  /** selectEips, answered from the memo when the same question was asked against the same views. */
  select(
    views: readonly EipView[],
    invalid: readonly InvalidEip[],
    request: AllocationRequest,
    family: IpFamily | undefined,
  ): EipSelection {
    if (request.pinnedEips.length > 0 || request.requestedIps.length > 0) {
      return selectEips(views, invalid, request, family);
    }
    if (views !== this.views) {
      this.views = views;
      for (const byKey of Object.values(this.entries)) byKey.clear();
      this.selectorKeys = [...new Set(views.flatMap((v) => Object.keys(v.config.namespaceSelector ?? {})))];
      this.bound = views.some(
        (v) => v.config.namespaces.length > 0 || v.config.namespaceSelector !== undefined,
      );
    }
    const byKey = this.entries[family ?? 'any'];
    if (!this.bound) {
      const hit = byKey.get('');
      if (hit !== undefined) return hit;
      const selection = selectEips(views, invalid, request, family);
      if (selection.ok) byKey.set('', selection);
      return selection;
    }
    // NUL cannot occur in namespace names or label values, so the key is unambiguous; an absent
    // label ("\u0001") differs from an empty one ("").
    const labels = request.namespaceLabels;
    let key = request.namespace;
    for (const k of this.selectorKeys) key += `\0${Object.hasOwn(labels, k) ? (labels[k] ?? '') : '\u0001'}`;
    const hit = byKey.get(key);
    if (hit !== undefined) return hit;
    const selection = selectEips(views, invalid, request, family);
    byKey.set(key, selection);
    return selection;
  }
}
