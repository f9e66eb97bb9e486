#!/usr/bin/env node
/**
 * The kubectl plugin: installed on PATH as `kubectl-openelb`, `kubectl openelb` shows the status
 * (`kubectl openelb status ...` too); `kubectl openelb cleanup` releases finalizers after an uninstall. kubectl passes no flags of its own to plugins, so the kubeconfig
 * comes from $KUBECONFIG or `--kubeconfig` after the plugin name.
 */
import { Command } from 'commander';
import { configureCleanupCommand } from './cleanup/command.js';
import { configureStatusCommand } from './status/command.js';
import { packageInfo } from './version.js';

/** The plugin's command tree: `status` (the default), `cleanup` and `version`. */
export function buildPluginProgram(): Command {
  const { version } = packageInfo();
  const program = new Command('kubectl-openelb')
    .usage('[status] [options]')
    .description('OpenELB status for kubectl')
    .version(version, '--version', 'print the version');
  program.addCommand(configureStatusCommand(new Command('status')), { isDefault: true });
  program.addCommand(configureCleanupCommand(new Command('cleanup')));
  return program;
}

await buildPluginProgram().parseAsync(process.argv);
