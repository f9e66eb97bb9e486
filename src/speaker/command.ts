/** `openelb-manager speaker`: flags, validation and process lifetime of the speaker role. */
import { KubeConfig } from '@kubernetes/client-node';
import type { LevelWithSilent } from 'pino';
import { DEFAULT_NAMESPACE } from '../api/keys.js';
import { DEFAULT_GOBGP_ADDRESS } from '../bgp/defaults.js';
import { tuneHeap } from '../observability/heap-tuning.js';
import { parseDuration } from '../kube/leader-election-config.js';
import { createLogger } from '../observability/logger.js';
import { parseListenAddress, startObservabilityServer } from '../observability/http.js';
import { buildInfo, Metrics } from '../observability/metrics.js';
import { packageInfo } from '../version.js';
import { shutdownSignal } from '../run-until-signal.js';
import { reuseConnections } from '../kube/connection-reuse.js';

/** The speaker's flags as commander hands them over. */
export interface SpeakerFlags {
  readonly logLevel: LevelWithSilent;
  readonly nodeName?: string;
  readonly kubeconfig?: string;
  readonly namespace: string;
  readonly gobgpAddress: string;
  readonly metricsAddr: string;
  readonly leaseDuration: string;
  readonly leaseRenewInterval: string;
  /** Answer ARP/NDP for layer2 Eips (commander's --no-enable-layer2 sets false). */
  readonly enableLayer2: boolean;
}

/** Flag defaults; NODE_NAME and POD_NAMESPACE come from the DaemonSet's downward API. */
export function defaultSpeakerFlags(env: NodeJS.ProcessEnv = process.env): Omit<SpeakerFlags, 'logLevel'> {
  return {
    ...(env.NODE_NAME !== undefined && env.NODE_NAME !== '' && { nodeName: env.NODE_NAME }),
    namespace:
      env.POD_NAMESPACE !== undefined && env.POD_NAMESPACE !== '' ? env.POD_NAMESPACE : DEFAULT_NAMESPACE,
    gobgpAddress: DEFAULT_GOBGP_ADDRESS,
    metricsAddr: ':50053',
    // 2 s / 0.5 s: a crashed speaker is noticed within 2 s (layer2 failover <= 3 s).
    leaseDuration: '2s',
    leaseRenewInterval: '500ms',
    // On: a layer2 Eip is inert without it, and a node with no layer2 Eip opens no socket at all.
    enableLayer2: true,
  };
}

/** Validated settings, or the first problem as a flag error message. */
export function validateSpeakerFlags(
  f: SpeakerFlags,
): { ok: true; durationMs: number; renewMs: number; nodeName: string } | { ok: false; error: string } {
  if (f.nodeName === undefined || f.nodeName === '')
    return { ok: false, error: '--node-name is required (or set NODE_NAME, e.g. from spec.nodeName)' };
  const duration = parseDuration(f.leaseDuration);
  if (!duration.ok) return { ok: false, error: `--lease-duration: ${duration.error}` };
  const renew = parseDuration(f.leaseRenewInterval);
  if (!renew.ok) return { ok: false, error: `--lease-renew-interval: ${renew.error}` };
  if (duration.value < 1000) return { ok: false, error: '--lease-duration must be at least 1s' };
  // Below half: a speaker must notice its own renewals failing (at half the duration, see
  // LivenessLease.inDoubt) before a peer's Lease can look expired to it for want of renewals it could not see.
  if (renew.value <= 0 || renew.value * 2 >= duration.value)
    return {
      ok: false,
      error:
        '--lease-renew-interval must be above 0 and below half of --lease-duration (e.g. 500ms for 2s), so an unreachable API is noticed before any Lease looks expired',
    };
  return { ok: true, durationMs: duration.value, renewMs: renew.value, nodeName: f.nodeName };
}

/** Runs the speaker until SIGTERM/SIGINT. Returns the exit code. */
export async function runSpeakerCommand(f: SpeakerFlags, fail: (message: string) => never): Promise<void> {
  const valid = validateSpeakerFlags(f);
  if (!valid.ok) fail(`error: ${valid.error}`);
  const listen = f.metricsAddr === '' ? undefined : parseListenAddress(f.metricsAddr);
  if (listen !== undefined && 'error' in listen) fail(`error: --metrics-addr: ${listen.error}`);
  const kubeConfig = new KubeConfig();
  try {
    if (f.kubeconfig === undefined) kubeConfig.loadFromDefault();
    else kubeConfig.loadFromFile(f.kubeconfig);
    reuseConnections(kubeConfig);
  } catch (err) {
    fail(`error: cannot load the kubeconfig: ${err instanceof Error ? err.message : String(err)}`);
  }
  const log = createLogger(f.logLevel, 'speaker').child({ node: valid.nodeName });
  const signal = shutdownSignal();
  const metrics = new Metrics({ processMetrics: true });
  buildInfo(metrics, 'speaker', packageInfo().version);
  // Loaded here, not at the top: the controller shares this binary and should not pay for the
  // speaker's gRPC and layer2 modules (about 10 MB of RSS).
  const { startSpeaker } = await import('./speaker.js');
  // After the modules loaded: the full GC it runs then sets the heap limit from the loaded size.
  const heapGrowingPercent = tuneHeap();
  const speaker = startSpeaker(
    {
      kubeConfig,
      nodeName: valid.nodeName,
      namespace: f.namespace,
      gobgpAddress: f.gobgpAddress,
      leaseDurationMs: valid.durationMs,
      leaseRenewMs: valid.renewMs,
      log,
      metrics,
      layer2: f.enableLayer2,
    },
    signal,
  );
  const server =
    listen === undefined
      ? undefined
      : await startObservabilityServer(listen.host, listen.port, {
          metrics,
          ready: () => speaker.ready(),
        }).catch((err: unknown) => {
          log.error(
            { event: 'metrics_listen_failed', err: err instanceof Error ? err.message : String(err) },
            `cannot serve /metrics, /healthz and /readyz on ${f.metricsAddr}`,
          );
          return undefined;
        });
  log.info(
    { event: 'start', metricsPort: server?.port, gobgp: f.gobgpAddress, heapGrowingPercent },
    'speaker started',
  );
  try {
    await speaker.done;
  } finally {
    await server?.close();
  }
  log.info({ event: 'stop' }, 'speaker stopped');
}
