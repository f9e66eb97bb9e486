/**
 * Which Eip serves a family of a Service: a pure decision returning ranked Eips and the rule that
 * chose them, or an error that says how to fix the configuration.
 */
import type { EipConfig } from '../api/parse/eip.js';
import { formatIp, type IpFamily } from '../ip/address.js';
import { rangeContains } from '../ip/range.js';
import { allocationErrors } from './errors.js';
import type { AllocationError, AllocationRequest, EipView, InvalidEip, SelectionRule } from './types.js';

/** Ranked Eips for one family, best first, or why there are none. */
export type EipSelection =
  | { readonly ok: true; readonly rule: Exclude<SelectionRule, 'kept'>; readonly eips: readonly EipConfig[] }
  | { readonly ok: false; readonly error: AllocationError };

const fail = (error: AllocationError): EipSelection => ({ ok: false, error });

const ofFamily = (eip: EipConfig, family: IpFamily | undefined): boolean =>
  family === undefined || eip.range.family === family;

/** Usable for a new allocation: not disabled, not being deleted. */
function refusal(eip: EipConfig, family: IpFamily | undefined): AllocationError | undefined {
  if (eip.deleting) return allocationErrors.eipDeleting(eip.name, family);
  if (eip.disable) return allocationErrors.eipDisabled(eip.name, family);
  return undefined;
}

/** The Eip lists the namespace in spec.namespaces, or its namespaceSelector matches the namespace's labels. */
export function eipServesNamespace(
  eip: EipConfig,
  namespace: string,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (eip.namespaces.includes(namespace)) return true;
  const selector = eip.namespaceSelector;
  if (selector === undefined) return false;
  return Object.entries(selector).every(([k, v]) => Object.hasOwn(labels, k) && labels[k] === v);
}

/** Namespace-bound order: non-occupied first, then ascending priority, then name (deterministic). */
function compareBound(a: EipView, b: EipView): number {
  if (a.occupied !== b.occupied) return a.occupied ? 1 : -1;
  if (a.config.priority !== b.config.priority) return a.config.priority - b.config.priority;
  return a.config.name < b.config.name ? -1 : a.config.name > b.config.name ? 1 : 0;
}

function selectPinned(
  eips: readonly EipView[],
  invalid: readonly InvalidEip[],
  request: AllocationRequest,
  family: IpFamily | undefined,
): EipSelection | undefined {
  let pinned: EipConfig | undefined;
  for (const name of request.pinnedEips) {
    const bad = invalid.find((e) => e.name === name);
    if (bad !== undefined) return fail(allocationErrors.eipInvalid(name, bad.reason));
    const view = eips.find((e) => e.config.name === name);
    if (view === undefined) return fail(allocationErrors.eipNotFound(name));
    if (pinned === undefined && ofFamily(view.config, family)) pinned = view.config;
  }
  if (pinned === undefined) return undefined;
  const refused = refusal(pinned, family);
  if (refused !== undefined) return fail(refused);
  const ip = request.requestedIps.find((r) => r.family === pinned.range.family);
  if (ip !== undefined && !rangeContains(pinned.range, ip)) {
    return fail(allocationErrors.ipNotInEip(formatIp(ip), pinned.name, ip.family));
  }
  return { ok: true, rule: 'pinned', eips: [pinned] };
}

/**
 * OpenELB 0.6 order with its defects fixed: pinned Eip → the Eip containing the requested IP →
 * Eips bound to the namespace (non-occupied first, then ascending priority, then name) → the default
 * Eip (by name if several). Disabled, deleting and invalid Eips are never chosen for a new
 * allocation; a pinned or requested one is an error saying so. Namespace-bound Eips that are all
 * exhausted do not fall back to the default Eip (the binding is a tenant boundary): the allocator
 * reports EipExhausted. `family` undefined means any family (a Service without spec.ipFamilies).
 * Each family is decided on its own, so a dual-stack Service may pin only its IPv4 Eip.
 */
export function selectEips(
  eips: readonly EipView[],
  invalid: readonly InvalidEip[],
  request: AllocationRequest,
  family: IpFamily | undefined,
): EipSelection {
  const pinned = selectPinned(eips, invalid, request, family);
  if (pinned !== undefined) return pinned;

  const ip = request.requestedIps.find((r) => family === undefined || r.family === family);
  if (ip !== undefined) {
    const owner = eips.find((e) => rangeContains(e.config.range, ip));
    if (owner === undefined) return fail(allocationErrors.ipNotInAnyEip(formatIp(ip), ip.family));
    const refused = refusal(owner.config, ip.family);
    if (refused !== undefined) return fail(refused);
    return { ok: true, rule: 'requested', eips: [owner.config] };
  }

  const { namespace, namespaceLabels } = request;
  const bound = eips.filter((e) => eipServesNamespace(e.config, namespace, namespaceLabels));
  const usable = (e: EipView): boolean => refusal(e.config, family) === undefined;
  const boundUsable = bound.filter((e) => usable(e) && ofFamily(e.config, family)).sort(compareBound);
  if (boundUsable.length > 0) return { ok: true, rule: 'namespace', eips: boundUsable.map((e) => e.config) };

  const defaults = eips.filter((e) => e.config.isDefault && usable(e));
  const defaultsOfFamily = defaults
    .filter((e) => ofFamily(e.config, family))
    .sort((a, b) => (a.config.name < b.config.name ? -1 : 1));
  if (defaultsOfFamily.length > 0) {
    return { ok: true, rule: 'default', eips: defaultsOfFamily.map((e) => e.config) };
  }

  const otherFamily = [...bound.filter(usable), ...defaults].map((e) => e.config);
  const first = otherFamily[0];
  if (family !== undefined && first !== undefined) {
    const names = [...new Set(otherFamily.map((e) => `${e.name} (${e.range.family})`))].join(', ');
    return fail(
      allocationErrors.familyMismatch(
        `no ${family} Eip serves namespace ${namespace}, only ${names}: add an ${family} Eip for it, ` +
          `or change the Service's spec.ipFamilies / spec.ipFamilyPolicy`,
        family,
      ),
    );
  }
  const skipped = [...new Set([...bound, ...eips.filter((e) => e.config.isDefault)])]
    .filter((e) => !usable(e) && ofFamily(e.config, family))
    .map((e) => e.config.name);
  return fail(allocationErrors.noEipForNamespace(namespace, family, skipped));
}
