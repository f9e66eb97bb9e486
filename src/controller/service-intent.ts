/**
 * What a Service asks of the controller, decided from the Service and its Namespace alone (pure):
 * nothing (not ours), a release, an allocation request, or a refusal because its annotations cannot
 * be read. The allocator never sees raw annotations.
 */
import {
  ANNOTATION_EIP,
  ANNOTATION_EIP_IP,
  ANNOTATION_LB,
  ANNOTATION_PROTOCOL,
  FINALIZER_LB,
  LABEL_EIP,
  LB_ANNOTATION_VALUE,
  LB_ANNOTATION_VALUE_LEGACY,
  LOAD_BALANCER_CLASS,
} from '../api/keys.js';
import { formatIp, parseIp, type IpAddress, type IpFamily } from '../ip/address.js';
import type { AllocationRequest, IpFamilyPolicy, ServicePort } from '../ipam/index.js';
import type { ServiceObject } from './objects.js';

/** Why a Service gives up whatever it holds. */
export type ReleaseReason = 'Deleted' | 'NotLoadBalancer' | 'NotOptedIn' | 'OtherClass';

/** The controller's reading of one Service. */
export type ServiceIntent =
  /**
   * Not ours and we hold nothing for it: leave it alone. `hint` says why, when the Service looks
   * meant for OpenELB (a misspelt opt-in, or OpenELB annotations without the opt-in): a Service
   * that stays `<pending>` with no Event at all is the worst outcome for the user.
   */
  | { readonly kind: 'ignore'; readonly hint?: string }
  /** Release what it holds and remove our marks (label, finalizer, our ingress IPs). */
  | { readonly kind: 'release'; readonly reason: ReleaseReason; readonly message: string }
  | { readonly kind: 'allocate'; readonly request: AllocationRequest }
  /** Opted in, but its annotations/spec cannot be read: it holds nothing and stays pending. */
  | { readonly kind: 'invalid'; readonly reason: 'InvalidRequest'; readonly message: string };

const FAMILIES: readonly string[] = ['IPv4', 'IPv6'];
const POLICIES: readonly string[] = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];

/** True when the Service carries a mark only this controller writes (label or finalizer). */
export function carriesOurMarks(svc: ServiceObject): boolean {
  const m = svc.metadata;
  return m?.labels?.[LABEL_EIP] !== undefined || (m?.finalizers ?? []).includes(FINALIZER_LB);
}

/**
 * Opt-in: `type: LoadBalancer` and either `spec.loadBalancerClass: openelb.kubesphere.io/lb` or the
 * annotation `lb.kubesphere.io/v1alpha1: openelb` (or the pre-0.4 `porter`). A Service of another
 * class belongs to another controller even when it carries our annotation.
 */
export function optIn(svc: ServiceObject): { readonly ours: boolean; readonly why?: ReleaseReason } {
  if (svc.metadata?.deletionTimestamp !== undefined) return { ours: false, why: 'Deleted' };
  if (svc.spec?.type !== 'LoadBalancer') return { ours: false, why: 'NotLoadBalancer' };
  const cls = svc.spec.loadBalancerClass;
  if (cls !== undefined && cls !== '' && cls !== LOAD_BALANCER_CLASS)
    return { ours: false, why: 'OtherClass' };
  if (cls === LOAD_BALANCER_CLASS) return { ours: true };
  const value = svc.metadata?.annotations?.[ANNOTATION_LB];
  const annotated = value === LB_ANNOTATION_VALUE || value === LB_ANNOTATION_VALUE_LEGACY;
  return annotated ? { ours: true } : { ours: false, why: 'NotOptedIn' };
}

/** Annotations only OpenELB reads; a Service carrying one was written for OpenELB. */
const OPENELB_ANNOTATIONS = [ANNOTATION_EIP, ANNOTATION_EIP_IP, ANNOTATION_PROTOCOL] as const;

const HOW_TO_OPT_IN = `annotation ${ANNOTATION_LB}: ${LB_ANNOTATION_VALUE} (or spec.loadBalancerClass: ${LOAD_BALANCER_CLASS})`;

/**
 * Why a LoadBalancer Service that looks meant for OpenELB is not handled, or undefined when it does
 * not look meant for OpenELB (no OpenELB annotation, or another loadBalancerClass: another controller's).
 */
export function optInHint(svc: ServiceObject): string | undefined {
  if (svc.metadata?.deletionTimestamp !== undefined || svc.spec?.type !== 'LoadBalancer') return undefined;
  const cls = svc.spec.loadBalancerClass;
  if (cls !== undefined && cls !== '') return undefined;
  const annotations = svc.metadata?.annotations ?? {};
  const value = annotations[ANNOTATION_LB];
  if (value !== undefined) {
    if (value === LB_ANNOTATION_VALUE || value === LB_ANNOTATION_VALUE_LEGACY) return undefined;
    return `annotation ${ANNOTATION_LB} is ${JSON.stringify(value)}, and only ${JSON.stringify(LB_ANNOTATION_VALUE)} opts a Service in to OpenELB: set it to ${LB_ANNOTATION_VALUE}`;
  }
  const carried = OPENELB_ANNOTATIONS.filter((a) => annotations[a] !== undefined);
  if (carried.length === 0) return undefined;
  return `the Service has ${carried.join(' and ')} but does not opt in to OpenELB, which leaves it alone: add the ${HOW_TO_OPT_IN}`;
}

