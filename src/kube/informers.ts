import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { Informer, type InformerOptions, type ListFn, type ListResult } from './informer.js';
import type { WatchFn } from './watch-stream.js';
import { httpWatchFn } from './watch-http.js';

/** Identifies a resource collection: `group` is '' for the core API. */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  /** Only this namespace; omit for cluster-scoped resources or all namespaces. */
  readonly namespace?: string;
}

/** The REST path of a collection, e.g. `/api/v1/namespaces/x/services` or `/apis/g/v/eips`. */
export function collectionPath(ref: ResourceRef): string {
  const root = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  return ref.namespace === undefined
    ? `${root}/${ref.plural}`
    : `${root}/namespaces/${ref.namespace}/${ref.plural}`;
}

/**
 * The WatchFn of the informers: a streaming GET with the kubeconfig's auth and TLS over node's http
 * client (`watch-http.ts`; client-node's Watch costs as much CPU again in stream piping).
 */
export function makeWatchFn(kc: KubeConfig): WatchFn {
  return httpWatchFn(kc);
}

interface PageParams {
  labelSelector?: string;
  fieldSelector?: string;
  limit: number;
  _continue?: string;
}
interface Page {
  readonly kind?: string;
  readonly items: readonly unknown[];
  readonly metadata?: {
    readonly resourceVersion?: string;
    readonly _continue?: string;
    readonly continue?: string;
  };
}
type PageFn = (p: PageParams) => Promise<Page>;

/** Core (group '') collections we list, with their all-namespaces and one-namespace calls. */
function corePageFn(kc: KubeConfig, plural: string, namespace: string | undefined): PageFn {
  const core = kc.makeApiClient(CoreV1Api);
  const ns = namespace ?? '';
  const table: Record<string, { all: PageFn; one?: PageFn }> = {
    services: {
      all: (p) => core.listServiceForAllNamespaces(p),
      one: (p) => core.listNamespacedService({ namespace: ns, ...p }),
    },
    endpoints: {
      all: (p) => core.listEndpointsForAllNamespaces(p),
      one: (p) => core.listNamespacedEndpoints({ namespace: ns, ...p }),
    },
    configmaps: {
      all: (p) => core.listConfigMapForAllNamespaces(p),
      one: (p) => core.listNamespacedConfigMap({ namespace: ns, ...p }),
    },
    secrets: {
      all: (p) => core.listSecretForAllNamespaces(p),
      one: (p) => core.listNamespacedSecret({ namespace: ns, ...p }),
    },
    pods: {
      all: (p) => core.listPodForAllNamespaces(p),
      one: (p) => core.listNamespacedPod({ namespace: ns, ...p }),
    },
    events: {
      all: (p) => core.listEventForAllNamespaces(p),
      one: (p) => core.listNamespacedEvent({ namespace: ns, ...p }),
    },
    nodes: { all: (p) => core.listNode(p) },
    namespaces: { all: (p) => core.listNamespace(p) },
  };
  const entry = table[plural];
  if (entry === undefined) throw new Error(`no core/v1 list call for "${plural}"`);
  if (namespace === undefined) return entry.all;
  if (entry.one === undefined)
    throw new Error(`core/v1 ${plural} is cluster-scoped; do not pass a namespace`);
  return entry.one;
}

function customPageFn(kc: KubeConfig, ref: ResourceRef): PageFn {
  const api = kc.makeApiClient(CustomObjectsApi);
  const { group, version, plural, namespace } = ref;
  return async (p) =>
    (namespace === undefined
      ? await api.listClusterCustomObject({ group, version, plural, ...p })
      : await api.listNamespacedCustomObject({ group, version, plural, namespace, ...p })) as Page;
}

/**
 * Typed client-node lists turn timestamps into Dates while watch events stay plain JSON; a JSON round
 * trip makes list items look exactly like watch objects, and list items get their apiVersion/kind back.
 */
function toWire(item: unknown, apiVersion: string, kind: string | undefined): KubernetesObject {
  const obj = JSON.parse(JSON.stringify(item)) as Record<string, unknown>;
  obj.apiVersion ??= apiVersion;
  if (kind !== undefined) obj.kind ??= kind;
  return obj;
}

/** Page size for lists; large collections are fetched in pages of this many objects. */
const PAGE_SIZE = 500;

/**
 * A ListFn for any resource, returning wire-form objects, fetching pages of PAGE_SIZE.
 * Throws at once for a core/v1 resource it does not know (a programming error, not an API error).
 */
export function makeListFn<T extends KubernetesObject>(kc: KubeConfig, ref: ResourceRef): ListFn<T> {
  const page = ref.group === '' ? corePageFn(kc, ref.plural, ref.namespace) : customPageFn(kc, ref);
  const apiVersion = ref.group === '' ? ref.version : `${ref.group}/${ref.version}`;
  return async (selectors, each): Promise<ListResult<T>> => {
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const res = await page({
        ...selectors,
        limit: PAGE_SIZE,
        ...(token === undefined ? {} : { _continue: token }),
      });
      const kind = res.kind?.endsWith('List') === true ? res.kind.slice(0, -'List'.length) : undefined;
      for (const item of res.items) {
        const wire = toWire(item, apiVersion, kind) as T;
        items.push(each === undefined ? wire : each(wire));
      }
      resourceVersion = res.metadata?.resourceVersion;
      const next = res.metadata?._continue ?? res.metadata?.continue;
      token = next === undefined || next === '' ? undefined : next;
    } while (token !== undefined);
    return resourceVersion === undefined ? { items } : { items, metadata: { resourceVersion } };
  };
}

/** Informer options that stay free when the informer is built from a KubeConfig. */
export type InformerSettings<T> = Omit<InformerOptions<T>, 'path' | 'list' | 'watch' | 'resource'> & {
  /** Name in logs and metrics. @default the plural */
  readonly resource?: string;
};

/** An Informer for `ref` that lists and watches through client-node with `kc`'s credentials. */
export function createInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  ref: ResourceRef,
  settings: InformerSettings<T> = {},
): Informer<T> {
  return new Informer<T>({
    ...settings,
    resource: settings.resource ?? ref.plural,
    path: collectionPath(ref),
    list: makeListFn<T>(kc, ref),
    watch: makeWatchFn(kc),
  });
}
