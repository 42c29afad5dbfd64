import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../base/errors.js';
import { bakeModules, type BakedModules } from '../modules/bake.js';
import type { ModuleIndex } from '../modules/index.js';

/** automation({ gateModules }): module names, or 'auto' for the ones this project's last session ran. */
export type GateModules = readonly string[] | 'auto';

/**
 * Where a project's module record is: ~/.ftl/projects/<first 16 hex of the SHA-256 of the
 * project directory's real path>/modules.json. Under ~/.ftl, not the project: ftl writes
 * nothing into a user's project unasked.
 */
export function moduleRecordPath(cwd: string = process.cwd(), home: string = homedir()): string {
  let dir = cwd;
  try {
    dir = realpathSync(cwd);
  } catch {
    // a directory that went away: its name as given
  }
  return join(home, '.ftl', 'projects', createHash('sha256').update(dir).digest('hex').slice(0, 16), 'modules.json');
}

/** The modules (FQCNs) the last session in this project ran on gates; [] when none is recorded. */
export function recordedModules(cwd?: string, home?: string): string[] {
  try {
    const data = JSON.parse(readFileSync(moduleRecordPath(cwd, home), 'utf8')) as { modules?: unknown };
    return Array.isArray(data.modules) ? data.modules.filter((m): m is string => typeof m === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Records a session's modules for 'auto' (atomically). A session that ran none, or the same
 * ones as recorded, leaves the record as it was: every close() of a script or REPL comes here,
 * and rewriting an unchanged record costs a write and keeps nothing new.
 */
export function recordModules(modules: Iterable<string>, cwd: string = process.cwd(), home?: string): void {
  const list = [...new Set(modules)].sort();
  if (list.length === 0) return;
  const recorded = recordedModules(cwd, home);
  if (recorded.length === list.length && recorded.every((m, i) => m === list[i])) return;
  const path = moduleRecordPath(cwd, home);
  try {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${String(process.pid)}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ project: cwd, modules: list, updated: new Date().toISOString() }, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  } catch {
    // A home that cannot be written to costs only the next session's 'auto'.
  }
}

/** The files to bake for gateModules; undefined when none is asked for (or 'auto' finds no record). */
export function resolveGateModules(index: ModuleIndex, given: GateModules | undefined, cwd?: string): BakedModules | undefined {
  if (given === undefined) return undefined;
  if (given !== 'auto' && !Array.isArray(given)) {
    throw new UsageError('FTL_USAGE', "gateModules takes a list of module names or 'auto'", { hint: "e.g. gateModules: ['lineinfile', 'community.general.ini_file']" });
  }
  // A recorded module no longer on this controller (a collection removed since) is left out, not an error.
  const names = given === 'auto' ? recordedModules(cwd).filter((m) => index.resolve(m)?.path !== undefined) : given;
  if (names.length === 0) return undefined;
  return bakeModules(index, names);
}
