import { ApiextensionsV1Api, type KubeConfig } from '@kubernetes/client-node';

/** The group of the throwaway CRD tests install (independent of the project's own CRDs). */
export const TEST_GROUP = 'test.openelb.io';

/**
 * Installs `widgets.test.openelb.io` (v1, cluster-scoped, status subresource; spec.size and
 * status.used are integers) through the API, as a user would.
 */
export async function installWidgetCrd(kc: KubeConfig): Promise<void> {
  await kc.makeApiClient(ApiextensionsV1Api).createCustomResourceDefinition({
    body: {
      metadata: { name: `widgets.${TEST_GROUP}` },
      spec: {
        group: TEST_GROUP,
        scope: 'Cluster',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer' } } },
                  status: { type: 'object', properties: { used: { type: 'integer' } } },
                },
              },
            },
          },
        ],
      },
    },
  });
}
