/**
 * Checks of a request against the pool set that do not depend on what is free: families, pins and
 * requested IPs that contradict each other. Pure; the allocator runs them before touching anything.
 */
import { formatIp, type IpFamily } from '../ip/address.js';
import { allocationErrors } from './errors.js';
import { wantedFamilies } from './request.js';
import type { AllocationError, AllocationRequest, InvalidEip } from './types.js';

/** A request that passed the checks, with its families resolved. */
export interface CheckedRequest {
  /** Families to serve, in order; a single `undefined` means any one family. */
  readonly families: readonly (IpFamily | undefined)[];
  /** Pinned Eip per family (names checked to exist and be valid). */
  readonly pinned: ReadonlyMap<IpFamily, string>;
  /** Canonical requested address per family. */
  readonly requested: ReadonlyMap<IpFamily, bigint>;
  readonly dualStack: 'no' | 'prefer' | 'require';
}

// Shared by requests without pins or requested IPs: never written to, as the loops that would fill
// them do not run.
const NO_REQUESTED = new Map<IpFamily, bigint>();
const NO_PINS = new Map<IpFamily, string>();

type CheckOutcome = { ok: true; value: CheckedRequest } | { ok: false; error: AllocationError };

/**
 * The outcome for a single-stack request without pins or requested IPs, the common case: nothing
 * in it depends on the request beyond its family, so it is built once per family and shared (the
 * allocator runs this on every reconcile, and these objects were a measurable share of its garbage).
 */
const plain = (family: IpFamily | undefined): CheckOutcome =>
  Object.freeze({
    ok: true,
    value: Object.freeze({
      families: wantedFamilies({
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: family === undefined ? [] : [family],
      }),
      pinned: NO_PINS,
      requested: NO_REQUESTED,
      dualStack: 'no',
    }),
  });
const PLAIN = { IPv4: plain('IPv4'), IPv6: plain('IPv6'), any: plain(undefined) } as const;

const listFamilies = (families: readonly (IpFamily | undefined)[]): string =>
  families.map((f) => f ?? 'any').join(', ');

/**
 * Validate the request. `familyOf` gives the family of an accepted Eip (undefined when not one);
 * invalid Eips are named so a pin on them gets their reason.
 */
export function checkRequest(
  request: AllocationRequest,
  familyOf: (eip: string) => IpFamily | undefined,
  invalid: readonly InvalidEip[],
): CheckOutcome {
  const policy = request.ipFamilyPolicy ?? 'SingleStack';
  if (policy === 'SingleStack' && request.requestedIps.length === 0 && request.pinnedEips.length === 0) {
    return PLAIN[request.ipFamilies[0] ?? 'any'];
  }
  let families = wantedFamilies(request);

  const requested = request.requestedIps.length === 0 ? NO_REQUESTED : new Map<IpFamily, bigint>();
  for (const ip of request.requestedIps) {
    const seen = requested.get(ip.family);
    if (seen !== undefined && seen !== ip.value) {
      return {
        ok: false,
        error: allocationErrors.invalidRequest(
          `more than one ${ip.family} address is requested (${formatIp({ family: ip.family, value: seen })}, ${formatIp(ip)}): request at most one per family`,
        ),
      };
    }
    requested.set(ip.family, ip.value);
  }

  const pinned = request.pinnedEips.length === 0 ? NO_PINS : new Map<IpFamily, string>();
  for (const name of request.pinnedEips) {
    const family = familyOf(name);
    if (family === undefined) {
      const bad = invalid.find((e) => e.name === name);
      return {
        ok: false,
        error:
          bad === undefined
            ? allocationErrors.eipNotFound(name)
            : allocationErrors.eipInvalid(name, bad.reason),
      };
    }
    const other = pinned.get(family);
    if (other !== undefined && other !== name) {
      return {
        ok: false,
        error: allocationErrors.invalidRequest(
          `Eips ${other} and ${name} are both ${family}: pin at most one Eip per family`,
        ),
      };
    }
    pinned.set(family, name);
  }

  // A Service without spec.ipFamilies takes the family its pin or requested IP implies.
  if (families.length === 1 && families[0] === undefined) {
    const implied = [...pinned.keys(), ...requested.keys()];
    if (new Set(implied).size > 1) {
      return {
        ok: false,
        error: allocationErrors.familyMismatch(
          'the pinned Eips and requested IPs name both families but the Service is single-stack: set spec.ipFamilyPolicy to PreferDualStack or RequireDualStack',
        ),
      };
    }
    if (implied[0] !== undefined) families = [implied[0]];
  }

  for (const [family, name] of pinned) {
    if (families[0] !== undefined && !families.includes(family)) {
      return {
        ok: false,
        error: allocationErrors.familyMismatch(
          `Eip ${name} is ${family} but the Service wants ${listFamilies(families)} (spec.ipFamilies, spec.ipFamilyPolicy): pin an Eip of that family or change the Service's families`,
          family,
          name,
        ),
      };
    }
  }
  for (const [family, value] of requested) {
    if (families[0] !== undefined && !families.includes(family)) {
      return {
        ok: false,
        error: allocationErrors.familyMismatch(
          `${formatIp({ family, value })} is ${family} but the Service wants ${listFamilies(families)} (spec.ipFamilies, spec.ipFamilyPolicy): request an address of that family or change the Service's families`,
          family,
        ),
      };
    }
  }

  const dualStack =
    policy === 'RequireDualStack' ? 'require' : policy === 'PreferDualStack' ? 'prefer' : 'no';
  return { ok: true, value: { families, pinned, requested, dualStack } };
}
