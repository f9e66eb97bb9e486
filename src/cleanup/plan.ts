/**
 * Pure core of `openelb-manager cleanup`: which objects still carry a finalizer only openelb-manager
 * removes, and whether it is safe to remove them now. After an uninstall (controller gone) those
 * finalizers block for ever: `kubectl delete svc` hangs on `finalizer.lb.kubesphere.io/v1alpha1`, and
 * deleting the CRDs hangs on the Eips' `finalizer.ipam.kubesphere.io/v1alpha1` (OpenELB's issues
 * #138, #251, #263). The Service label and status stay: a later install rebuilds the same IPs from them.
 */
import { API_GROUP, EIP, FINALIZER_IPAM, FINALIZER_LB, STORAGE_VERSION } from '../api/keys.js';
import type { EipObject, ServiceObject } from '../controller/objects.js';
import type { ObjectRef } from '../kube/status.js';
import type { LeaseWire } from '../speaker/objects.js';

/** One object to patch: the finalizer list it keeps, under a resourceVersion precondition. */
export interface FinalizerRemoval {
  /** "Service default/web" or "Eip pool". */
  readonly what: string;
  readonly ref: ObjectRef;
  readonly resourceVersion: string | undefined;
  readonly finalizers: readonly string[];
}

/** Every Service with FINALIZER_LB and every Eip with FINALIZER_IPAM, sorted as listed. */
export function planFinalizerRemovals(
  services: readonly ServiceObject[],
  eips: readonly EipObject[],
): FinalizerRemoval[] {
  const out: FinalizerRemoval[] = [];
  const add = (obj: ServiceObject | EipObject, finalizer: string, what: string, ref: ObjectRef): void => {
    const finalizers = obj.metadata?.finalizers ?? [];
    if (!finalizers.includes(finalizer)) return;
    out.push({
      what,
      ref,
      resourceVersion: obj.metadata?.resourceVersion,
      finalizers: finalizers.filter((f) => f !== finalizer),
    });
  };
  for (const svc of services) {
    const namespace = svc.metadata?.namespace ?? '';
    const name = svc.metadata?.name ?? '';
    add(svc, FINALIZER_LB, `Service ${namespace}/${name}`, {
      group: '',
      version: 'v1',
      plural: 'services',
      namespace,
      name,
    });
  }
  for (const eip of eips) {
    const name = eip.metadata?.name ?? '';
    add(eip, FINALIZER_IPAM, `Eip ${name}`, {
      group: API_GROUP,
      version: STORAGE_VERSION,
      plural: EIP.plural,
      name,
    });
  }
  return out;
}

/**
 * Why cleanup must not run now, or undefined: a controller that holds its leader Lease would put the
 * finalizers back (and allocate meanwhile). Judged by this machine's clock against the Lease's
 * renewTime, with twice the Lease duration as the margin (for clock skew between this machine and the
 * controller's node); `--force` overrides.
 */
export function controllerStillLeads(lease: LeaseWire | undefined, nowMs: number): string | undefined {
  const holder = lease?.spec?.holderIdentity ?? '';
  if (lease === undefined || holder === '') return undefined;
  const renewed = Date.parse(lease.spec?.renewTime ?? '');
  const seconds = lease.spec?.leaseDurationSeconds ?? 15;
  if (Number.isNaN(renewed) || renewed + 2 * seconds * 1000 <= nowMs) return undefined;
  const name = `${lease.metadata?.namespace ?? ''}/${lease.metadata?.name ?? ''}`;
  return `controller ${holder} holds the leader Lease ${name} (renewed ${String(Math.max(0, Math.round((nowMs - renewed) / 1000)))} s ago): it would add the finalizers back. Stop it first (kubectl -n ${lease.metadata?.namespace ?? ''} scale deployment openelb-controller --replicas=0), or pass --force`;
}
