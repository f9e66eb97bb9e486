// Shared by the tests of the lean HTTP paths (merge-patch-http, watch-http) and of the status patcher.
import type { Server } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';

/** A KubeConfig for a local test server, with a bearer token. */
export function kubeConfigFor(server: string, token = 't0k'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token }],
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
