/**
 * Keeps the webhook's certificates: the Secret from the contracts holds the CA and the serving
 * certificate so every replica serves the same one (created if missing; a 409 means another
 * replica won the race, so read theirs), the ValidatingWebhookConfiguration's caBundle follows the
 * CA, and certificates are re-issued before they expire. Time and I/O are injected.
 */
import { sleep, type Clock } from '../../kube/clock.js';
import type { Logger } from '../../observability/logger.js';
import { generateCa, generateServing, splitPem } from './certs.js';
import { planCerts, type CertData, type CertPlan, type CertPolicy } from './cert-plan.js';
import type { ServingCert } from './server.js';

/** The Secret as read: decoded data and the resourceVersion to write against. */
export interface StoredSecret {
  readonly data: Partial<CertData>;
  readonly resourceVersion: string;
}

/** Narrow access to the certificate Secret. */
export interface SecretStore {
  read(): Promise<StoredSecret | undefined>;
  create(data: CertData): Promise<'created' | 'conflict'>;
  replace(data: CertData, resourceVersion: string): Promise<'replaced' | 'conflict'>;
}

/** Narrow access to the ValidatingWebhookConfiguration: every webhook's caBundle (base64 PEM). */
export interface WebhookConfigStore {
  read(): Promise<{ readonly resourceVersion: string; readonly caBundles: readonly string[] } | undefined>;
  setCaBundle(caBundle: string, resourceVersion: string): Promise<'updated' | 'conflict'>;
}

/** What the manager needs. */
export interface CertManagerDeps {
  readonly secrets: SecretStore;
  readonly webhookConfig: WebhookConfigStore;
  readonly dnsNames: readonly string[];
  readonly policy: CertPolicy;
  readonly clock: Clock;
  readonly log: Logger;
  /** Longest wait between two checks (the other replica may rotate, kubectl may reset the caBundle). @default 60_000 */
  readonly recheckMs?: number;
}

/** The certificates to serve and the bundle callers must trust. */
export interface ActiveCerts {
  readonly serving: ServingCert;
  /** PEM bundle of every trusted CA. */
  readonly caBundle: string;
  /** When the next rotation is due (ms since the epoch). */
  readonly renewAt: number;
}

const MAX_RACES = 5;

/** Issues, stores, rotates and publishes the webhook certificates. */
export class CertManager {
  readonly #d: CertManagerDeps;

  constructor(deps: CertManagerDeps) {
    this.#d = deps;
  }

  async #issue(
    plan: Exclude<CertPlan, { action: 'keep' }>,
    current: Partial<CertData> | undefined,
  ): Promise<CertData> {
    const { policy, clock, dnsNames } = this.#d;
    const now = clock.now();
    let ca: { cert: string; key: string };
    let bundle: string[];
    if (plan.action === 'renewServing' && current !== undefined) {
      const cas = splitPem(current['ca.crt'] ?? '');
      ca = { cert: cas[0] ?? '', key: current['ca.key'] ?? '' };
      bundle = cas;
    } else {
      ca = await generateCa(now, policy.caValidityMs);
      bundle = [ca.cert, ...(plan.action === 'renewCa' ? plan.keepCas : [])];
    }
    const serving = await generateServing(ca, dnsNames, now, policy.servingValidityMs);
    return {
      'tls.crt': serving.cert,
      'tls.key': serving.key,
      'ca.crt': bundle.map((p) => `${p.trim()}\n`).join(''),
      'ca.key': ca.key,
    };
  }

  /** Read the Secret and make it current (create or rotate); returns what to serve. */
  async ensure(): Promise<ActiveCerts> {
    const { secrets, clock, dnsNames, policy, log } = this.#d;
    for (let attempt = 0; ; attempt++) {
      const stored = await secrets.read();
      const plan = planCerts(stored?.data, clock.now(), dnsNames, policy);
      if (plan.action === 'keep' && stored !== undefined) {
        const d = stored.data;
        return {
          serving: { cert: d['tls.crt'] ?? '', key: d['tls.key'] ?? '' },
          caBundle: d['ca.crt'] ?? '',
          renewAt: plan.renewAt,
        };
      }
      if (attempt >= MAX_RACES)
        throw new Error(`the certificate Secret kept changing under us (${plan.reason})`);
      const data = await this.#issue(plan as Exclude<CertPlan, { action: 'keep' }>, stored?.data);
      const outcome =
        stored === undefined
          ? await secrets.create(data)
          : await secrets.replace(data, stored.resourceVersion);
      log.info(
        { event: 'webhook_cert_issued', action: plan.action, reason: plan.reason, outcome },
        outcome === 'conflict'
          ? 'another replica wrote the certificate Secret first: using theirs'
          : `webhook certificates issued (${plan.action})`,
      );
      // Always re-read: on a conflict we adopt the winner's certificates, otherwise we confirm ours.
    }
  }

  /** Set every webhook's caBundle to `caBundle` when any differs; false when the configuration does not exist. */
  async publishCaBundle(caBundle: string): Promise<boolean> {
    const { webhookConfig, log } = this.#d;
    const b64 = Buffer.from(caBundle).toString('base64');
    for (let attempt = 0; attempt < MAX_RACES; attempt++) {
      const cfg = await webhookConfig.read();
      if (cfg === undefined) return false;
      if (cfg.caBundles.every((b) => b === b64)) return true;
      const outcome = await webhookConfig.setCaBundle(b64, cfg.resourceVersion);
      if (outcome === 'updated') {
        log.info({ event: 'webhook_cabundle_patched', webhooks: cfg.caBundles.length }, 'caBundle updated');
        return true;
      }
    }
    return false;
  }

  /**
   * Until `signal` aborts: keep the Secret current, hand every new serving certificate to
   * `onServing`, keep the caBundle published. Errors are logged and retried at the next check.
   */
  async run(signal: AbortSignal, first: ActiveCerts, onServing: (c: ServingCert) => void): Promise<void> {
    const { clock, log } = this.#d;
    const recheck = this.#d.recheckMs ?? 60_000;
    let active = first;
    let published = true;
    while (!signal.aborted) {
      try {
        const next = await this.ensure();
        if (next.serving.cert !== active.serving.cert) {
          onServing(next.serving);
          log.info({ event: 'webhook_cert_rotated' }, 'serving the new webhook certificate');
        }
        active = next;
        const ok = await this.publishCaBundle(active.caBundle);
        if (!ok && published) {
          log.warn(
            { event: 'webhook_config_missing' },
            'the ValidatingWebhookConfiguration does not exist (yet): caBundle not published',
          );
        }
        published = ok;
      } catch (err) {
        log.error(
          { event: 'webhook_cert_failed', err: err instanceof Error ? err.message : String(err) },
          'cannot keep the webhook certificates current',
        );
      }
      const wait = Math.max(1000, Math.min(recheck, active.renewAt - clock.now()));
      await sleep(clock, wait, signal);
    }
  }
}
