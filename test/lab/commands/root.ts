// Shared bits of the root-only lab commands.

import type { Command } from 'commander';
import { rootProblem } from '../topology/sh.js';
import { activeLabDir } from '../topology/state.js';
import { labDir } from './paths.js';

/** The `--state DIR` option every lab command accepts; by default the running lab's, else <repo>/.lab. */
export function withStateOption(cmd: Command): Command {
  return cmd.option('--state <dir>', 'state directory of the lab', activeLabDir() ?? labDir());
}

/** Exit non-zero with the reason when not root. */
export function requireRoot(): void {
  const problem = rootProblem();
  if (problem === undefined) return;
  console.error(`error: ${problem}`);
  process.exit(1);
}

/** Print an error and exit 1 (commands report failures as values, this is the edge). */
export function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}
