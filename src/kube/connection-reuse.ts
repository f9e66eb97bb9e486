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

/**
 * A key naming one set of agent options. Called for every request (client-node asks for an agent
 * each time), so plain values go into the key as text and only Buffers (CA, client certificate and
 * key, which can be large) are hashed: a sha256 over everything was ~2 % of the controller's CPU in a
 * 1,000-Service burst.
 */
export function optionsKey(cluster: { server?: string; proxyUrl?: string } | null, options: object): string {
  let key = `${JSON.stringify(cluster?.server ?? '')}\0${JSON.stringify(cluster?.proxyUrl ?? '')}`;
  for (const [name, value] of Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (value === undefined) continue;
    let text: string;
    if (Buffer.isBuffer(value)) text = `#${createHash('sha256').update(value).digest('hex')}`;
    else {
      // JSON.stringify gives undefined for functions (e.g. checkServerIdentity): use their source.
      const json = JSON.stringify(value) as string | undefined;
      text = json ?? String(value);
    }
    key += `\0${name}=${text}`;
  }
  return key;
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
