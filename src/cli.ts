#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { LOG_LEVELS } from './observability/logger.js';
import { packageInfo } from './version.js';
import { defaultLeaderElectionFlags, parseBooleanFlag } from './kube/leader-election-run.js';
import type { Parsed } from './kube/leader-election-config.js';
import type { ControllerFlags } from './controller/command.js';
import { WEBHOOK_DEFAULTS } from './controller/webhook/defaults.js';
import { defaultSpeakerFlags, runSpeakerCommand, type SpeakerFlags } from './speaker/command.js';
import { statusCommand } from './status/command.js';
import { configureCleanupCommand } from './cleanup/command.js';

const logLevelOption = (): Option =>
  new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info');

/** Adapts a value parser to commander, which expects a thrown InvalidArgumentError. */
const flagParser =
  <T>(parse: (text: string) => Parsed<T>) =>
  (text: string): T => {
    const parsed = parse(text);
    if (!parsed.ok) throw new InvalidArgumentError(parsed.error);
    return parsed.value;
  };

export function buildProgram(): Command {
  const { name, version } = packageInfo();
  const program = new Command(name)
    .description('OpenELB-compatible bare-metal LoadBalancer for Kubernetes')
    .version(version, '--version', 'print the version');

  const election = defaultLeaderElectionFlags();
  program
    .command('controller')
    .description('allocate LoadBalancer IPs from Eip pools (leader-elected)')
    .addOption(logLevelOption())
    .addOption(
      new Option('--leader-elect [enabled]', 'act only while holding the leader Lease (true|false)')
        .default(election.leaderElect)
        .argParser(flagParser(parseBooleanFlag)),
    )
    .option(
      '--lease-duration <duration>',
      'how long followers wait before taking over',
      election.leaseDuration,
    )
    .option(
      '--renew-deadline <duration>',
      'how long the leader retries renewing before it steps down',
      election.renewDeadline,
    )
    .option('--retry-period <duration>', 'time between lease acquire/renew tries', election.retryPeriod)
    .option('--lease-name <name>', 'name of the leader election Lease', election.leaseName)
    .addOption(
      new Option('--lease-namespace <namespace>', 'namespace of the Lease').default(
        election.leaseNamespace,
        '$POD_NAMESPACE or openelb-system',
      ),
    )
    .addOption(
      new Option('--identity <id>', "this replica's holder identity").default(
        election.identity,
        '<hostname>_<uuid>',
      ),
    )
    .option('--kubeconfig <file>', 'kubeconfig file (default: in-cluster config, or $KUBECONFIG)')
    .option(
      '--metrics-addr <address>',
      'serve /metrics, /healthz and /readyz on this address (0 = any free port, "" = off)',
      ':50052',
    )
    .option(
      '--webhook-addr <address>',
      'serve the validating webhook (HTTPS) on this address ("" = off)',
      WEBHOOK_DEFAULTS.addr,
    )
    .option(
      '--webhook-service <namespace/name>',
      'the Service in front of the webhook (its DNS names go into the certificate)',
      WEBHOOK_DEFAULTS.service,
    )
    .option(
      '--webhook-config <name>',
      'ValidatingWebhookConfiguration whose caBundle the controller keeps',
      WEBHOOK_DEFAULTS.config,
    )
    .option(
      '--webhook-cert-secret <name>',
      "kubernetes.io/tls Secret in the controller's namespace holding the webhook CA and certificate",
      WEBHOOK_DEFAULTS.certSecret,
    )
    .action(async (opts: ControllerFlags, command: Command) => {
      // Loaded here, not at the top: the speaker and status commands never need the controller.
      const { runControllerCommand } = await import('./controller/command.js');
      await runControllerCommand(opts, (message) => command.error(message, { exitCode: 2 }));
    });

  const speaker = defaultSpeakerFlags();
  program
    .command('speaker')
    .description('announce Service IPs from this node by BGP or Layer2')
    .addOption(logLevelOption())
    .addOption(
      new Option('--node-name <name>', 'this node (the Node object name)').default(
        speaker.nodeName,
        '$NODE_NAME',
      ),
    )
    .option('--kubeconfig <file>', 'kubeconfig file (default: in-cluster config, or $KUBECONFIG)')
    .addOption(
      new Option(
        '--namespace <namespace>',
        'namespace of the speaker Lease (and default for Secrets)',
      ).default(speaker.namespace, '$POD_NAMESPACE or openelb-system'),
    )
    .option('--gobgp-address <host:port>', "gobgpd's gRPC address", speaker.gobgpAddress)
    .option(
      '--metrics-addr <address>',
      'serve /metrics, /healthz and /readyz on this address (0 = any free port, "" = off)',
      speaker.metricsAddr,
    )
    .option('--lease-duration <duration>', 'how long the liveness Lease stays fresh', speaker.leaseDuration)
    .option(
      '--lease-renew-interval <duration>',
      'how often the liveness Lease is renewed (below half of --lease-duration)',
      speaker.leaseRenewInterval,
    )
    .option('--enable-layer2', 'answer ARP/NDP for layer2 Eips (needs CAP_NET_RAW)', speaker.enableLayer2)
    .option('--no-enable-layer2', 'do not answer ARP/NDP (BGP only)')
    .action(async (opts: SpeakerFlags, command: Command) => {
      await runSpeakerCommand(opts, (message) => command.error(message, { exitCode: 2 }));
    });

  program
    .command('version')
    .description('print the version')
    .action(() => {
      console.log(`${name} ${version}`);
    });

  program.addCommand(statusCommand());
  program.addCommand(configureCleanupCommand(new Command('cleanup')));

  return program;
}

await buildProgram().parseAsync(process.argv);
