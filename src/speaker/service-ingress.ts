/**
 * A Service's ingress IPs, parsed once per Service object. The BGP side re-runs its desired state over
 * every labelled Service on each reconcile (~45 per 1,000-Service burst), and parsing and formatting
 * each IP again was the largest part of that walk, while the objects themselves do not change:
 * informer caches replace an object on update and never modify it.
 */
import { formatIp, parseIp, type IpAddress } from '../ip/address.js';
import type { ServiceObject } from './objects.js';

/** One parseable ingress IP: the address and its canonical text. */
export interface IngressIp {
  readonly ip: IpAddress;
  readonly text: string;
}

const parsed = new WeakMap<object, readonly IngressIp[]>();

/** The valid `status.loadBalancer.ingress[].ip` of `svc` in order, unparseable ones left out. */
export function ingressIps(svc: ServiceObject): readonly IngressIp[] {
  const out: IngressIp[] = [];
  for (const entry of svc.status?.loadBalancer?.ingress ?? []) {
    const ip = parseIp(entry.ip ?? '');
    if (ip.ok) out.push({ ip: ip.value, text: formatIp(ip.value) });
  }
  return out;
}

/** ingressIps(svc), computed once per object identity (objects must not be modified afterwards). */
export function ingressIpsOnce(svc: ServiceObject): readonly IngressIp[] {
  const known = parsed.get(svc);
  if (known !== undefined) return known;
  const result = ingressIps(svc);
  parsed.set(svc, result);
  return result;
}
