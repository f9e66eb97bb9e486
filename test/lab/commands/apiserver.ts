// `npm run lab -- apiserver [--port N] [--kubeconfig FILE] [--crd-dir DIR]`: the local Kubernetes
// API alone, in the foreground, with the project's CRDs installed. Needs no root.

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { shutdownSignal, untilAborted } from '../../../src/run-until-signal.js';
import { startLocalApi } from '../apiserver/index.js';
import { defaultKubeconfigPath } from './paths.js';

export interface ApiserverOptions {
  readonly port: number;
  readonly host: string;
  readonly kubeconfig: string;
  /** undefined: the repository's deploy/crds. */
  readonly crdDir?: string;
}

/** Where the running server can be reached; printed for users and returned for tests. */
export interface ApiserverInfo {
  readonly url: string;
  readonly kubeconfig: string;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be an integer 0-65535');
  return n;
}

/**
 * Start the API, write the kubeconfig, report, and serve until `signal` aborts; then stop cleanly.
 * `onReady` receives the address once the server listens.
 */
export async function runApiserver(
  opts: ApiserverOptions,
  signal: AbortSignal,
  onReady: (info: ApiserverInfo) => void,
): Promise<void> {
  const api = await startLocalApi({ port: opts.port, host: opts.host, crdDir: opts.crdDir });
  try {
    const kubeconfig = resolve(opts.kubeconfig);
    mkdirSync(dirname(kubeconfig), { recursive: true });
    api.writeKubeconfig(kubeconfig);
    onReady({ url: api.url, kubeconfig });
    await untilAborted(signal);
  } finally {
    await api.stop();
  }
}

/** The `apiserver` subcommand. */
export function apiserverCommand(): Command {
  return new Command('apiserver')
    .description('run the local Kubernetes API (with the project CRDs) in the foreground; no root needed')
    .option('--port <n>', 'port to listen on (0 = any free port)', parsePort, 0)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--kubeconfig <file>', 'where to write the kubeconfig', defaultKubeconfigPath())
    .option('--crd-dir <dir>', 'install the CRDs of this directory instead of deploy/crds')
    .action(async (opts: ApiserverOptions) => {
      const signal = shutdownSignal();
      await runApiserver(opts, signal, ({ url, kubeconfig }) => {
        console.log(`local Kubernetes API listening on ${url}`);
        console.log(`kubeconfig: ${kubeconfig}`);
        console.log(`try: kubectl --kubeconfig ${kubeconfig} get eip`);
        console.log('stop with Ctrl-C (SIGINT) or SIGTERM');
      });
      console.log('local Kubernetes API stopped');
    });
}
