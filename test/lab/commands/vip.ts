// `npm run lab -- vip add|del <ip> [--node nodeX...]`: put a Service IP on lo of nodes (all by
// default), so each node's HTTP responder serves it; the stand-in for kube-proxy. Needs root.

import { Command, Option } from 'commander';
import { planLab } from '../topology/plan.js';
import { loadState } from '../topology/state.js';
import { setVip } from '../topology/vip.js';
import { fail, requireRoot, withStateOption } from './root.js';

/** The `vip` subcommand. */
export function vipCommand(): Command {
  return withStateOption(
    new Command('vip')
      .description("add or remove a Service IP on nodes' lo so their responders serve it (root)")
      .addArgument(new Command().createArgument('<op>', 'add or del').choices(['add', 'del']))
      .argument('<ip>', 'IPv4 or IPv6 address')
      .addOption(new Option('--node <name...>', 'only these nodes (default: every node)')),
  ).action(async (op: 'add' | 'del', ip: string, flags: { state: string; node?: string[] }) => {
    requireRoot();
    const state = loadState(flags.state);
    if (state === undefined) fail('no lab (run up first)');
    if ('error' in state) fail(state.error);
    const nodes = planLab(state.options).nodes;
    const wanted = flags.node ?? nodes.map((n) => n.name);
    const unknown = wanted.filter((w) => !nodes.some((n) => n.name === w || n.ns === w));
    if (unknown.length > 0) fail(`unknown nodes: ${unknown.join(', ')}`);
    const namespaces = nodes.filter((n) => wanted.includes(n.name) || wanted.includes(n.ns)).map((n) => n.ns);
    const errors = await setVip(op, ip, namespaces);
    if (errors.length > 0) fail(errors.join('\n'));
    console.log(`${op === 'add' ? 'added' : 'removed'} ${ip} on ${namespaces.join(', ')}`);
  });
}
