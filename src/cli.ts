#!/usr/bin/env node
import { Command, Option } from 'commander';
import { createLogger, LOG_LEVELS } from './observability/logger.js';
import { packageInfo } from './version.js';
import { untilAborted, shutdownSignal } from './run-until-signal.js';
import type { LevelWithSilent } from 'pino';

interface CommonOptions {
  logLevel: LevelWithSilent;
}

const logLevelOption = (): Option =>
  new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info');

export function buildProgram(): Command {
  const { name, version } = packageInfo();
  const program = new Command(name)
    .description('OpenELB-compatible bare-metal LoadBalancer for Kubernetes')
    .version(version, '--version', 'print the version');

  program
    .command('controller')
    .description('allocate LoadBalancer IPs from Eip pools (leader-elected)')
    .addOption(logLevelOption())
    .action(async (opts: CommonOptions) => {
      const log = createLogger(opts.logLevel, 'controller');
      const signal = shutdownSignal();
      log.info({ event: 'start' }, 'controller started');
      await untilAborted(signal);
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
