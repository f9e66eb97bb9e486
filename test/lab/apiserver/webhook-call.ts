// The HTTPS call to one webhook, and its failures worded as kube-apiserver words them.

import { request as httpsRequest } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { rec } from './webhook-rules.js';

/** A Go-like error text for a failed call (what kube-apiserver prints after the URL). */
export function cause(err: unknown, address: string, host: string): string {
  const e = rec(err);
  const code = typeof e['code'] === 'string' ? e['code'] : '';
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return `dial tcp ${address}: connect: connection refused`;
    case 'ETIMEDOUT':
    case 'ABORT_ERR':
      return 'context deadline exceeded';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: certificate is not valid for ${host}`;
    default:
      return message;
  }
}

/** POSTs an AdmissionReview; resolves with the body of a 2xx answer. */
export function post(
  to: { host: string; port: number; servername: string; path: string },
  body: string,
  caBundleB64: string,
  timeoutMs: number,
): Promise<string> {
  const ca = caBundleB64 === '' ? undefined : Buffer.from(caBundleB64, 'base64').toString('utf8');
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: to.host,
        port: to.port,
        path: to.path,
        method: 'POST',
        // An empty caBundle means the system roots, which never trust a self-signed webhook.
        ...(ca === undefined ? {} : { ca }),
        servername: /^[\d.:]+$/.test(to.servername) ? undefined : to.servername,
        checkServerIdentity: (_host: string, cert: PeerCertificate) =>
          checkServerIdentity(to.servername, cert),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        signal: AbortSignal.timeout(timeoutMs),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300)
            reject(new Error(`the server responded with status ${res.statusCode ?? 0}: ${text.trim()}`));
          else resolve(text);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
