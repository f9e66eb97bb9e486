/**
 * Writes deploy/crds/*.yaml from the TypeBox schemas (the single source of truth, see
 * docs/adr/0002-api-source-of-truth.md). Usage: `npm run build && npm run gen:crds [-- --check]`.
 * With --check it writes nothing and exits 1 when a committed file differs.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrdFiles } from '../src/api/crd/render.js';

/** The package root: the nearest directory above this file holding package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above scripts/gen-crds');
    dir = parent;
  }
  return dir;
}

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const outDir = resolve(packageRoot(), 'deploy', 'crds');
  mkdirSync(outDir, { recursive: true });
  let stale = 0;
  for (const [name, content] of renderCrdFiles()) {
    const file = join(outDir, name);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (current === content) continue;
    stale++;
    if (check) console.error(`${file} is out of date`);
    else {
      writeFileSync(file, content);
      console.log(`wrote ${file}`);
    }
  }
  if (check && stale > 0) console.error('run: npm run build && npm run gen:crds');
  return check && stale > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
