// Service IPs on a node's `lo` (there is no dummy link type on these kernels): what kube-proxy's IPVS
// mode does with kube-ipvs0, so packets routed to the node for the IP are delivered to the responder.

import { isIP } from 'node:net';
import { run } from './sh.js';

/** The address with its host prefix (/32 or /128), or an error message. */
export function hostPrefix(ip: string): string | { error: string } {
  const family = isIP(ip);
  if (family === 0) return { error: `not an IP address: ${JSON.stringify(ip)}` };
  return `${ip}/${family === 4 ? '32' : '128'}`;
}

/** Add (`add`) or remove (`del`) `ip` on lo of every namespace given; idempotent. */
export async function setVip(
  op: 'add' | 'del',
  ip: string,
  namespaces: readonly string[],
): Promise<string[]> {
  const prefix = hostPrefix(ip);
  if (typeof prefix !== 'string') return [prefix.error];
  const errors: string[] = [];
  for (const ns of namespaces) {
    const r = await run('ip', ['-n', ns, 'addr', op, prefix, 'dev', 'lo']);
    const harmless = op === 'add' ? /File exists/ : /Cannot assign requested address/;
    if (!r.ok && !harmless.test(r.stderr)) errors.push(`${ns}: ${r.stderr.trim()}`);
  }
  return errors;
}
