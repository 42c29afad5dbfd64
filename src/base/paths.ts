import { chmodSync, existsSync, lstatSync, mkdirSync } from 'node:fs';
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

/**
 * Makes a cache directory that only its user may read: created 0700, owned by the user
 * running ftl (else false: a directory someone else made is not trusted), tightened to 0700
 * if it was open to others. False also when it cannot be made.
 */
export function ownPrivateDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) return false;
    if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
    return true;
  } catch {
    return false;
  }
}
