// Where the lab keeps its state by default: <repo>/.lab (gitignored), found from this file so it
// works both from the TypeScript sources and from dist/.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest ancestor directory of this module that holds a package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** <repo>/.lab: state of the lab (kubeconfig, later the topology). */
export function labDir(): string {
  return join(repoRoot(), '.lab');
}

export function defaultKubeconfigPath(): string {
  return join(labDir(), 'kubeconfig');
}
