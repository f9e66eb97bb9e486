/**
 * What to write to a Service after the allocator has spoken (pure): the desired ingress list, label
 * and finalizer compared with what the cached Service shows, the Events to record once the writes
 * succeed, and a reason for the log. Events are derived from the difference between the Service's
 * status and the desired one, so a write that failed and is retried still yields its Events once.
 */
import { ANNOTATION_EIP, FINALIZER_LB, LABEL_EIP } from '../api/keys.js';
import { canonicalIp } from '../ip/address.js';
import type { Allocation, AllocationError, AssignResult, SelectionRule } from '../ipam/index.js';
import { ingressIps, type IngressEntry, type ServiceObject } from './objects.js';
import type { ServiceIntent } from './service-intent.js';

/** What the allocator did for the Service. */
export type AllocatorOutcome =
  | { readonly kind: 'none' }
  /** release(): what it held before (undefined: nothing). */
  | { readonly kind: 'released'; readonly held: Allocation | undefined }
  | { readonly kind: 'assigned'; readonly result: AssignResult };

/** An Event to record on the Service. */
export interface PlannedEvent {
  readonly type: 'Normal' | 'Warning';
  /** NotOptedIn: a Service that looks meant for OpenELB but does not opt in (see optInHint). */
  readonly reason: 'AssignIP' | 'AssignIPFailed' | 'ReleaseIP' | 'NotOptedIn';
  readonly message: string;
}

/** A metadata merge patch: the label (null removes it) and the complete finalizer list. */
export interface MetadataChange {
  readonly label?: string | null;
  readonly finalizers?: readonly string[];
}

/** The writes and Events for one Service. */
export interface ServicePlan {
  /** New `status.loadBalancer.ingress`; undefined = unchanged. */
  readonly ingress?: readonly IngressEntry[];
  /** undefined = unchanged. */
  readonly metadata?: MetadataChange;
  /** Clear the status before dropping the label/finalizer, so a crash in between never hides a held IP. */
  readonly statusFirst: boolean;
  readonly events: readonly PlannedEvent[];
  /** Short machine-readable summary for logs. */
  readonly reason: string;
  /** The refusal, when the Service could not get (all of) what it asked for. */
  readonly failures: readonly AllocationError[];
  /** The Service waits for something to change (capacity, an Eip, its annotations). */
  readonly pending: boolean;
}

/** Context that makes messages precise. */
export interface PlanContext {
  /** Eips being deleted: a release from one of them is a move, and the message says so. */
  readonly deletingEips?: ReadonlySet<string>;
}

const RULE_NOTES: Record<SelectionRule, string> = {
  kept: '',
  pinned: ` (pinned by annotation ${ANNOTATION_EIP})`,
  requested: ' (requested IP)',
  namespace: ' (bound to the namespace)',
  default: ' (the default Eip)',
};

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Canonical text of each current ingress IP (unreadable ones kept as written, so they get replaced). */
function currentIps(svc: ServiceObject): string[] {
  return ingressIps(svc).map((ip) => canonicalIp(ip) ?? ip);
}

interface Desired {
  readonly ips: readonly string[] | undefined;
  readonly label: string | undefined;
  readonly finalizer: boolean;
}

function metadataChange(svc: ServiceObject, desired: Desired): MetadataChange | undefined {
  const m = svc.metadata;
  const label = m?.labels?.[LABEL_EIP];
  const finalizers = m?.finalizers ?? [];
  const has = finalizers.includes(FINALIZER_LB);
  const change: { label?: string | null; finalizers?: string[] } = {};
  if (label !== desired.label) change.label = desired.label ?? null;
  if (has !== desired.finalizer) {
    change.finalizers = desired.finalizer
      ? [...finalizers, FINALIZER_LB]
      : finalizers.filter((f) => f !== FINALIZER_LB);
  }
  return Object.keys(change).length === 0 ? undefined : change;
}

function releaseMessage(ip: string, held: Allocation | undefined, why: string, ctx: PlanContext): string {
  const from = held?.ips.find((a) => a.address === ip)?.eip ?? held?.eip;
  const eip =
    from === undefined
      ? ''
      : ` (Eip ${from}${ctx.deletingEips?.has(from) === true ? ', being deleted' : ''})`;
  return `Released IP ${ip}${eip}: ${why}`;
}

/**
 * The plan for one Service. `intent` is how the Service was read, `outcome` what the allocator did,
 * `svc` the cached object whose status, label and finalizers the plan is compared against.
 */
