/**
 * Bundles the shipped programs (`openelb-manager`, `kubectl-openelb`) from tsc's output into
 * dist/bundle/ with esbuild: ES modules, one chunk per role loaded on demand (the controller's and
 * the speaker's code are behind dynamic imports), shared code in common chunks.
 *
 * Why: @kubernetes/client-node 1.4 is ~2,600 modules (one per API model). Node's ESM loader resolves,
 * reads and links each one on every start, which was most of a process's start-up: `openelb-manager
 * version` took 0.57-0.70 s from dist/src and 0.20-0.27 s from the bundle (ADR 0016). A speaker or
 * controller that restarts, a failover, and every `kubectl openelb` call pay it.
 *
 * The native AF_PACKET addon stays a file: src/layer2/native.ts finds it relative to the module
 * (dist/bundle/ is two levels below the package root, like dist/src/layer2/).
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/ (this file runs as dist/scripts/bundle.js). */
const dist = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The entry points, by output name. */
export const BUNDLE_ENTRIES = {
  cli: join(dist, 'src', 'cli.js'),
  'kubectl-openelb': join(dist, 'src', 'kubectl-openelb.js'),
} as const;

const outdir = join(dist, 'bundle');
// Chunk names carry content hashes: start empty so no chunk of an earlier build is left behind.
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: BUNDLE_ENTRIES,
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies bundled into ES modules still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
  // Stack traces name dist/src files when node runs with --enable-source-maps.
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
});
if (result.errors.length > 0 || result.warnings.length > 0) process.exit(1);
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(
  `bundle: ${String(Object.keys(result.metafile.outputs).length)} files, ${String(Math.round(bytes / 1024))} KiB in dist/bundle`,
);
