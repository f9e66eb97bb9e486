// The ValidatingWebhookConfiguration of the contracts (deploy/ ships the same as YAML), the webhook
// Service and an Endpoints object that routes it to a local port: what the webhook tests install.
import { WEBHOOK_PATHS } from '../../src/controller/webhook/review.js';

type Json = Record<string, unknown>;

/** The three webhooks, pointing at `service` (or at `url` + path when given), with an optional caBundle. */
export function webhookConfiguration(
  o: { caBundle?: string; url?: string; failurePolicy?: 'Fail' | 'Ignore'; timeoutSeconds?: number } = {},
): Json {
  const hook = (name: string, resource: string, path: string): Json => ({
    name,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: o.failurePolicy ?? 'Fail',
    timeoutSeconds: o.timeoutSeconds ?? 5,
    matchPolicy: 'Equivalent',
    clientConfig: {
      ...(o.url === undefined
        ? { service: { namespace: 'openelb-system', name: 'openelb-webhook', path, port: 443 } }
        : { url: `${o.url}${path}` }),
      ...(o.caBundle === undefined ? {} : { caBundle: o.caBundle }),
    },
    rules: [
      {
        apiGroups: ['network.kubesphere.io'],
        apiVersions: ['v1alpha1', 'v1alpha2'],
        operations: ['CREATE', 'UPDATE'],
        resources: [resource],
        scope: '*',
      },
    ],
  });
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'openelb-webhook' },
    webhooks: [
      hook('validate.eip.network.kubesphere.io', 'eips', WEBHOOK_PATHS.eip),
      hook('validate.bgpconf.network.kubesphere.io', 'bgpconfs', WEBHOOK_PATHS.bgpconf),
      hook('validate.bgppeer.network.kubesphere.io', 'bgppeers', WEBHOOK_PATHS.bgppeer),
    ],
  };
}

/** Service openelb-webhook (443 -> 9443, named port) and its Endpoints at 127.0.0.1:`port`. */
export function webhookService(port: number): { service: Json; endpoints: Json } {
  return {
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'openelb-webhook', namespace: 'openelb-system' },
      spec: {
        selector: { 'app.kubernetes.io/name': 'openelb', 'app.kubernetes.io/component': 'controller' },
        ports: [{ name: 'webhook', port: 443, targetPort: 9443, protocol: 'TCP' }],
      },
    },
    endpoints: {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'openelb-webhook', namespace: 'openelb-system' },
      subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'webhook', port, protocol: 'TCP' }] }],
    },
  };
}
