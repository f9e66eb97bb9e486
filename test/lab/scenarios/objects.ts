// Objects the BGP speaker tests (and the lab demo) create: BgpConf, BgpPeer, Eip, Services with an
// assigned IP, EndpointSlices on chosen nodes, node labels. Everything goes through client-node with
// the given kubeconfig, so it works against the in-process API and the lab's API alike.
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';

const GROUP = 'network.kubesphere.io';
const VERSION = 'v1alpha2';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function status(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

/** Create or replace (by merge patch of spec) a cluster-scoped OpenELB object. */
export async function applyOpenElb(
  kc: KubeConfig,
  plural: 'bgpconfs' | 'bgppeers' | 'eips',
  kind: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  try {
    await custom.createClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name }, spec },
    });
  } catch (err) {
    if (status(err) !== 409) throw err;
    await custom.patchClusterCustomObject(
      { group: GROUP, version: VERSION, plural, name, body: { spec } },
      merge,
    );
  }
}

/** Delete an OpenELB object (absent is fine). */
export async function deleteOpenElb(kc: KubeConfig, plural: string, name: string): Promise<void> {
  try {
    await kc
      .makeApiClient(CustomObjectsApi)
      .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural, name });
  } catch (err) {
    if (status(err) !== 404) throw err;
  }
}

/** Read an OpenELB object as raw JSON. */
export async function readOpenElb(
  kc: KubeConfig,
  plural: string,
  name: string,
): Promise<Record<string, unknown>> {
  return (await kc
    .makeApiClient(CustomObjectsApi)
    .getClusterCustomObject({ group: GROUP, version: VERSION, plural, name })) as Record<string, unknown>;
}

/** BgpConf `default`: node ASN, listen port (179 so a router can open the sessions). */
export function bgpConf(
  kc: KubeConfig,
  as: number,
  listenPort: number,
  extra: Record<string, unknown> = {},
): Promise<void> {
  return applyOpenElb(kc, 'bgpconfs', 'BgpConf', 'default', { as, listenPort, ...extra });
}

/** A BgpPeer; passive so the router opens the session (gobgpd's own dial waits 5-10 s). */
export function bgpPeer(
  kc: KubeConfig,
  name: string,
  neighborAddress: string,
  peerAs: number,
  extra: Record<string, unknown> = {},
): Promise<void> {
  return applyOpenElb(kc, 'bgppeers', 'BgpPeer', name, {
    conf: { neighborAddress, peerAs },
    transport: { passiveMode: true },
    ...extra,
  });
}

/** A bgp Eip. */
export function bgpEip(kc: KubeConfig, name: string, address: string): Promise<void> {
  return applyOpenElb(kc, 'eips', 'Eip', name, { address, protocol: 'bgp' });
}

/**
 * A LoadBalancer Service as the controller leaves it: labelled with its Eip and with the IP in
 * status (tests without a controller write both themselves).
 */
export async function serviceWithIp(
  kc: KubeConfig,
  ns: string,
  name: string,
  eip: string,
  ips: readonly string[],
  externalTrafficPolicy: 'Cluster' | 'Local' = 'Cluster',
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedService({
    namespace: ns,
    body: {
      metadata: {
        name,
        namespace: ns,
        labels: { 'eip.openelb.kubesphere.io/v1alpha2': eip },
        annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb', 'eip.openelb.kubesphere.io/v1alpha2': eip },
      },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }], externalTrafficPolicy },
    },
  });
  await setIngress(kc, ns, name, ips);
}

/** Replace status.loadBalancer.ingress. */
export async function setIngress(
  kc: KubeConfig,
  ns: string,
  name: string,
  ips: readonly string[],
): Promise<void> {
  await kc.makeApiClient(CoreV1Api).patchNamespacedServiceStatus(
    {
      name,
      namespace: ns,
      body: { status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } } },
    },
    merge,
  );
}

/** The Service's EndpointSlice (`<svc>-lab`) with one ready endpoint per node given. */
export async function setEndpoints(
  kc: KubeConfig,
  ns: string,
  service: string,
  nodes: readonly string[],
  ready = true,
): Promise<void> {
  const api = kc.makeApiClient(DiscoveryV1Api);
  const name = `${service}-lab`;
  const body = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: nodes.map((nodeName, i) => ({
      addresses: [`10.244.${String(i)}.10`],
      nodeName,
      conditions: { ready, serving: ready, terminating: false },
    })),
    ports: [{ port: 80, protocol: 'TCP' }],
  };
  try {
    await api.createNamespacedEndpointSlice({ namespace: ns, body });
  } catch (err) {
    if (status(err) !== 409) throw err;
    await api.replaceNamespacedEndpointSlice({ name, namespace: ns, body });
  }
}

/** Set (string) or remove (null) a label on a Node. */
export async function labelNode(
  kc: KubeConfig,
  node: string,
  key: string,
  value: string | null,
): Promise<void> {
  await kc
    .makeApiClient(CoreV1Api)
    .patchNode({ name: node, body: { metadata: { labels: { [key]: value } } } }, merge);
}

/**
 * Set the Node's Ready condition (as a kubelet that stops or resumes posting status would). The
 * whole status is read and replaced, so addresses and other conditions stay as they are.
 */
export async function setNodeReady(kc: KubeConfig, node: string, ready: boolean): Promise<void> {
  await setNodeCondition(kc, node, {
    type: 'Ready',
    status: ready ? 'True' : 'False',
    reason: ready ? 'KubeletReady' : 'KubeletNotReady',
    message: ready ? 'kubelet is posting ready status' : 'lab: node marked NotReady',
  });
}

/**
 * Set one condition of the Node (Ready as a kubelet would, NetworkUnavailable as a CNI would); the
 * whole status is read and replaced, so addresses and the other conditions stay as they are.
 */
export async function setNodeCondition(
  kc: KubeConfig,
  node: string,
  condition: { type: string; status: 'True' | 'False'; reason: string; message: string },
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const current = await core.readNode({ name: node });
  const others = (current.status?.conditions ?? []).filter((c) => c.type !== condition.type);
  const now = new Date();
  current.status ??= {};
  current.status.conditions = [...others, { ...condition, lastHeartbeatTime: now, lastTransitionTime: now }];
  await core.replaceNodeStatus({ name: node, body: current });
}