const RELEASE_MESSAGES: Record<ReleaseReason, string> = {
  Deleted: 'the Service is being deleted',
  NotLoadBalancer: 'the Service is no longer of type LoadBalancer',
  NotOptedIn: `the Service no longer opts in (annotation ${ANNOTATION_LB}: openelb or loadBalancerClass ${LOAD_BALANCER_CLASS})`,
  OtherClass: 'the Service now names another loadBalancerClass',
};

/** Splits a comma-separated annotation value; empty items are dropped. */
function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The explicitly requested IPs: the annotation wins over `spec.loadBalancerIP` (OpenELB 0.6). */
export function requestedIps(svc: ServiceObject): { ips: IpAddress[] } | { error: string } {
  const annotation = svc.metadata?.annotations?.[ANNOTATION_EIP_IP];
  const fromAnnotation = annotation !== undefined && annotation.trim() !== '';
  const text = fromAnnotation ? annotation : (svc.spec?.loadBalancerIP ?? '');
  const source = fromAnnotation ? `annotation ${ANNOTATION_EIP_IP}` : 'spec.loadBalancerIP';
  const ips: IpAddress[] = [];
  const seen = new Set<IpFamily>();
  for (const item of list(text)) {
    const parsed = parseIp(item);
    if (!parsed.ok) {
      return {
        error: `${source}: ${JSON.stringify(item)} is not an IP address; write one IP per family, e.g. 192.0.2.10 or 192.0.2.10,2001:db8::10`,
      };
    }
    if (seen.has(parsed.value.family)) {
      return {
        error: `${source}: ${JSON.stringify(text)} names two ${parsed.value.family} addresses; request at most one IP per family`,
      };
    }
    seen.add(parsed.value.family);
    ips.push(parsed.value);
  }
  return { ips };
}

/**
 * The allocation request of an opted-in Service, or why its spec/annotations cannot be read. `key`
 * is the Service's `namespace/name` when the caller has it (the queue key): the allocator then
 * looks it up as is instead of building a new string per reconcile.
 */
export function buildRequest(
  svc: ServiceObject,
  namespaceLabels: Readonly<Record<string, string>>,
  key?: string,
): { request: AllocationRequest } | { error: string } {
  const requested = requestedIps(svc);
  if ('error' in requested) return { error: requested.error };
  const policy = svc.spec?.ipFamilyPolicy;
  if (policy !== undefined && !POLICIES.includes(policy)) {
    return { error: `spec.ipFamilyPolicy ${JSON.stringify(policy)} is not one of ${POLICIES.join(', ')}` };
  }
  const ipFamilies = (svc.spec?.ipFamilies ?? []).filter((f): f is IpFamily => FAMILIES.includes(f));
  const ports: ServicePort[] = [];
  for (const p of svc.spec?.ports ?? []) {
    if (typeof p.port === 'number') ports.push({ protocol: p.protocol ?? 'TCP', port: p.port });
  }
  return {
    request: {
      namespace: svc.metadata?.namespace ?? '',
      name: svc.metadata?.name ?? '',
      namespaceLabels,
      pinnedEips: list(svc.metadata?.annotations?.[ANNOTATION_EIP] ?? ''),
      requestedIps: requested.ips,
      ipFamilies,
      ipFamilyPolicy: policy as IpFamilyPolicy | undefined,
      ports,
      ...(key === undefined ? {} : { key }),
    },
  };
}

/**
 * The intent of a Service. `holds` says whether the allocator has something for it: a Service that
 * is not ours is only worth a release when we hold something or it still carries our marks.
 */
export function serviceIntent(
  svc: ServiceObject,
  namespaceLabels: Readonly<Record<string, string>>,
  holds: boolean,
  key?: string,
): ServiceIntent {
  const opt = optIn(svc);
  if (!opt.ours) {
    const why = opt.why ?? 'NotOptedIn';
    if (!holds && !carriesOurMarks(svc)) {
      const hint = optInHint(svc);
      return hint === undefined ? { kind: 'ignore' } : { kind: 'ignore', hint };
    }
    return { kind: 'release', reason: why, message: RELEASE_MESSAGES[why] };
  }
  const built = buildRequest(svc, namespaceLabels, key);
  if ('error' in built) return { kind: 'invalid', reason: 'InvalidRequest', message: built.error };
  return { kind: 'allocate', request: built.request };
}

/** Canonical text of the requested IPs, for messages. */
export function describeIps(ips: readonly IpAddress[]): string {
  return ips.map(formatIp).join(', ');
}
