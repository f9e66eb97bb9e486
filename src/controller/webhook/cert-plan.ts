/**
 * When to (re)issue the webhook's certificates (pure). The CA lives long and is kept across serving
 * certificate rotations, so the caBundle callers trust stays valid; when the CA itself nears its end
 * a new one is added to the bundle next to the old one, so in-flight callers are never cut off.
 */
import { certInfo, issuedBy, splitPem } from './certs.js';

/** The Secret's data (decoded PEM text) as stored: kubernetes.io/tls plus the CA. */
export interface CertData {
  readonly 'tls.crt': string;
  readonly 'tls.key': string;
  /** Every CA certificate callers should trust, newest first. */
  readonly 'ca.crt': string;
  /** The newest CA's key. */
  readonly 'ca.key': string;
}

/** Validity and rotation margins. */
export interface CertPolicy {
  readonly caValidityMs: number;
  readonly servingValidityMs: number;
  /** Re-issue the serving certificate when less than this is left. */
  readonly renewServingBeforeMs: number;
  /** Add a new CA when less than this is left on the current one. */
  readonly renewCaBeforeMs: number;
}

const DAY = 24 * 3600_000;

/** Serving certificates for 1 year renewed at 30 days left; the CA for 10 years renewed at 1 year left. */
export const DEFAULT_CERT_POLICY: CertPolicy = {
  caValidityMs: 3650 * DAY,
  servingValidityMs: 365 * DAY,
  renewServingBeforeMs: 30 * DAY,
  renewCaBeforeMs: 365 * DAY,
};

/** What to do with the stored certificates, and why. */
export type CertPlan =
  | { readonly action: 'keep'; readonly reason: string; readonly renewAt: number }
  | { readonly action: 'create'; readonly reason: string }
  | { readonly action: 'renewCa'; readonly reason: string; readonly keepCas: readonly string[] }
  | { readonly action: 'renewServing'; readonly reason: string };

const iso = (ms: number): string => new Date(ms).toISOString();

/** Decide about `data` (undefined: no Secret yet) at `now` for a Service reached at `dnsNames`. */
export function planCerts(
  data: Partial<CertData> | undefined,
  now: number,
  dnsNames: readonly string[],
  policy: CertPolicy,
): CertPlan {
  if (data === undefined) return { action: 'create', reason: 'the Secret does not exist yet' };
  const cas = splitPem(data['ca.crt'] ?? '');
  const caPem = cas[0];
  const ca = caPem === undefined ? undefined : certInfo(caPem);
  if (caPem === undefined || ca === undefined || !ca.isCa || (data['ca.key'] ?? '') === '') {
    return { action: 'create', reason: 'the Secret holds no usable CA (ca.crt, ca.key): issuing a new one' };
  }
  const live = cas.filter((pem) => (certInfo(pem)?.notAfter ?? 0) > now);
  if (ca.notAfter - now < policy.renewCaBeforeMs) {
    return { action: 'renewCa', reason: `the CA expires at ${iso(ca.notAfter)}`, keepCas: live };
  }
  const cert = data['tls.crt'] ?? '';
  const key = data['tls.key'] ?? '';
  const serving = certInfo(cert);
  if (serving === undefined || !issuedBy(cert, key, caPem)) {
    return {
      action: 'renewServing',
      reason: 'tls.crt/tls.key is missing, unreadable or not issued by the CA',
    };
  }
  const missing = dnsNames.filter((n) => !serving.dnsNames.includes(n));
  if (missing.length > 0) {
    return { action: 'renewServing', reason: `the serving certificate does not cover ${missing.join(', ')}` };
  }
  if (serving.notAfter - now < policy.renewServingBeforeMs) {
    return { action: 'renewServing', reason: `the serving certificate expires at ${iso(serving.notAfter)}` };
  }
  const renewAt = Math.min(
    serving.notAfter - policy.renewServingBeforeMs,
    ca.notAfter - policy.renewCaBeforeMs,
  );
  return { action: 'keep', reason: `valid until ${iso(serving.notAfter)}`, renewAt };
}