export function planService(
  svc: ServiceObject,
  intent: ServiceIntent,
  outcome: AllocatorOutcome,
  ctx: PlanContext = {},
): ServicePlan {
  const current = currentIps(svc);
  const deleting = svc.metadata?.deletionTimestamp !== undefined;
  const ownsStatus = svc.metadata?.labels?.[LABEL_EIP] !== undefined;
  const events: PlannedEvent[] = [];
  const failures: AllocationError[] = [];
  let desired: Desired;
  let reason: string;
  let releaseWhy: string;
  let held: Allocation | undefined;

  if (intent.kind === 'ignore' || outcome.kind === 'none') {
    if (intent.kind === 'ignore' && intent.hint !== undefined)
      events.push({ type: 'Warning', reason: 'NotOptedIn', message: intent.hint });
    return { statusFirst: false, events, reason: 'not-ours', failures, pending: false };
  }
  if (outcome.kind === 'released') {
    held = outcome.held;
    const ours = new Set(held?.ips.map((a) => a.address) ?? []);
    // Without our label only the IPs we held are ours to remove; with it, the whole list is.
    const keep = ownsStatus ? [] : current.filter((ip) => !ours.has(ip));
    desired = { ips: deleting ? undefined : keep, label: undefined, finalizer: false };
    releaseWhy = intent.kind === 'release' ? intent.message : 'released';
    reason = intent.kind === 'release' ? `release:${intent.reason}` : 'release';
    if (intent.kind === 'invalid') {
      events.push({ type: 'Warning', reason: 'AssignIPFailed', message: intent.message });
      failures.push({ code: 'InvalidRequest', message: intent.message });
      releaseWhy = 'the Service annotations cannot be read';
      reason = 'invalid-request';
    }
    if (deleting && held !== undefined) {
      for (const a of held.ips)
        events.push({
          type: 'Normal',
          reason: 'ReleaseIP',
          message: releaseMessage(a.address, held, releaseWhy, ctx),
        });
    }
  } else if (outcome.result.ok) {
    const { allocation, missing, released } = outcome.result;
    held = { service: allocation.service, eip: allocation.eip, ips: [...allocation.ips, ...released] };
    desired = { ips: allocation.ips.map((a) => a.address), label: allocation.eip, finalizer: true };
    const moved = released.length > 0 ? `the Service moved to Eip ${allocation.eip}` : 'no longer requested';
    releaseWhy = moved;
    reason = missing.length > 0 ? 'assigned-partially' : 'assigned';
    for (const e of missing) {
      failures.push(e);
      events.push({
        type: 'Warning',
        reason: 'AssignIPFailed',
        message: `${e.family ?? 'IP'} not assigned: ${e.message}`,
      });
    }
    for (const a of allocation.ips) {
      if (current.includes(a.address)) continue;
      const rule = outcome.result.reasons.find((r) => r.address === a.address)?.rule;
      events.push({
        type: 'Normal',
        reason: 'AssignIP',
        message: `Assigned IP ${a.address} from Eip ${a.eip}${RULE_NOTES[rule ?? 'kept']}`,
      });
    }
  } else {
    const { error, errors, released } = outcome.result;
    held = released.length > 0 ? { service: '', eip: released[0]?.eip ?? '', ips: released } : undefined;
    desired = { ips: [], label: undefined, finalizer: false };
    releaseWhy = `the Service can no longer have it: ${error.message}`;
    reason = `failed:${error.code}`;
    failures.push(...errors);
    events.push({
      type: 'Warning',
      reason: 'AssignIPFailed',
      message: errors.map((e) => e.message).join('; '),
    });
  }

  const next = desired.ips;
  if (next !== undefined) {
    for (const ip of current) {
      if (!next.includes(ip) && (ownsStatus || held?.ips.some((a) => a.address === ip) === true)) {
        events.push({
          type: 'Normal',
          reason: 'ReleaseIP',
          message: releaseMessage(ip, held, releaseWhy, ctx),
        });
      }
    }
  }
  const ingress = next === undefined || sameList(next, current) ? undefined : next.map((ip) => ({ ip }));
  const metadata = metadataChange(svc, desired);
  return {
    ...(ingress === undefined ? {} : { ingress }),
    ...(metadata === undefined ? {} : { metadata }),
    statusFirst: next === undefined || next.length === 0,
    events,
    reason,
    failures,
    pending: failures.length > 0,
  };
}
