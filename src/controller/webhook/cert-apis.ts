/** client-node adapters for the certificate Secret and the ValidatingWebhookConfiguration. */
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Secret,
} from '@kubernetes/client-node';
import { classifyApiError } from '../../kube/api-errors.js';
import type { CertData } from './cert-plan.js';
import type { SecretStore, StoredSecret, WebhookConfigStore } from './cert-secret.js';

const KEYS = ['tls.crt', 'tls.key', 'ca.crt', 'ca.key'] as const;

function statusOf(err: unknown): number | undefined {
  return classifyApiError(err).status;
}

function encode(data: CertData): Record<string, string> {
  return Object.fromEntries(KEYS.map((k) => [k, Buffer.from(data[k]).toString('base64')]));
}

function decode(secret: V1Secret): StoredSecret {
  const data: Record<string, string> = {};
  for (const k of KEYS) {
    const v = secret.data?.[k];
    if (v !== undefined) data[k] = Buffer.from(v, 'base64').toString('utf8');
  }
  return { data, resourceVersion: secret.metadata?.resourceVersion ?? '' };
}

/** The kubernetes.io/tls Secret `namespace/name` that holds the webhook's CA and serving certificate. */
export function kubeSecretStore(kc: KubeConfig, namespace: string, name: string): SecretStore {
  const core = kc.makeApiClient(CoreV1Api);
  const body = (data: CertData, resourceVersion?: string): V1Secret => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/name': 'openelb', 'app.kubernetes.io/component': 'webhook' },
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    },
    data: encode(data),
  });
  return {
    async read() {
      try {
        return decode(await core.readNamespacedSecret({ name, namespace }));
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async create(data) {
      try {
        await core.createNamespacedSecret({ namespace, body: body(data) });
        return 'created';
      } catch (err) {
        if (statusOf(err) === 409) return 'conflict';
        throw err;
      }
    },
    async replace(data, resourceVersion) {
      try {
        await core.replaceNamespacedSecret({ name, namespace, body: body(data, resourceVersion) });
        return 'replaced';
      } catch (err) {
        if (statusOf(err) === 409) return 'conflict';
        throw err;
      }
    },
  };
}

/** The ValidatingWebhookConfiguration `name`: read every webhook's caBundle, set them all. */
export function kubeWebhookConfigStore(kc: KubeConfig, name: string): WebhookConfigStore {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  return {
    async read() {
      try {
        const cfg = await api.readValidatingWebhookConfiguration({ name });
        return {
          resourceVersion: cfg.metadata?.resourceVersion ?? '',
          caBundles: (cfg.webhooks ?? []).map((w) => w.clientConfig.caBundle ?? ''),
        };
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async setCaBundle(caBundle, resourceVersion) {
      const cfg = await api.readValidatingWebhookConfiguration({ name });
      if ((cfg.metadata?.resourceVersion ?? '') !== resourceVersion) return 'conflict';
      for (const w of cfg.webhooks ?? []) w.clientConfig.caBundle = caBundle;
      try {
        await api.replaceValidatingWebhookConfiguration({ name, body: cfg });
        return 'updated';
      } catch (err) {
        if (statusOf(err) === 409) return 'conflict';
        throw err;
      }
    },
  };
}
