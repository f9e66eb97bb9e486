/**
 * X.509 for the webhook: a self-signed CA and a serving certificate for the webhook Service's DNS
 * names, issued by that CA (ECDSA P-256 via @peculiar/x509 over Node's WebCrypto), and reading
 * them back (Node's X509Certificate) to decide about rotation.
 */
import { createPrivateKey, X509Certificate as NodeX509, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** Issue certificates valid from a little before "now": clocks across a cluster are never exactly in step. */
const BACKDATE_MS = 5 * 60_000;

/** A PEM certificate and its PKCS#8 PEM private key. */
export interface KeyPairPem {
  readonly cert: string;
  readonly key: string;
}

/** `<svc>.<ns>.svc` first (what kube-apiserver dials), then the other names a client may use. */
export function serviceDnsNames(namespace: string, service: string): string[] {
  return [
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
    `${service}.${namespace}`,
  ];
}

function serial(): string {
  // Positive 16-byte serial: the top bit clear keeps the DER integer positive.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

// The library is typed against the DOM's WebCrypto types, which this Node-only project does not load;
// Node's webcrypto objects are the same at run time, so they are handed over as `never`.
async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
}

async function privatePem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** A new self-signed CA valid for `validityMs` from `now`. */
export async function generateCa(
  now: number,
  validityMs: number,
  commonName = 'openelb-webhook-ca',
): Promise<KeyPairPem> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + validityMs),
    keys: keys as never,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await privatePem(keys.privateKey) };
}

/** A serving certificate for `dnsNames` (the first is the subject CN), issued by `ca`. */
export async function generateServing(
  ca: KeyPairPem,
  dnsNames: readonly string[],
  now: number,
  validityMs: number,
): Promise<KeyPairPem> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.key), ALG, false, [
    'sign',
  ]);
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${dnsNames[0] ?? 'openelb-webhook'}`,
    issuer: caCert.subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + validityMs),
    publicKey: keys.publicKey as never,
    signingKey: caKey as never,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value }))),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: cert.toString('pem'), key: await privatePem(keys.privateKey) };
}

/** What rotation needs to know about a certificate. */
export interface CertInfo {
  readonly notAfter: number;
  readonly dnsNames: readonly string[];
  readonly isCa: boolean;
  readonly fingerprint: string;
}

/** Every PEM certificate in `bundle`, in order. */
export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** Read one PEM certificate; undefined when it does not parse. */
export function certInfo(pem: string): CertInfo | undefined {
  try {
    const c = new NodeX509(pem);
    const dnsNames = (c.subjectAltName ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('DNS:'))
      .map((s) => s.slice(4));
    return { notAfter: Date.parse(c.validTo), dnsNames, isCa: c.ca, fingerprint: c.fingerprint256 };
  } catch {
    return undefined;
  }
}

/** True when `certPem` was signed by the CA `caPem` and `keyPem` is the certificate's private key. */
export function issuedBy(certPem: string, keyPem: string, caPem: string): boolean {
  try {
    const cert = new NodeX509(certPem);
    const ca = new NodeX509(caPem);
    return (
      cert.checkIssued(ca) && cert.verify(ca.publicKey) && cert.checkPrivateKey(createPrivateKey(keyPem))
    );
  } catch {
    return false;
  }
}
