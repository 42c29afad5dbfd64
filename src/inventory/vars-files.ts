import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InventoryError } from '../base/errors.js';
import { readPlain, readYaml, type ReadFile } from './sources.js';

const EXTS = ['', '.yml', '.yaml', '.json'];

type Vars = Record<string, unknown>;

/** A vars file's text as variables: a mapping, or nothing. */
export function varsFromText(text: string, path: string): Vars {
  return varsFromData(readYaml(text, path), path);
}

/** A vars file's data (as readYaml gives it) as variables. */
function varsFromData(data: unknown, path: string): Vars {
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new InventoryError('FTL_INVENTORY_SYNTAX', `${path} must hold a mapping of variables`);
  return data as Vars;
}

export function readVarsFile(path: string, read: ReadFile = readPlain): Vars {
  return varsFromData(read(path).data(), path);
}

function filesIn(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesIn(full));
    else if (EXTS.some((e) => e !== '' && name.endsWith(e)) || !name.includes('.')) out.push(full);
  }
  return out;
}

/**
 * The files of `group_vars/<name>` or `host_vars/<name>` next to the inventory sources,
 * in the order they merge: a file (no extension, .yml, .yaml, .json) or a directory of
 * them, in name order.
 */
export function varsFilesFor(baseDirs: readonly string[], kind: 'group_vars' | 'host_vars', name: string): string[] {
  const out: string[] = [];
  for (const base of baseDirs) {
    const root = join(base, kind);
    if (!existsSync(root)) continue;
    for (const ext of EXTS) {
      const path = join(root, `${name}${ext}`);
      if (!existsSync(path)) continue;
      out.push(...(statSync(path).isDirectory() ? filesIn(path) : [path]));
    }
  }
  return out;
}

/** The names that have group_vars (or host_vars) next to the sources, read from the directories once. */
export function varsFileNames(baseDirs: readonly string[], kind: 'group_vars' | 'host_vars'): Set<string> {
  const names = new Set<string>();
  for (const base of baseDirs) {
    const root = join(base, kind);
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root)) {
      const ext = EXTS.find((e) => e !== '' && entry.endsWith(e));
      names.add(ext === undefined ? entry : entry.slice(0, -ext.length));
    }
  }
  return names;
}

/** The variables of `group_vars/<name>` or `host_vars/<name>`, each file read by `read`. */
export function varsFor(baseDirs: readonly string[], kind: 'group_vars' | 'host_vars', name: string, read: (path: string) => Vars = readVarsFile): Vars {
  let out: Vars = {};
  for (const f of varsFilesFor(baseDirs, kind, name)) out = { ...out, ...read(f) };
  return out;
}
