// `npm run lab -- down [--state DIR]`: remove every lab process, namespace and state file. Exit 0 also
// when nothing exists, and after a crash (namespaces are found by their prefix). Needs root.

import { Command } from 'commander';
import { labDown } from '../topology/lab.js';
import { fail, requireRoot, withStateOption } from './root.js';

/** The `down` subcommand. */
export function downCommand(): Command {
  return withStateOption(
    new Command('down').description('remove the lab: processes, namespaces and state (root)'),
  ).action(async (flags: { state: string }) => {
    requireRoot();
    try {
      const r = await labDown(flags.state);
      console.log(
        r.namespaces.length === 0 && !r.stateRemoved
          ? 'no lab to remove'
          : `removed ${String(r.namespaces.length)} namespaces, stopped ${String(r.killed)} processes`,
      );
    } catch (err) {
      fail((err as Error).message);
    }
  });
}
