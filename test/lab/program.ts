// The lab command line: one module per subcommand under commands/. Later commands (up, down,
// status, exec) are added with program.addCommand(...) from their own files.

import { Command } from 'commander';
import { apiserverCommand } from './commands/apiserver.js';

/** Build the `lab` program; cli.ts parses process.argv with it. */
export function buildLabProgram(): Command {
  return new Command('lab')
    .description('the virtual lab of openelb-manager: local Kubernetes API, netns topology, router')
    .addCommand(apiserverCommand());
}
