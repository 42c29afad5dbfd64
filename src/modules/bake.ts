import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../base/errors.js';
import { collectionModuleUtils, pythonName } from './deps.js';
import type { ModuleIndex } from './index.js';

/** What is baked into a gate: files for its zip, and the modules they are (FQCNs, sorted). */
export interface BakedModules {
  readonly files: Readonly<Record<string, Uint8Array>>;
  readonly modules: readonly string[];
}

/** The hash a Module request names a source by (modules/request.ts, the gate's modlib): SHA-256, 16 hex. */
function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/**
 * The sources of these modules and of the collection module_utils they import, as files of
 * the gate's zip: `ftl_gate/baked/<hash>.src` each, and `ftl_gate/baked_index.py` listing
 * them (gate/ftl_gate/baked.py). Keyed by content, sorted: the same modules give the same
 * files, so the same gate bytes. An unknown name is an error naming the closest ones.
 */
export function bakeModules(index: ModuleIndex, names: readonly string[]): BakedModules {
  const files: Record<string, Uint8Array> = {};
  const byFqcn = new Map<string, string>();
  for (const raw of names) {
    const name = raw.trim();
    if (name === '') continue;
    const info = index.resolve(name);
    if (info === undefined) throw index.notFound(name);
    if (info.path === undefined) {
      throw new UsageError('FTL_MODULE_NOT_FOUND', `${info.fqcn} has no source file on this controller to bake into the gate`, {
        hint: info.native ? 'it is native to the gate already: leave it out' : 'install the collection that has it',
      });
    }
    const bytes = readFileSync(info.path);
    const hash = digest(bytes);
    files[`ftl_gate/baked/${hash}.src`] = bytes;
    byFqcn.set(info.fqcn, hash);
    for (const u of collectionModuleUtils(info.path, pythonName(info.path, info.shortName), index.collectionRoots)) {
      const ub = readFileSync(u.path);
      files[`ftl_gate/baked/${digest(ub)}.src`] = ub;
    }
  }
  if (byFqcn.size === 0) return { files: {}, modules: [] };
  const modules = [...byFqcn.keys()].sort();
  const hashes = Object.keys(files).map((f) => f.slice('ftl_gate/baked/'.length, -'.src'.length)).sort();
  const index_ = [
    '"""Written by the controller: the module sources baked into this gate (ftl_gate/baked/<hash>.src)."""',
    `MODULES = {${modules.map((m) => `${JSON.stringify(m)}: ${JSON.stringify(byFqcn.get(m))}`).join(', ')}}`,
    `HASHES = [${hashes.map((h) => JSON.stringify(h)).join(', ')}]`,
    '',
  ].join('\n');
  files['ftl_gate/baked_index.py'] = Buffer.from(index_);
  return { files, modules };
}

/** `lineinfile,community.general.ini_file` → names (commas or spaces). */
export function moduleList(text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s !== '');
}
