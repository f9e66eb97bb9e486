// What the lab parts of `npm run demo` share: Debian packages installed when missing, and the
// "ok:"/"!!:" checks they print and count.
import { upProblems } from './topology/lab.js';
import { labNamespaces } from './topology/netns.js';
import type { LabOptions } from './topology/plan.js';
import { rootProblem, run } from './topology/sh.js';

/** A lab demo's outcome: skipped with the reason, or how many checks behaved as expected. */
export type DemoResult = { skipped: string } | { passed: number; failed: number };

/** Installs the Debian packages that are not installed yet; returns problems (empty when all is there). */
export async function installMissingPackages(packages: readonly string[], who: string): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of packages) {
    const status = await run('dpkg-query', ['-W', '-f=${Status}', pkg]);
    if (!status.stdout.includes('install ok installed')) missing.push(pkg);
  }
  if (missing.length === 0) return [];
  console.log(`installing Debian packages ${who} needs: ${missing.join(' ')}`);
  await run('apt-get', ['update', '-qq'], 300_000);
  const r = await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], 600_000);
  return r.ok ? [] : [`apt-get install ${missing.join(' ')} failed: ${r.stderr.trim()}`];
}

/** Prints each check as `ok: …` or `!!: …` and counts them. */
export function demoChecks(): {
  check: (ok: boolean, what: string) => void;
  result: () => { passed: number; failed: number };
} {
  let passed = 0;
  let failed = 0;
  return {
    check: (ok, what) => {
      if (ok) passed++;
      else failed++;
      console.log(`${ok ? 'ok' : '!!'}: ${what}`);
    },
    result: () => ({ passed, failed }),
  };
}

/**
 * Why a lab demo cannot run here (not root, a lab already up, a package that would not install, a
 * missing prerequisite), or undefined when it can. Installs missing Debian packages on the way.
 */
export async function labDemoBlocker(
  options: LabOptions,
  packages: readonly string[],
  who: string,
): Promise<string | undefined> {
  const root = rootProblem();
  if (root !== undefined) return root;
  const existing = await labNamespaces();
  if (existing.length > 0)
    return `a lab is already running (${existing.join(', ')}); stop it with npm run lab -- down`;
  const problems = [...(await installMissingPackages(packages, who)), ...(await upProblems(options))];
  return problems.length > 0 ? problems.join('; ') : undefined;
}
