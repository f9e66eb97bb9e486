// What the lab parts of `npm run demo` share: Debian packages installed when missing, and the
// "ok:"/"!!:" checks they print and count.
import { run } from './topology/sh.js';

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
