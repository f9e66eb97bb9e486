/**
 * `openelb-manager cleanup` (also `kubectl openelb cleanup`): after the controller is gone, remove the
 * finalizers only it removes, so Services and Eips can be deleted and the CRDs uninstalled. See
 * plan.ts for what and why; this file is the I/O: list, check the leader Lease, patch, report.
 */
import { Command } from 'commander';
import { API_GROUP, DEFAULT_NAMESPACE, EIP, STORAGE_VERSION } from '../api/keys.js';
import type { EipObject, ServiceObject } from '../controller/objects.js';
import { createPatcher, type ObjectPatcher } from '../kube/status.js';
import type { LeaseWire } from '../speaker/objects.js';
import { describeListError, kubeLister, type Lister } from '../status/gather.js';
import { loadStatusKubeConfig } from '../status/command.js';
import { controllerStillLeads, planFinalizerRemovals } from './plan.js';

/** Flags of the cleanup command. */
export interface CleanupFlags {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  leaseName: string;
  dryRun: boolean;
  force: boolean;
}

/** Where the command writes, and its clock. */
export interface CleanupIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly now: () => number;
}

/** Exit codes: 0 done (or nothing to do), 1 an API call failed, 3 refused (a controller still leads). */
export const CLEANUP_REFUSED = 3;

/** Runs cleanup once against `list` and `patcher`; returns the exit code. */
export async function runCleanup(
  flags: CleanupFlags,
  io: CleanupIo,
  list: Lister,
  patcher: ObjectPatcher,
): Promise<number> {
  let leases: readonly LeaseWire[] = [];
  try {
    leases = (await list({
      group: 'coordination.k8s.io',
      version: 'v1',
      plural: 'leases',
      namespace: flags.namespace,
    })) as LeaseWire[];
  } catch (err) {
    const why = `cannot read Leases in ${flags.namespace} (${describeListError(err)}), so cannot tell whether a controller still runs`;
    if (!flags.force) {
      io.stderr.write(`error: ${why}: pass --force once it is stopped\n`);
      return CLEANUP_REFUSED;
    }
    io.stderr.write(`warning: ${why}\n`);
  }
  const leads = controllerStillLeads(
    leases.find((l) => l.metadata?.name === flags.leaseName),
    io.now(),
  );
  if (leads !== undefined && !flags.force) {
    io.stderr.write(`error: ${leads}\n`);
    return CLEANUP_REFUSED;
  }
  let services: readonly ServiceObject[];
  try {
    services = (await list({ group: '', version: 'v1', plural: 'services' })) as ServiceObject[];
  } catch (err) {
    io.stderr.write(`error: cannot list Services: ${describeListError(err)}\n`);
    return 1;
  }
  let eips: readonly EipObject[] = [];
  try {
    eips = (await list({ group: API_GROUP, version: STORAGE_VERSION, plural: EIP.plural })) as EipObject[];
  } catch (err) {
    // Typically the CRD is already gone: then no Eip is left to release.
    io.stderr.write(`warning: cannot list Eips: ${describeListError(err)}\n`);
  }
  const removals = planFinalizerRemovals(services, eips);
  let failed = 0;
  for (const r of removals) {
    if (flags.dryRun) {
      io.stdout.write(`would release ${r.what}\n`);
      continue;
    }
    const result = await patcher.patchObject(
      r.ref,
      { metadata: { finalizers: r.finalizers } },
      r.resourceVersion === undefined ? {} : { resourceVersion: r.resourceVersion },
    );
    if (result.kind === 'ok') io.stdout.write(`released ${r.what}\n`);
    else if (result.kind === 'notFound') io.stdout.write(`${r.what} is gone\n`);
    else {
      failed++;
      io.stderr.write(`error: ${r.what}: ${result.message} (run cleanup again)\n`);
    }
  }
  const verb = flags.dryRun ? 'would release' : 'released';
  io.stdout.write(
    removals.length === 0
      ? 'no Service or Eip carries an openelb-manager finalizer\n'
      : `${verb} ${String(removals.length - failed)} of ${String(removals.length)} object(s)\n`,
  );
  return failed > 0 ? 1 : 0;
}

/** Adds the cleanup options and action to `command`. */
export function configureCleanupCommand(command: Command): Command {
  return command
    .description(
      "remove openelb-manager's finalizers from Services and Eips once the controller is gone (uninstall)",
    )
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config or in-cluster)')
    .option('--context <name>', 'kubeconfig context to use (default: the current context)')
    .option('-n, --namespace <namespace>', "namespace of the controller's leader Lease", DEFAULT_NAMESPACE)
    .option('--lease-name <name>', "name of the controller's leader Lease", 'openelb-manager')
    .option('--dry-run', 'only list what would be released', false)
    .option('--force', 'run even while a controller holds the leader Lease', false)
    .action(async (flags: CleanupFlags, cmd: Command) => {
      let kc;
      try {
        kc = loadStatusKubeConfig(flags);
      } catch (err) {
        cmd.error(`error: cannot load the kubeconfig: ${err instanceof Error ? err.message : String(err)}`, {
          exitCode: 2,
        });
      }
      const io: CleanupIo = { stdout: process.stdout, stderr: process.stderr, now: Date.now };
      process.exitCode = await runCleanup(flags, io, kubeLister(kc), createPatcher(kc));
    });
}
