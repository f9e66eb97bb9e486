/**
 * AdmissionReview v1 in and out (pure): read the request a kube-apiserver POSTs, route it to the rule
 * for its path, and build the response it expects (uid echoed, `status.message` on denial, warnings).
 */
import type { NodeWithAddresses } from '../../api/parse/node-addresses.js';
import { validateBgpConf, validateBgpPeer } from './validate-bgp.js';
import { validateEip } from './validate-eip.js';
import { deny, type Operation, type Verdict } from './verdict.js';

const NOT_SYNCED =
  'the openelb controller is starting and has not loaded the existing Eips yet: retry in a few seconds';

/**
 * The webhook paths (contracts: ValidatingWebhookConfiguration `openelb-webhook`). The Eip path is
 * OpenELB 0.6's, and the BgpConf/BgpPeer ones follow its controller-runtime pattern, so logs, alerts
 * and runbooks written for OpenELB still match.
 */
export const WEBHOOK_PATHS = {
  eip: '/validate-network-kubesphere-io-v1alpha2-eip',
  bgpconf: '/validate-network-kubesphere-io-v1alpha2-bgpconf',
  bgppeer: '/validate-network-kubesphere-io-v1alpha2-bgppeer',
} as const;

/**
 * The paths of releases before OpenELB's were adopted: a configuration applied by an older release
 * keeps working against a newer controller during a rolling upgrade.
 */
const LEGACY_PATHS: Readonly<Record<string, string>> = {
  '/validate-eip': WEBHOOK_PATHS.eip,
  '/validate-bgpconf': WEBHOOK_PATHS.bgpconf,
  '/validate-bgppeer': WEBHOOK_PATHS.bgppeer,
};

/** The fields of `AdmissionReview.request` the rules read. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly operation: Operation;
  readonly name: string;
  readonly object: unknown;
  readonly oldObject: unknown;
}

/** What the rules need from the rest of the controller. */
export interface ReviewDeps {
  /** Every Eip the controller's cache holds (wire form); undefined until the cache has synced. */
  listEips(): readonly unknown[] | undefined;
  /** Every Node the controller's cache holds; undefined until synced (then nothing is said about them). */
  listNodes?():
    readonly (NodeWithAddresses & { metadata?: { labels?: Record<string, string> } })[] | undefined;
}

const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Read an AdmissionReview v1 body, or say precisely why it is not one. */
export function parseReview(
  body: unknown,
): { ok: true; request: AdmissionRequest } | { ok: false; error: string } {
  if (!isRecord(body)) return { ok: false, error: 'the body must be a JSON AdmissionReview object' };
  if (body['apiVersion'] !== 'admission.k8s.io/v1' || body['kind'] !== 'AdmissionReview') {
    return {
      ok: false,
      error: `expected apiVersion admission.k8s.io/v1 kind AdmissionReview, got ${JSON.stringify(body['apiVersion'] ?? null)} ${JSON.stringify(body['kind'] ?? null)}`,
    };
  }
  const req = body['request'];
  if (!isRecord(req)) return { ok: false, error: 'AdmissionReview.request is missing' };
  const uid = req['uid'];
  if (typeof uid !== 'string' || uid === '')
    return { ok: false, error: 'AdmissionReview.request.uid is missing' };
  const operation = OPERATIONS.find((o) => o === req['operation']);
  if (operation === undefined) {
    return {
      ok: false,
      error: `AdmissionReview.request.operation ${JSON.stringify(req['operation'] ?? null)} is unknown`,
    };
  }
  return {
    ok: true,
    request: {
      uid,
      operation,
      name: typeof req['name'] === 'string' ? req['name'] : '',
      object: req['object'] ?? undefined,
      oldObject: req['oldObject'] ?? undefined,
    },
  };
}

/** Judge a request that arrived on `path`; undefined when no rule serves that path. */
export function review(path: string, request: AdmissionRequest, deps: ReviewDeps): Verdict | undefined {
  const { operation, object, oldObject } = request;
  switch (LEGACY_PATHS[path] ?? path) {
    case WEBHOOK_PATHS.eip: {
      const others = deps.listEips();
      // Judging overlaps against a half-filled cache would let a bad Eip through.
      if (others === undefined) return deny(NOT_SYNCED);
      const nodes = deps.listNodes?.();
      return validateEip({ operation, object, oldObject, others, ...(nodes === undefined ? {} : { nodes }) });
    }
    case WEBHOOK_PATHS.bgpconf:
      return validateBgpConf({ operation, object, oldObject });
    case WEBHOOK_PATHS.bgppeer: {
      const nodes = deps.listNodes?.();
      return validateBgpPeer({ operation, object, oldObject, ...(nodes === undefined ? {} : { nodes }) });
    }
    default:
      return undefined;
  }
}

/** The AdmissionReview v1 response for `verdict`. */
export function reviewResponse(uid: string, verdict: Verdict): Record<string, unknown> {
  const response: Record<string, unknown> = { uid, allowed: verdict.allowed };
  if (verdict.allowed) {
    if (verdict.warnings.length > 0) response['warnings'] = verdict.warnings;
  } else {
    response['status'] = { code: 403, reason: 'Forbidden', message: verdict.message };
  }
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}
