// Shared by the unit tests of the lean HTTP paths (merge-patch-http, watch-http).
import type { Server } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';

/** A KubeConfig for a local test server, with a bearer token. */
export function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't0k' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

/** Closes a test server and every connection it still holds. */
export async function closeServer(s: Server | undefined): Promise<void> {
  if (s === undefined) return;
  s.closeAllConnections();
  await new Promise<void>((resolve) =>
    s.close(() => {
      resolve();
    }),
  );
}
