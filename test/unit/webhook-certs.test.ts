import { describe, expect, it } from 'vitest';
import { DEFAULT_CERT_POLICY, planCerts, type CertData } from '../../src/controller/webhook/cert-plan.js';
import {
  CertManager,
  type SecretStore,
  type StoredSecret,
  type WebhookConfigStore,
} from '../../src/controller/webhook/cert-secret.js';
import { certInfo, issuedBy, serviceDnsNames, splitPem } from '../../src/controller/webhook/certs.js';
import { silentLogger } from '../../src/observability/logger.js';
import { FakeClock } from '../support/fake-clock.js';
import { waitFor } from '../support/wait.js';

const DAY = 24 * 3600_000;
const NAMES = serviceDnsNames('openelb-system', 'openelb-webhook');

/** An in-memory Secret with resourceVersion semantics (create conflicts when it exists, replace checks the version). */
class MemorySecret implements SecretStore {
  stored: StoredSecret | undefined;
  writes = 0;
  #rv = 0;
  /** Runs before a write lands: lets a test make another replica win the race. */
  beforeWrite: (() => Promise<void>) | undefined;

  read(): Promise<StoredSecret | undefined> {
    return Promise.resolve(this.stored);
  }
  async create(data: CertData): Promise<'created' | 'conflict'> {
    const hook = this.beforeWrite;
    this.beforeWrite = undefined;
    await hook?.();
    if (this.stored !== undefined) return 'conflict';
    this.stored = { data, resourceVersion: String(++this.#rv) };
    this.writes++;
    return 'created';
  }
  replace(data: CertData, resourceVersion: string): Promise<'replaced' | 'conflict'> {
    if (this.stored?.resourceVersion !== resourceVersion) return Promise.resolve('conflict');
    this.stored = { data, resourceVersion: String(++this.#rv) };
    this.writes++;
    return Promise.resolve('replaced');
  }
}

class MemoryWebhookConfig implements WebhookConfigStore {
  caBundles = ['', '', ''];
  rv = 1;
  writes = 0;
  read(): Promise<{ resourceVersion: string; caBundles: readonly string[] }> {
    return Promise.resolve({ resourceVersion: String(this.rv), caBundles: [...this.caBundles] });
  }
  setCaBundle(caBundle: string, resourceVersion: string): Promise<'updated' | 'conflict'> {
    if (resourceVersion !== String(this.rv)) return Promise.resolve('conflict');
    this.caBundles = this.caBundles.map(() => caBundle);
    this.rv++;
    this.writes++;
    return Promise.resolve('updated');
  }
}

function manager(
  secrets: SecretStore,
  clock: FakeClock,
  cfg = new MemoryWebhookConfig(),
  recheckMs = 60_000,
): CertManager {
  return new CertManager({
    secrets,
    webhookConfig: cfg,
    dnsNames: NAMES,
    policy: DEFAULT_CERT_POLICY,
    clock,
    log: silentLogger(),
    recheckMs,
  });
}

describe('webhook certificates', () => {
  it('creates a CA and a serving certificate for the Service names, stores them, and a restart reuses them', async () => {
    const clock = new FakeClock();
    const secret = new MemorySecret();
    const first = await manager(secret, clock).ensure();
    const data = secret.stored?.data ?? {};
    const serving = certInfo(first.serving.cert);
    expect(serving?.dnsNames).toEqual([
      'openelb-webhook.openelb-system.svc',
      'openelb-webhook.openelb-system.svc.cluster.local',
      'openelb-webhook.openelb-system',
    ]);
    expect(serving?.isCa).toBe(false);
    expect(serving?.notAfter).toBeGreaterThan(clock.now() + 364 * DAY);
    expect(certInfo(data['ca.crt'] ?? '')?.isCa).toBe(true);
    expect(issuedBy(first.serving.cert, first.serving.key, data['ca.crt'] ?? '')).toBe(true);
    expect(first.renewAt).toBeLessThanOrEqual((serving?.notAfter ?? 0) - 30 * DAY);

    const again = await manager(secret, clock).ensure();
    expect(again.serving).toEqual(first.serving);
    expect(again.caBundle).toBe(first.caBundle);
    expect(secret.writes).toBe(1);
  });

  it('two replicas racing to create the Secret end up serving the same certificate (409 -> read theirs)', async () => {
    const clock = new FakeClock();
    const secret = new MemorySecret();
    // While replica A generates, replica B creates the Secret first.
    let bResult: Awaited<ReturnType<CertManager['ensure']>> | undefined;
    secret.beforeWrite = async () => {
      bResult = await manager(secret, clock).ensure();
    };
    const a = await manager(secret, clock).ensure();
    expect(bResult).toBeDefined();
    expect(a.serving.cert).toBe(bResult?.serving.cert);
    expect(secret.writes).toBe(1);
  });

  it('rotates the serving certificate at 30 days left and keeps the CA (the caBundle does not change)', async () => {
    const clock = new FakeClock();
    const secret = new MemorySecret();
    const m = manager(secret, clock);
    const first = await m.ensure();
    await clock.advance(300 * DAY);
    expect((await m.ensure()).serving.cert).toBe(first.serving.cert);
    await clock.advance(40 * DAY); // 25 days left
    const rotated = await m.ensure();
    expect(rotated.serving.cert).not.toBe(first.serving.cert);
    expect(rotated.caBundle).toBe(first.caBundle);
    expect(issuedBy(rotated.serving.cert, rotated.serving.key, first.caBundle)).toBe(true);
    expect(certInfo(rotated.serving.cert)?.notAfter).toBeGreaterThan(clock.now() + 364 * DAY);
  });

  it('renews the CA a year before it expires, trusting old and new CA in the bundle meanwhile', async () => {
    const clock = new FakeClock();
    const secret = new MemorySecret();
    const m = manager(secret, clock);
    const first = await m.ensure();
    await clock.advance(3650 * DAY - 300 * DAY);
    const next = await m.ensure();
    const cas = splitPem(next.caBundle);
    expect(cas).toHaveLength(2);
    expect(cas[1]?.trim()).toBe(splitPem(first.caBundle)[0]?.trim());
    expect(issuedBy(next.serving.cert, next.serving.key, cas[0] ?? '')).toBe(true);
  });

  it('re-issues when the Secret is corrupt or the Service names changed', () => {
    const now = Date.now();
    expect(planCerts({ 'ca.crt': 'garbage', 'ca.key': 'x' }, now, NAMES, DEFAULT_CERT_POLICY).action).toBe(
      'create',
    );
    expect(planCerts(undefined, now, NAMES, DEFAULT_CERT_POLICY)).toEqual({
      action: 'create',
      reason: 'the Secret does not exist yet',
    });
  });

  it('plans a new serving certificate when the Service name changes', async () => {
    const clock = new FakeClock();
    const secret = new MemorySecret();
    await manager(secret, clock).ensure();
    const plan = planCerts(
      secret.stored?.data,
      clock.now(),
      serviceDnsNames('other', 'hook'),
      DEFAULT_CERT_POLICY,
    );
    expect(plan.action).toBe('renewServing');
    expect(plan.reason).toContain('does not cover hook.other.svc');
  });

  it('patches every webhook caBundle when it differs, and only then', async () => {
    const clock = new FakeClock();
    const cfg = new MemoryWebhookConfig();
    const m = manager(new MemorySecret(), clock, cfg);
    const certs = await m.ensure();
    expect(await m.publishCaBundle(certs.caBundle)).toBe(true);
    const b64 = Buffer.from(certs.caBundle).toString('base64');
    expect(cfg.caBundles).toEqual([b64, b64, b64]);
    expect(await m.publishCaBundle(certs.caBundle)).toBe(true);
    expect(cfg.writes).toBe(1);
  });

  it('run(): republishes a caBundle that was reset (kubectl apply of the manifests)', async () => {
    const clock = new FakeClock();
    const cfg = new MemoryWebhookConfig();
    const m = manager(new MemorySecret(), clock, cfg);
    const first = await m.ensure();
    const ac = new AbortController();
    const running = m.run(ac.signal, first, () => undefined);
    try {
      await waitFor('caBundle published', () => cfg.writes === 1);
      cfg.caBundles = ['', '', ''];
      await clock.advance(61_000);
      await waitFor('caBundle republished', () => cfg.writes === 2);
    } finally {
      ac.abort();
      await running;
    }
  });

  it('run(): wakes up when rotation is due and serves the new certificate without a restart', async () => {
    const clock = new FakeClock();
    const m = manager(new MemorySecret(), clock, new MemoryWebhookConfig(), 400 * DAY);
    const first = await m.ensure();
    const served: string[] = [];
    const ac = new AbortController();
    const running = m.run(ac.signal, first, (c) => served.push(c.cert));
    try {
      await clock.settle();
      // The loop sleeps exactly until rotation is due (335 days in): one day earlier nothing happens.
      await clock.advance(334 * DAY);
      await clock.settle();
      expect(served).toEqual([]);
      await clock.advance(1 * DAY + 1000);
      await waitFor('rotated certificate handed to the server', () => served.length === 1);
      expect(served[0]).not.toBe(first.serving.cert);
    } finally {
      ac.abort();
      await running;
    }
  });
});
