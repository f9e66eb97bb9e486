/**
 * `openelb-manager controller`: validation and process lifetime of the controller role. The CLI
 * imports this module only when the controller runs, so the speaker and status commands never load
 * the controller, the webhook or their dependencies.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { LevelWithSilent } from 'pino';
import { reuseConnections } from '../kube/connection-reuse.js';
import {
  leaderElectionConfigFromFlags,
  runLeaderElected,
  type LeaderElectionFlags,
} from '../kube/leader-election-run.js';
import { createLogger } from '../observability/logger.js';
import { parseListenAddress, startObservabilityServer } from '../observability/http.js';
import { buildInfo, Metrics } from '../observability/metrics.js';
import { packageInfo } from '../version.js';
import { shutdownSignal, untilAborted } from '../run-until-signal.js';
import { Controller } from './controller.js';
import { tuneHeap } from '../observability/heap-tuning.js';
import { parseServiceRef } from './webhook/defaults.js';
import { runWebhook } from './webhook/webhook.js';

/** The controller's flags as commander hands them over. */
export interface ControllerFlags extends LeaderElectionFlags {
  readonly logLevel: LevelWithSilent;
  readonly kubeconfig?: string;
  readonly metricsAddr: string;
  readonly webhookAddr: string;
  readonly webhookService: string;
  readonly webhookConfig: string;
  readonly webhookCertSecret: string;
}

/** `--kubeconfig` when given; otherwise in-cluster config, or $KUBECONFIG / ~/.kube/config. */
function loadKubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (file === undefined) kc.loadFromDefault();
  else kc.loadFromFile(file);
  return reuseConnections(kc);
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Runs the controller until SIGINT/SIGTERM; `fail` reports a usage error and exits. */
export async function runControllerCommand(
  opts: ControllerFlags,
  fail: (message: string) => never,
): Promise<void> {
  const parsed = leaderElectionConfigFromFlags(opts);
  if (!parsed.ok) fail(`error: ${parsed.error}`);
  const listen = opts.metricsAddr === '' ? undefined : parseListenAddress(opts.metricsAddr);
  if (listen !== undefined && 'error' in listen) fail(`error: --metrics-addr: ${listen.error}`);
  const webhookListen = opts.webhookAddr === '' ? undefined : parseListenAddress(opts.webhookAddr);
  if (webhookListen !== undefined && 'error' in webhookListen)
    fail(`error: --webhook-addr: ${webhookListen.error}`);
  const webhookService = parseServiceRef(opts.webhookService);
  if ('error' in webhookService) fail(`error: --webhook-service: ${webhookService.error}`);
  const log = createLogger(opts.logLevel, 'controller');
  const heapGrowingPercent = tuneHeap();
  const signal = shutdownSignal();
  let kubeConfig: KubeConfig;
  try {
    kubeConfig = loadKubeConfig(opts.kubeconfig);
  } catch (err) {
    fail(`error: cannot load the kubeconfig: ${errorText(err)}`);
  }
  const metrics = new Metrics({ processMetrics: true });
  buildInfo(metrics, 'controller', packageInfo().version);
  const controller = new Controller({ kubeConfig, log, metrics, instance: parsed.value.identity });
  // A busy port must not stop IP allocation: the endpoint is for probes and scraping.
  const server =
    listen === undefined
      ? undefined
      : await startObservabilityServer(listen.host, listen.port, {
          metrics,
          ready: () => controller.ready(),
        }).catch((err: unknown) => {
          log.error(
            { event: 'metrics_listen_failed', err: errorText(err) },
            `cannot serve /metrics, /healthz and /readyz on ${opts.metricsAddr}`,
          );
          return undefined;
        });
  log.info({ event: 'start', metricsPort: server?.port, heapGrowingPercent }, 'controller started');
  const informers = controller.run(signal);
  // Every replica serves the webhook (not only the leader): kube-apiserver may call any of them.
  const webhook =
    webhookListen === undefined
      ? Promise.resolve()
      : runWebhook(
          {
            kubeConfig,
            host: webhookListen.host,
            port: webhookListen.port,
            service: webhookService,
            configName: opts.webhookConfig,
            secretName: opts.webhookCertSecret,
            secretNamespace: process.env['POD_NAMESPACE'] ?? 'openelb-system',
            deps: {
              listEips: () => (controller.eips.hasSynced() ? controller.eips.list() : undefined),
              listNodes: () => (controller.nodes.hasSynced() ? controller.nodes.list() : undefined),
            },
            log: createLogger(opts.logLevel, 'webhook'),
          },
          signal,
        );
  const work = (leaderSignal: AbortSignal): Promise<void> => controller.lead(leaderSignal);
  try {
    if (!opts.leaderElect) {
      await Promise.all([work(signal), untilAborted(signal)]);
    } else {
      await runLeaderElected(signal, { kubeConfig, config: parsed.value, log, metrics, work });
    }
    await Promise.all([informers, webhook]);
  } finally {
    await server?.close();
  }
  log.info({ event: 'stop' }, 'controller stopped');
}
