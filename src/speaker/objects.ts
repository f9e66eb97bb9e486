/**
 * Wire shapes (plain JSON as informers deliver them) of the objects the speaker reads. Only the
 * fields the speaker looks at are typed, all optional: bad input must never crash a reconcile.
 */
import type { WireMeta } from '../controller/objects.js';

export type { WireMeta, ServiceObject, EipObject } from '../controller/objects.js';

/** A core/v1 Node. */
export interface NodeObject {
  metadata?: WireMeta;
  spec?: { unschedulable?: boolean };
  status?: {
    addresses?: { type?: string; address?: string }[];
    conditions?: { type?: string; status?: string }[];
  };
}

/** One endpoint of a discovery.k8s.io/v1 EndpointSlice. */
export interface SliceEndpoint {
  addresses?: string[];
  nodeName?: string;
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
}

/** A discovery.k8s.io/v1 EndpointSlice. */
export interface EndpointSliceObject {
  metadata?: WireMeta;
  addressType?: string;
  endpoints?: SliceEndpoint[] | null;
}

/** A coordination.k8s.io/v1 Lease (times as RFC 3339 strings). */
export interface LeaseWire {
  metadata?: WireMeta;
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
}

/** A BgpConf or BgpPeer as stored (parsed by src/api). */
export interface BgpObject {
  apiVersion?: string;
  kind?: string;
  metadata?: WireMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** Label that ties an EndpointSlice to its Service. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
