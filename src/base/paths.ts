import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The ftl package's root directory, from src/ (tsx) or dist/src/ alike. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'gate'))) return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the ftl package root (package.json next to gate/)');
    dir = parent;
  }
}

/** `~` and `~/x` as a shell expands them (other users' `~name` are left as they are). */
export function expandTilde(p: string, home = homedir()): string {
  return p === '~' || p.startsWith('~/') ? home + p.slice(1) : p;
}
