import { readFileSync } from 'node:fs';

interface PackageJson {
  readonly name: string;
  readonly version: string;
}

/** Read once from package.json so the binary and the package never disagree. */
export function packageInfo(): PackageJson {
  const url = new URL('../../package.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as PackageJson;
}
