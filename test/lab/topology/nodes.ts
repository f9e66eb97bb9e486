// Register the lab's nodes as Kubernetes Nodes, as a kubelet would: InternalIP (v4 and v6), Hostname,
// Ready=True, the kubernetes.io/hostname label, and the LAN MAC in an annotation for Layer2 checks.

import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { NodePlan } from './plan.js';

/** Annotation holding the MAC of the node's LAN interface (eth0). */
export const MAC_ANNOTATION = 'lab.openelb.kubesphere.io/mac';
/** Annotation naming the node's LAN interface. */
export const IFACE_ANNOTATION = 'lab.openelb.kubesphere.io/interface';

/** The Node object of a lab node (pure). */
export function nodeObject(node: NodePlan, now: Date): V1Node {
  const addresses = [{ type: 'InternalIP', address: node.lan.v4 }];
  if (node.lan.v6 !== undefined) addresses.push({ type: 'InternalIP', address: node.lan.v6 });
  addresses.push({ type: 'Hostname', address: node.name });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'openelb.lab/node': 'true',
      },
      annotations: { [MAC_ANNOTATION]: node.lan.mac, [IFACE_ANNOTATION]: node.lan.name },
    },
    spec: {},
    status: {
      addresses,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'lab node is ready',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'lab://0',
        kernelVersion: '',
        kubeProxyVersion: '',
        kubeletVersion: 'v1.32.0-lab',
        machineID: '',
        operatingSystem: 'linux',
        osImage: 'openelb-manager lab',
        systemUUID: '',
      },
    },
  };
}

/** Create (or replace) every Node, then set its status through the status subresource. */
export async function registerNodes(kc: KubeConfig, nodes: readonly NodePlan[], now: Date): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (const node of nodes) {
    const body = nodeObject(node, now);
    const created = await core.createNode({ body });
    created.status = body.status;
    await core.replaceNodeStatus({ name: node.name, body: created });
  }
}
