// `npm run lab -- up [--nodes N] [--router frr|bird] [--state DIR] [--ipv6] [--gobgpd speaker|toml]
// [--no-managers] [--rbac]`: build the sealed lab and leave it running; `down` removes it. Needs root.

import { Command, InvalidArgumentError, Option } from 'commander';
import { labUp } from '../topology/lab.js';
import { DEFAULT_OPTIONS, type GobgpdMode, type RouterKind } from '../topology/plan.js';
import { fail, requireRoot, withStateOption } from './root.js';

interface UpFlags {
  nodes: number;
  router: RouterKind;
  ipv6: boolean;
  gobgpd: GobgpdMode;
  managers: boolean;
  rbac: boolean;
  state: string;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** The `up` subcommand. */
export function upCommand(): Command {
  return withStateOption(
    new Command('up')
      .description(
        'build the lab: netns topology, router, local API, controller, gobgpd + speaker per node (root)',
      )
      .option('--nodes <n>', 'number of nodes', parseCount, DEFAULT_OPTIONS.nodes)
      .addOption(new Option('--router <kind>', 'router daemon').choices(['frr', 'bird']).default('frr'))
      .option('--ipv6', 'let the router also open IPv6 sessions to every node', false)
      .addOption(
        new Option(
          '--gobgpd <mode>',
          'speaker: bare gobgpd driven by the speaker; toml: preconfigured peering',
        )
          .choices(['speaker', 'toml'])
          .default('speaker'),
      )
      .option('--no-managers', 'do not start the controller and the speakers')
      .option('--rbac', 'enforce RBAC in the API; the roles use their ServiceAccount tokens', false),
  ).action(async (flags: UpFlags) => {
    requireRoot();
    try {
      const state = await labUp({
        options: {
          nodes: flags.nodes,
          router: flags.router,
          ipv6: flags.ipv6,
          gobgpd: flags.gobgpd,
          managers: flags.managers,
          rbac: flags.rbac,
        },
        stateDir: flags.state,
        say: (line) => {
          console.log(line);
        },
      });
      console.log(`kubeconfig: ${state.kubeconfig}`);
      console.log(`try: kubectl --kubeconfig ${state.kubeconfig} get nodes -o wide`);
      console.log(
        '     npm run lab -- status;  npm run lab -- exec router -- vtysh ...;  npm run lab -- down',
      );
    } catch (err) {
      fail((err as Error).message);
    }
  });
}
