// `npm run lab -- status [--json] [--state DIR]`: addresses, MACs, subnets, ASNs, kubeconfig, process
// health and the router's BGP sessions. Exit 1 when there is no lab or it is unhealthy. Needs root.

import { Command } from 'commander';
import { formatStatus, labStatus } from '../topology/status.js';
import { fail, requireRoot, withStateOption } from './root.js';

/** The `status` subcommand. */
export function statusCommand(): Command {
  return withStateOption(
    new Command('status').description('show the lab: addresses, MACs, ASNs, processes, BGP sessions (root)'),
  )
    .option('--json', 'print JSON', false)
    .action(async (flags: { state: string; json: boolean }) => {
      requireRoot();
      const s = await labStatus(flags.state);
      if ('error' in s) fail(s.error);
      console.log(flags.json ? JSON.stringify(s, null, 2) : formatStatus(s));
      if (!s.healthy) process.exitCode = 1;
    });
}
