import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { expandTilde } from '../base/paths.js';

/** Include nesting past this is a loop or a configuration we do not try to read. */
const MAX_INCLUDE_DEPTH = 16;

/**
 * Whether the ssh client configuration says the same about every host name: its only
 * `Host` lines are `Host *`, it has no `Match`, no %-tokens or ${ENV} (which can name
 * the host) and no hostname canonicalisation. Then `ssh -G` gives one answer for all
 * hosts apart from the host name itself, and one run per user and port does for a fleet
 * (ssh -G costs ~10 ms of CPU; a 200-host fleet paid 2-3 s of it on every cold start).
 *
 * Anything this reader cannot follow (a glob in an Include's directory part, an
 * unreadable file, deep nesting) counts as "depends on the host": the safe answer.
 */
export function configIsHostIndependent(opts: { configFile?: string | undefined; home?: string; systemConfig?: string } = {}): boolean {
  const home = opts.home ?? homedir();
  const userDir = join(home, '.ssh');
  // With -F the system configuration is not read (ssh(1)); without, both are.
  const roots: [string, string][] =
    opts.configFile !== undefined ? [[expandTilde(opts.configFile, home), userDir]] : [[join(userDir, 'config'), userDir], [opts.systemConfig ?? '/etc/ssh/ssh_config', '/etc/ssh']];
  return roots.every(([file, base]) => fileIsHostIndependent(file, base, home, 0));
}

function fileIsHostIndependent(file: string, includeBase: string, home: string, depth: number): boolean {
  if (depth > MAX_INCLUDE_DEPTH) return false;
  if (!existsSync(file)) return true;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.includes('%') || line.includes('${')) return false;
    const m = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    if (m === null) return false;
    const keyword = (m[1] ?? '').toLowerCase();
    const args = words(m[2] ?? '');
    if (keyword === 'match' || keyword === 'canonicalizehostname') return false;
    if (keyword === 'host' && !args.every((a) => a === '*')) return false;
    if (keyword === 'include') {
      for (const arg of args) {
        const path = isAbsolute(expandTilde(arg, home)) ? expandTilde(arg, home) : join(includeBase, arg);
        const files = expandGlob(path);
        if (files === undefined) return false;
        if (!files.every((f) => fileIsHostIndependent(f, includeBase, home, depth + 1))) return false;
      }
    }
  }
  return true;
}

/** Arguments as ssh reads them: split on blanks, double quotes group. */
function words(s: string): string[] {
  return [...s.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** The files an Include names, sorted as glob(3) sorts; undefined when the directory part has a wildcard. */
function expandGlob(path: string): string[] | undefined {
  const dir = dirname(path);
  const name = basename(path);
  if (/[*?[]/.test(dir)) return undefined;
  if (!/[*?[]/.test(name)) return [path];
  if (name.includes('[')) return undefined;
  const re = new RegExp(`^${name.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  try {
    return readdirSync(dir)
      .filter((f) => re.test(f) && !f.startsWith('.'))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}
