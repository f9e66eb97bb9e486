// `npm run lab -- exec <ns> -- <command...>`: run a command inside a lab namespace (`router`,
// `node1`, ... with or without the `oelb-` prefix), with the terminal attached; exits with its code.
// In the router, `vtysh` and `birdc` get the lab's control socket unless one is given.

import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { birdSocket } from '../topology/bird.js';
import { frrRunDir } from '../topology/frr.js';
import { labNamespaces } from '../topology/netns.js';
import { NS_PREFIX, nsName } from '../topology/plan.js';
import { statePaths } from '../topology/state.js';
import { fail, requireRoot, withStateOption } from './root.js';

/** Point vtysh/birdc at the lab router's sockets (the system defaults are not the lab's). */
export function withRouterSocket(ns: string, command: readonly string[], stateDir: string): string[] {
  const [program, ...rest] = command;
  if (ns !== `${NS_PREFIX}router` || program === undefined) return [...command];
  const router = statePaths(stateDir).router;
  if (program === 'vtysh' && !rest.includes('--vty_socket'))
    return [program, '--vty_socket', frrRunDir(router), ...rest];
  if (program === 'birdc' && !rest.includes('-s')) return [program, '-s', birdSocket(router), ...rest];
  return [...command];
}

/** The `exec` subcommand. */
export function execCommand(): Command {
  return withStateOption(
    new Command('exec')
      .description(
        'run a command inside a lab namespace, e.g. `exec router -- vtysh -c "show bgp summary"` (root)',
      )
      .argument('<namespace>', 'router, client, mgmt, lan, node1, ... (oelb- prefix optional)')
      .argument('<command...>', 'the command and its arguments (after --)')
      .passThroughOptions(),
  ).action(async (namespace: string, args: string[], flags: { state: string }) => {
    requireRoot();
    // With pass-through options commander keeps the `--` separator; it is not part of the command.
    const command = args[0] === '--' ? args.slice(1) : args;
    if (command.length === 0) fail('no command given: exec <namespace> -- <command...>');
    const ns = nsName(namespace);
    const existing = await labNamespaces();
    if (!existing.includes(ns))
      fail(
        `no namespace ${ns}; lab namespaces: ${existing.length > 0 ? existing.join(', ') : 'none (run up)'}`,
      );
    const r = spawnSync('ip', ['netns', 'exec', ns, ...withRouterSocket(ns, command, flags.state)], {
      stdio: 'inherit',
    });
    if (r.error !== undefined) fail(`${command.join(' ')}: ${r.error.message}`);
    process.exitCode = r.status ?? 1;
  });
}
