/**
 * The shipped programs as the image holds them: dist/bundle/ and package.json copied into a fresh
 * directory with no node_modules above it, so a test that runs them proves the bundle needs nothing
 * else (the manager image copies exactly these; deploy/images/manager.Dockerfile).
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Paths of a standalone copy; `remove()` deletes it. */
export interface StandaloneBundle {
  readonly cli: string;
  readonly plugin: string;
  remove(): void;
}

/** Copies the built bundle (run `npm run build` first) into a temporary directory. */
export function standaloneBundle(): StandaloneBundle {
  const bundle = join(repo, 'dist', 'bundle');
  if (!existsSync(join(bundle, 'cli.js')))
    throw new Error('dist/bundle/cli.js is missing: run `npm run build`');
  const app = mkdtempSync(join(tmpdir(), 'openelb-app-'));
  cpSync(bundle, join(app, 'dist', 'bundle'), { recursive: true });
  cpSync(join(repo, 'package.json'), join(app, 'package.json'));
  return {
    cli: join(app, 'dist', 'bundle', 'cli.js'),
    plugin: join(app, 'dist', 'bundle', 'kubectl-openelb.js'),
    remove: () => {
      rmSync(app, { recursive: true, force: true });
    },
  };
}
