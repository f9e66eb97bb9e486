/**
 * Secrets named by BgpPeer `spec.conf.authPasswordSecretRef`, read with a GET before each reconcile
 * (only the few referenced ones: the speaker needs no list/watch on Secrets), so the pure decision
 * can look them up synchronously.
 */
import { dig, optString } from '../api/parse/envelope.js';
import type { Mapped } from './bgp-config.js';
import type { BgpObject } from './objects.js';

/** Reads one Secret; rejects on API errors (404 included). */
export type ReadSecret = (namespace: string, name: string) => Promise<{ data?: Record<string, string> }>;

/** Referenced Secrets, refreshed by prefetch(). */
export class SecretCache {
  #data = new Map<string, Mapped<Readonly<Record<string, string>>>>();

  constructor(private readonly read: ReadSecret) {}

  /** Reads every Secret the BgpPeers reference (a failed read is remembered as its error, see below). */
  async prefetch(peers: readonly BgpObject[], defaultNamespace: string): Promise<void> {
    const next = new Map<string, Mapped<Readonly<Record<string, string>>>>();
    for (const peer of peers) {
      const ref = dig(peer.spec, 'conf', 'authPasswordSecretRef');
      const name = optString(dig(ref, 'name'));
      if (name === undefined) continue;
      const namespace = optString(dig(ref, 'namespace')) ?? defaultNamespace;
      const key = `${namespace}/${name}`;
      if (next.has(key)) continue;
      try {
        const secret = await this.read(namespace, name);
        next.set(key, { ok: true, value: secret.data ?? {} });
      } catch (err) {
        const code = (err as { code?: number }).code;
        // A Secret read before and unreadable now for any reason but its deletion (API down, timeout)
        // keeps its last value: a session must not drop, and its routes with it, for an API outage.
        const known = this.#data.get(key);
        if (code !== 404 && known?.ok === true) {
          next.set(key, known);
          continue;
        }
        next.set(key, {
          ok: false,
          error:
            code === 404
              ? `Secret ${key} does not exist`
              : `cannot read Secret ${key}: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    }
    this.#data = next;
  }

  /** The decoded value of `key` in a prefetched Secret. */
  lookup(namespace: string, name: string, key: string): Mapped<string> {
    const secret = this.#data.get(`${namespace}/${name}`);
    if (secret === undefined) return { ok: false, error: `Secret ${namespace}/${name} was not read` };
    if (!secret.ok) return secret;
    const value = secret.value[key];
    if (value === undefined) return { ok: false, error: `Secret ${namespace}/${name} has no key "${key}"` };
    return { ok: true, value: Buffer.from(value, 'base64').toString('utf8') };
  }
}
