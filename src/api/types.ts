/**
 * TypeScript types of the custom resources, derived from the TypeBox schemas (the single source of
 * truth; the CRD YAML is generated from the same schemas). These describe objects as the API returns
 * them; use the parse functions to get validated domain config.
 */
import type { Static } from '@sinclair/typebox';
import type { BgpConfStatusV1alpha2, BgpConfV1alpha1, BgpConfV1alpha2 } from './schema/bgpconf.js';
import type { BgpPeerStatusV1alpha2, BgpPeerV1alpha1, BgpPeerV1alpha2 } from './schema/bgppeer.js';
import type { Condition } from './schema/common.js';
import type { EipStatusV1alpha2, EipV1alpha1, EipV1alpha2 } from './schema/eip.js';

/** Kubernetes metadata as the parsers read it (the CRD schema leaves metadata to the API server). */
export interface CrMetadata {
  name?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

type WithMeta<T> = Omit<T, 'metadata'> & { metadata?: CrMetadata };

/** Eip as stored (v1alpha2). */
export type Eip = WithMeta<Static<typeof EipV1alpha2>>;
/** Eip read at v1alpha1. */
export type EipV1alpha1Object = WithMeta<Static<typeof EipV1alpha1>>;
/** Eip status (v1alpha2), as the controller writes it. */
export type EipStatus = Static<typeof EipStatusV1alpha2>;
/** BgpConf as stored (v1alpha2). */
export type BgpConf = WithMeta<Static<typeof BgpConfV1alpha2>>;
/** BgpConf read at v1alpha1. */
export type BgpConfV1alpha1Object = WithMeta<Static<typeof BgpConfV1alpha1>>;
/** BgpConf status (v1alpha2). */
export type BgpConfStatus = Static<typeof BgpConfStatusV1alpha2>;
/** BgpPeer as stored (v1alpha2). */
export type BgpPeer = WithMeta<Static<typeof BgpPeerV1alpha2>>;
/** BgpPeer read at v1alpha1. */
export type BgpPeerV1alpha1Object = WithMeta<Static<typeof BgpPeerV1alpha1>>;
/** BgpPeer status (v1alpha2). */
export type BgpPeerStatus = Static<typeof BgpPeerStatusV1alpha2>;
/** metav1.Condition. */
export type ApiCondition = Static<typeof Condition>;
