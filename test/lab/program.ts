// The lab command line: one module per subcommand under commands/. Later commands (up, down,
// status, exec) are added with program.addCommand(...) from their own files.

import { Command } from 'commander';
import { apiserverCommand } from './commands/apiserver.js';
import { downCommand } from './commands/down.js';
import { execCommand } from './commands/exec.js';
import { statusCommand } from './commands/status.js';
import { upCommand } from './commands/up.js';
import { vipCommand } from './commands/vip.js';

/** Build the `lab` program; cli.ts parses process.argv with it. */
export function buildLabProgram(): Command {
  return (
    new Command('lab')
      .description('the virtual lab of openelb-manager: local Kubernetes API, netns topology, router')
      // exec passes everything after its namespace to the command untouched.
      .enablePositionalOptions()
      .addCommand(apiserverCommand())
      .addCommand(upCommand())
      .addCommand(downCommand())
      .addCommand(statusCommand())
      .addCommand(execCommand())
      .addCommand(vipCommand())
  );
}
