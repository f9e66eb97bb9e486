import type { InvolvedObject } from '../kube/event-correlator.js';
/**
 * The shapes of the objects the controller reads, in wire form (plain JSON as informers deliver them:
 * timestamps are strings). Only the fields the controller looks at are typed; everything is optional
 * because bad input must never crash a reconcile.
 */
/**
 * Read access to an informer cache, typed with the wire shapes below. (client-node's types say
 * timestamps are Dates, but informers hold plain JSON where they are strings; the controller
 * casts its informers to this interface once, in controller.ts.)
 */
export interface Reader<T> {
  get(key: string): T | undefined;
  getByName(name: string, namespace?: string): T | undefined;
  list(namespace?: string): T[];
  hasSynced(): boolean;
}

interface Typed {
  apiVersion?: string;
  kind?: string;
}

/** Metadata fields the controller reads. */
export interface WireMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

/** One `status.loadBalancer.ingress[]` entry. */
export interface IngressEntry {
  ip?: string;
  hostname?: string;
  ipMode?: string;
}

/** A core/v1 Service as the controller sees it. */
export interface ServiceObject extends Typed {
  metadata?: WireMeta;
  spec?: {
    type?: string;
    loadBalancerClass?: string;
    loadBalancerIP?: string;
    ipFamilies?: string[];
    ipFamilyPolicy?: string;
    ports?: { protocol?: string; port?: number }[];
  };
  status?: { loadBalancer?: { ingress?: IngressEntry[] } };
}

/** A core/v1 Namespace (only its labels matter). */
export interface NamespaceObject extends Typed {
  metadata?: WireMeta;
}

/** A core/v1 Node (only its addresses matter: none of them is ever handed out). */
export interface NodeObject extends Typed {
  metadata?: WireMeta;
  status?: { addresses?: { type?: string; address?: string }[] };
}

/** An Eip of any served version, as stored. */
export interface EipObject extends Typed {
  metadata?: WireMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** The IPs of `status.loadBalancer.ingress`, in order (hostname-only entries are skipped). */
export function ingressIps(svc: ServiceObject): string[] {
  const out: string[] = [];
  for (const entry of svc.status?.loadBalancer?.ingress ?? []) {
    if (typeof entry.ip === 'string' && entry.ip !== '') out.push(entry.ip);
  }
  return out;
}

/** Milliseconds since the epoch of an RFC 3339 timestamp; +Infinity when missing or unreadable. */
export function timestampMs(text: string | undefined): number {
  if (text === undefined) return Number.POSITIVE_INFINITY;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/** Orders objects by creation time, then by key, so every replica rebuilds in the same order. */
export function byCreation<T extends { metadata?: WireMeta }>(key: (o: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const d = timestampMs(a.metadata?.creationTimestamp) - timestampMs(b.metadata?.creationTimestamp);
    if (d !== 0 && !Number.isNaN(d)) return d;
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}

/** The Event reference of an object (cluster-scoped objects have no namespace). */
export function involved(
  obj: Typed & { metadata?: WireMeta },
  apiVersion: string,
  kind: string,
): InvolvedObject {
  const m = obj.metadata;
  return {
    apiVersion: obj.apiVersion ?? apiVersion,
    kind: obj.kind ?? kind,
    name: m?.name ?? '',
    ...(m?.namespace === undefined ? {} : { namespace: m.namespace }),
    ...(m?.uid === undefined ? {} : { uid: m.uid }),
    ...(m?.resourceVersion === undefined ? {} : { resourceVersion: m.resourceVersion }),
  };
}
