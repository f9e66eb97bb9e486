/**
 * kube-proxy in IPVS mode binds every Service IP to kube-ipvs0 on every node; without ipvs.strictARP the kernel
 * of every node then answers ARP for them, so layer2 announcement (one node per IP) silently breaks (OpenELB
 * #188, #323). The speaker reads kube-system/kube-proxy and warns; it never changes it.
 */
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';

/** Reading the kube-proxy ConfigMap: its data, or why there is none (missing, forbidden, unreachable). */
export type KubeProxyRead =
  | { readonly kind: 'found'; readonly data: Readonly<Record<string, string>> }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** How a user fixes it, quoted in the Event. */
export const STRICT_ARP_FIX =
  'run `kubectl edit configmap -n kube-system kube-proxy`, set `strictARP: true` under `ipvs:`, then restart the kube-proxy Pods';

/**
 * The warning for this kube-proxy configuration, or undefined when there is nothing to warn about (not IPVS,
 * strictARP on, or a configuration that cannot be read: kube-proxy's own defaults are iptables mode).
 */
export function strictArpWarning(data: Readonly<Record<string, string>>): string | undefined {
  const text = data['config.conf'] ?? Object.values(data).find((v) => /\bmode\s*:/.test(v));
  if (text === undefined) return undefined;
  let config: unknown;
  try {
    config = parse(text);
  } catch {
    return undefined;
  }
  if (typeof config !== 'object' || config === null) return undefined;
  const { mode, ipvs } = config as { mode?: unknown; ipvs?: unknown };
  if (typeof mode !== 'string' || mode.trim().toLowerCase() !== 'ipvs') return undefined;
  const strict =
    typeof ipvs === 'object' && ipvs !== null ? (ipvs as { strictARP?: unknown }).strictARP : undefined;
  if (strict === true || strict === 'true') return undefined;
  return (
    'kube-proxy runs in IPVS mode without ipvs.strictARP, so every node answers ARP for Service IPs bound to ' +
    `kube-ipvs0 and layer2 announcement from one node cannot work: ${STRICT_ARP_FIX}`
  );
}

/** Reads kube-system/kube-proxy; never throws (403 and 404 are ordinary: many clusters do not have it). */
export function kubeProxyConfigReader(kc: KubeConfig): (signal: AbortSignal) => Promise<KubeProxyRead> {
  const core = kc.makeApiClient(CoreV1Api);
  return async (signal) => {
    if (signal.aborted) return { kind: 'unavailable', reason: 'stopping' };
    try {
      const cm = await core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kube-proxy' });
      return { kind: 'found', data: cm.data ?? {} };
    } catch (err) {
      const reason =
        err instanceof ApiException
          ? `HTTP ${String(err.code)}`
          : err instanceof Error
            ? err.message
            : String(err);
      return { kind: 'unavailable', reason };
    }
  };
}
