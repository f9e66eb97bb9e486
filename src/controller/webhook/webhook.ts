/**
 * The validating webhook as one long-running part of the controller: get the certificates (from the
 * shared Secret, issuing them when needed), serve AdmissionReviews over HTTPS, keep the caBundle
 * published and rotate before expiry, until the signal aborts.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { sleep, systemClock, type Clock } from '../../kube/clock.js';
import type { Logger } from '../../observability/logger.js';
import { kubeSecretStore, kubeWebhookConfigStore } from './cert-apis.js';
import { DEFAULT_CERT_POLICY, type CertPolicy } from './cert-plan.js';
import { CertManager, type ActiveCerts } from './cert-secret.js';
import { serviceDnsNames } from './certs.js';
import type { ReviewDeps } from './review.js';
import { startWebhookServer, type WebhookServer } from './server.js';

export { parseServiceRef, WEBHOOK_DEFAULTS } from './defaults.js';

/** Where to listen and which objects to keep. */
export interface WebhookOptions {
  readonly kubeConfig: KubeConfig;
  readonly host: string;
  readonly port: number;
  /** The webhook Service: its DNS names go into the serving certificate. */
  readonly service: { readonly namespace: string; readonly name: string };
  readonly configName: string;
  /** The Secret (in `secretNamespace`) shared by every replica. */
  readonly secretName: string;
  readonly secretNamespace: string;
  readonly deps: ReviewDeps;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly policy?: CertPolicy;
  /** Called once the server listens (the bound port). */
  readonly onListening?: (port: number) => void;
}

/** Runs the webhook until `signal` aborts. Never rejects: failures are logged and retried. */
export async function runWebhook(opts: WebhookOptions, signal: AbortSignal): Promise<void> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log;
  const certs = new CertManager({
    secrets: kubeSecretStore(opts.kubeConfig, opts.secretNamespace, opts.secretName),
    webhookConfig: kubeWebhookConfigStore(opts.kubeConfig, opts.configName),
    dnsNames: serviceDnsNames(opts.service.namespace, opts.service.name),
    policy: opts.policy ?? DEFAULT_CERT_POLICY,
    clock,
    log,
  });
  let first: ActiveCerts | undefined;
  let server: WebhookServer | undefined;
  let delay = 500;
  while (!signal.aborted && server === undefined) {
    try {
      first ??= await certs.ensure();
      server = await startWebhookServer(
        { host: opts.host, port: opts.port, tls: first.serving, deps: opts.deps, log },
        signal,
      );
    } catch (err) {
      log.error(
        { event: 'webhook_start_failed', err: err instanceof Error ? err.message : String(err) },
        `cannot start the validating webhook on ${opts.host}:${opts.port}: retrying`,
      );
      await sleep(clock, delay, signal);
      delay = Math.min(delay * 2, 30_000);
    }
  }
  if (server === undefined || first === undefined) return;
  const s = server;
  log.info({ event: 'webhook_listening', port: s.port }, 'validating webhook serving');
  opts.onListening?.(s.port);
  try {
    await certs.run(signal, first, (c) => {
      s.setCertificate(c);
    });
  } finally {
    await s.close();
  }
}
