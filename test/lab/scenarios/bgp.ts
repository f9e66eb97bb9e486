// BGP setup in the lab, shared by the lab-bgp tests and usable by the demo: BgpConf `default` with
// the lab's node ASN and listen port 179 (the router opens the sessions), one passive BgpPeer per
// router address family, bgp Eips for the lab's v4 and v6 pools, and Services with endpoints.
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { LabPlan } from '../topology/plan.js';
import { bgpConf, bgpEip, bgpPeer, setEndpoints } from './objects.js';

/** The host-side kubeconfig of a running lab. */
export function labKubeConfig(stateDir: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(join(stateDir, 'kubeconfig'));
  return kc;
}

/**
 * BgpConf, BgpPeers (v4 and, when the lab's router opens IPv6 sessions, v6) and the bgp Eips `pool` /
 * `pool6`. The BgpPeers are passive, so an IPv6 one in a lab without IPv6 sessions would only ever
 * show as ACTIVE.
 */
export async function setupBgpInLab(kc: KubeConfig, plan: LabPlan): Promise<void> {
  await bgpConf(kc, plan.nodeAsn, 179);
  await bgpPeer(kc, 'router', plan.router.lan.v4, plan.routerAsn);
  if (plan.options.ipv6 && plan.router.lan.v6 !== undefined)
    await bgpPeer(kc, 'router6', plan.router.lan.v6, plan.routerAsn);
  await bgpEip(kc, 'pool', '198.51.100.0/24');
  await bgpEip(kc, 'pool6', '2001:db8:100::/120');
}

/**
 * A LoadBalancer Service the controller assigns from `eip`, with a ready endpoint on every lab node
 * (there are no pods in the lab; the EndpointSlice stands in for them).
 */
export async function webService(
  kc: KubeConfig,
  name: string,
  eip: string,
  plan: LabPlan,
  externalTrafficPolicy: 'Cluster' | 'Local' = 'Cluster',
  family: 'IPv4' | 'IPv6' = 'IPv4',
): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespacedService({
    namespace: 'default',
    body: {
      metadata: {
        name,
        annotations: { 'lb.kubesphere.io/v1alpha1': 'openelb', 'eip.openelb.kubesphere.io/v1alpha2': eip },
      },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }], externalTrafficPolicy, ipFamilies: [family] },
    },
  });
  await setEndpoints(
    kc,
    'default',
    name,
    plan.nodes.map((n) => n.name),
  );
}

/** The first ingress IP of a Service once the controller wrote it. */
export async function waitServiceIp(
  kc: KubeConfig,
  ns: string,
  name: string,
  timeoutMs = 10_000,
): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const svc = await core.readNamespacedService({ name, namespace: ns });
    const ip = svc.status?.loadBalancer?.ingress?.[0]?.ip;
    if (ip !== undefined) return ip;
    if (Date.now() > deadline) throw new Error(`${ns}/${name} got no IP in ${String(timeoutMs)} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
