#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger, LOG_LEVELS } from './observability/logger.js';
import { packageInfo } from './version.js';
import { untilAborted, shutdownSignal } from './run-until-signal.js';
import type { LevelWithSilent } from 'pino';
import {
  defaultLeaderElectionFlags,
  leaderElectionConfigFromFlags,
  parseBooleanFlag,
  runLeaderElected,
  type LeaderElectionFlags,
} from './kube/leader-election-run.js';
import type { Parsed } from './kube/leader-election-config.js';

interface CommonOptions {
  logLevel: LevelWithSilent;
}

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
    .action(async (opts: CommonOptions & LeaderElectionFlags, command: Command) => {
      const parsed = leaderElectionConfigFromFlags(opts);
      if (!parsed.ok) command.error(`error: ${parsed.error}`, { exitCode: 2 });
      const log = createLogger(opts.logLevel, 'controller');
      const signal = shutdownSignal();
      log.info({ event: 'start' }, 'controller started');
      // Placeholder leader work: the allocator and reconcilers take its place (next issue).
      const work = async (leaderSignal: AbortSignal): Promise<void> => {
        log.info({ event: 'leader-task-start' }, 'controller work started');
        await untilAborted(leaderSignal);
        log.info({ event: 'leader-task-stop' }, 'controller work stopped');
      };
      if (!opts.leaderElect) {
        await work(signal);
      } else {
        const kubeConfig = new KubeConfig();
        kubeConfig.loadFromDefault();
        await runLeaderElected(signal, { kubeConfig, config: parsed.value, log, work });
      }
      log.info({ event: 'stop' }, 'controller stopped');
    });

  program
    .command('speaker')
    .description('announce Service IPs from this node by BGP or Layer2')
    .addOption(logLevelOption())
    .action(async (opts: CommonOptions) => {
      const log = createLogger(opts.logLevel, 'speaker');
      const signal = shutdownSignal();
      log.info({ event: 'start' }, 'speaker started');
      await untilAborted(signal);
      log.info({ event: 'stop' }, 'speaker stopped');
    });

  program
    .command('version')
    .description('print the version')
    .action(() => {
      console.log(`${name} ${version}`);
    });

  return program;
}

await buildProgram().parseAsync(process.argv);
