/**
 * The `status` command, shared by `openelb-manager status` and the kubectl plugin `kubectl openelb`:
 * options, kubeconfig loading, and the choice of renderer and colour. Output goes through injected
 * streams and environment so the decisions are testable.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Command, Option } from 'commander';
import { DEFAULT_NAMESPACE } from '../api/keys.js';
import { gatherSnapshot, kubeLister, type Lister } from './gather.js';
import { buildStatusView } from './model.js';
import { renderJson } from './render-json.js';
import { renderText } from './render-text.js';

/** Flags of the status command. */
export interface StatusFlags {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  output: 'text' | 'json';
}

/** Where the command writes and what it knows about its terminal. */
export interface StatusIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => number;
}

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org: any non-empty value). */
export function useColour(io: Pick<StatusIo, 'stdout' | 'env'>): boolean {
  const noColor = io.env.NO_COLOR;
  return io.stdout.isTTY === true && (noColor === undefined || noColor === '');
}

/** `--kubeconfig` when given, else $KUBECONFIG / ~/.kube/config / in-cluster; then `--context`. */
export function loadStatusKubeConfig(flags: Pick<StatusFlags, 'kubeconfig' | 'context'>): KubeConfig {
  const kc = new KubeConfig();
  if (flags.kubeconfig === undefined) kc.loadFromDefault();
  else kc.loadFromFile(flags.kubeconfig);
  if (flags.context !== undefined) {
    if (kc.getContextObject(flags.context) === null)
      throw new Error(`context "${flags.context}" is not in the kubeconfig`);
    kc.setCurrentContext(flags.context);
  }
  return kc;
}

/** Runs status once; returns the exit code (0 shown, 1 the API could not be read). */
export async function runStatus(flags: StatusFlags, io: StatusIo, list: Lister): Promise<number> {
  const gathered = await gatherSnapshot(list, flags.namespace);
  if (!gathered.ok) {
    io.stderr.write(`error: ${gathered.error}\n`);
    return 1;
  }
  const view = buildStatusView(gathered.snapshot, { nowMs: io.now(), speakerNamespace: flags.namespace });
  io.stdout.write(flags.output === 'json' ? renderJson(view) : renderText(view, { colour: useColour(io) }));
  return 0;
}

/** Adds the status options and action to `command` (a fresh `status` command or a plugin's root). */
export function configureStatusCommand(command: Command): Command {
  return command
    .description('show Eips, Service IPs and who announces them, BGP sessions and pending Services')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config or in-cluster)')
    .option('--context <name>', 'kubeconfig context to use (default: the current context)')
    .addOption(
      new Option('-n, --namespace <namespace>', 'namespace of the speaker Leases').default(
        process.env.POD_NAMESPACE ?? DEFAULT_NAMESPACE,
        '$POD_NAMESPACE or openelb-system',
      ),
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (flags: StatusFlags, cmd: Command) => {
      let kc: KubeConfig;
      try {
        kc = loadStatusKubeConfig(flags);
      } catch (err) {
        cmd.error(`error: cannot load the kubeconfig: ${err instanceof Error ? err.message : String(err)}`, {
          exitCode: 2,
        });
      }
      const io: StatusIo = {
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
        now: Date.now,
      };
      process.exitCode = await runStatus(flags, io, kubeLister(kc));
    });
}

/** A standalone `status` command for the main program. */
export function statusCommand(): Command {
  return configureStatusCommand(new Command('status'));
}
