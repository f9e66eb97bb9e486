/**
 * Keep-alive connections to the Kubernetes API. @kubernetes/client-node 1.4 builds a new http(s).Agent
 * for every request, so each API call opens a new TCP connection (and, over https, does a full TLS
 * handshake). Measured in the lab's 1,000-Service burst: the controller spent more CPU connecting
 * than reconciling. This makes a KubeConfig hand out one keep-alive agent per distinct set of agent
 * options (server, proxy, CA, client certificate), so requests reuse connections while a rotated
 * certificate or CA still gets a fresh agent.
 */
import { createHash } from 'node:crypto';
import type { Agent } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

type AgentFactory = (cluster: { server?: string; proxyUrl?: string } | null, options: object) => Agent;

/** Marks a KubeConfig already made to reuse connections, so a second call does not wrap it again. */
const REUSING = Symbol('openelb.reuseConnections');

/** How many distinct agents are kept at most (old ones are dropped and their free sockets closed). */
const MAX_AGENTS = 8;

function optionsKey(cluster: { server?: string; proxyUrl?: string } | null, options: object): string {
  const hash = createHash('sha256');
  hash.update(`${cluster?.server ?? ''}\0${cluster?.proxyUrl ?? ''}\0`);
  for (const [key, value] of Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (value === undefined) continue;
    hash.update(`${key}=`);
    // JSON.stringify gives undefined for functions (e.g. checkServerIdentity): hash their source.
    const text = JSON.stringify(value) as string | undefined;
    hash.update(Buffer.isBuffer(value) ? value : (text ?? String(value)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * Makes `kc` reuse keep-alive connections; returns `kc`. A client-node without the private agent
 * factory this relies on is left unchanged (requests then work as before, only slower). Idempotent.
 */
export function reuseConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as { createAgent?: AgentFactory; [REUSING]?: true };
  const original = target.createAgent;
  if (typeof original !== 'function' || target[REUSING] === true) return kc;
  target[REUSING] = true;
  const agents = new Map<string, Agent>();
  target.createAgent = (cluster, options) => {
    const key = optionsKey(cluster, options);
    const cached = agents.get(key);
    if (cached !== undefined) return cached;
    const agent = original.call(kc, cluster, { ...options, keepAlive: true });
    if (agents.size >= MAX_AGENTS) {
      const [oldestKey, oldest] = agents.entries().next().value ?? [];
      if (oldestKey !== undefined) agents.delete(oldestKey);
      // Only idle sockets go: requests in flight on the old agent finish normally.
      if (oldest !== undefined)
        for (const list of Object.values(oldest.freeSockets)) list?.forEach((s) => s.destroy());
    }
    agents.set(key, agent);
    return agent;
  };
  return kc;
}
