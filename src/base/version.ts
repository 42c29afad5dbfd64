import { existsSync, readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package's version, read once from package.json (works from src/ and dist/). */
export function packageVersion(): string {
  // dist/index.js is one level under the root; src/base/version.ts (tsx: bench, tests) two.
  const near = new URL('../package.json', import.meta.url);
  const file = existsSync(near) ? near : new URL('../../package.json', import.meta.url);
  cached ??= (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  return cached;
}
