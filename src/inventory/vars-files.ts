import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InventoryError } from '../base/errors.js';
import { readYaml } from './sources.js';

const EXTS = ['', '.yml', '.yaml', '.json'];

function readVarsFile(path: string): Record<string, unknown> {
  const data = readYaml(readFileSync(path, 'utf8'), path);
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new InventoryError('FTL_INVENTORY_SYNTAX', `${path} must hold a mapping of variables`);
  return data as Record<string, unknown>;
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
 * `group_vars/<name>` and `host_vars/<name>` next to an inventory source: a file
 * (no extension, .yml, .yaml, .json) or a directory of them, merged in name order.
 */
export function varsFor(baseDirs: readonly string[], kind: 'group_vars' | 'host_vars', name: string): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  for (const base of baseDirs) {
    const root = join(base, kind);
    if (!existsSync(root)) continue;
    for (const ext of EXTS) {
      const path = join(root, `${name}${ext}`);
      if (!existsSync(path)) continue;
      const files = statSync(path).isDirectory() ? filesIn(path) : [path];
      for (const f of files) out = { ...out, ...readVarsFile(f) };
    }
  }
  return out;
}
