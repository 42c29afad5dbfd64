import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

/**
 * What a module needs on a host besides the gate's ansible.module_utils: the package
 * name Ansible runs it as, and the collection module_utils files it imports, found as
 * Ansible's AnsiballZ finds them (absolute and relative imports, transitively, only
 * `ansible_collections.*`; ansible.module_utils is in the gate).
 */

/** A file to ship, by its path inside the host's module tree (`ansible_collections/ns/coll/...py`). */
export interface ShippedFile {
  readonly rel: string;
  readonly path: string;
}

const COLLECTIONS = `${sep}ansible_collections${sep}`;

/** `ansible.modules.stat`, or `ansible_collections.<ns>.<coll>.plugins.modules[.<subdir>].<name>` from the file's place. */
export function pythonName(modulePath: string, shortName: string): string {
  const at = modulePath.lastIndexOf(COLLECTIONS);
  if (at >= 0 && modulePath.endsWith('.py')) {
    return `ansible_collections.${modulePath.slice(at + COLLECTIONS.length, -3).split(sep).join('.')}`;
  }
  return `ansible.modules.${shortName}`;
}

/** The `ansible_collections` directory a collection module lives in, if it is one. */
export function collectionsRootOf(modulePath: string): string | undefined {
  const at = modulePath.lastIndexOf(COLLECTIONS);
  return at < 0 ? undefined : modulePath.slice(0, at + COLLECTIONS.length - 1);
}

/** One import: a dotted name (absolute, or with leading dots), and for `from X import a, b` the names a, b. */
interface ImportStmt {
  readonly module: string;
  readonly names: readonly string[];
}

/** Python source with comments removed and string literals emptied, so that only code is searched. */
function codeOnly(src: string): string {
  const out: string[] = [];
  let from = 0;
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c !== '#' && c !== '"' && c !== "'") {
      i++;
      continue;
    }
    out.push(src.slice(from, i));
    if (c === '#') {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl;
    } else {
      const close = src.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += close.length;
      for (;;) {
        if (i >= src.length) break;
        if (src.startsWith(close, i)) {
          i += close.length;
          break;
        }
        if (close.length === 1 && src[i] === '\n') break;
        i += src[i] === '\\' ? 2 : 1;
      }
      out.push('""');
    }
    from = i;
  }
  out.push(src.slice(from));
  return out.join('');
}

/** The import statements of a module, wherever they are (in try blocks, functions, on one line after `:`). */
export function importsOf(src: string): ImportStmt[] {
  // Join bracketed and backslash-continued lines, so a statement is on one line.
  const code = codeOnly(src).replace(/\\\r?\n/g, ' ');
  let flat = '';
  let depth = 0;
  for (const c of code) {
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    flat += c === '\n' && depth > 0 ? ' ' : c;
  }
  const out: ImportStmt[] = [];
  const ident = String.raw`[A-Za-z_]\w*`;
  const fromRe = new RegExp(String.raw`(?:^|[;:])\s*from\s+(\.*(?:${ident}(?:\s*\.\s*${ident})*)?)\s+import\s+([^;\n]+)`, 'gm');
  for (const m of flat.matchAll(fromRe)) {
    const names = (m[2] ?? '')
      .replace(/[()]/g, ' ')
      .split(',')
      .map((n) => n.trim().split(/\s+as\s+/)[0]?.trim() ?? '')
      .filter((n) => /^[A-Za-z_]\w*$/.test(n));
    out.push({ module: (m[1] ?? '').replace(/\s+/g, ''), names });
  }
  const importRe = new RegExp(String.raw`(?:^|[;:])\s*import\s+([^;\n]+)`, 'gm');
  for (const m of flat.matchAll(importRe)) {
    for (const part of (m[1] ?? '').split(',')) {
      const name = part.trim().split(/\s+as\s+/)[0]?.replace(/\s+/g, '') ?? '';
      if (/^[A-Za-z_][\w.]*$/.test(name)) out.push({ module: name, names: [] });
    }
  }
  return out;
}

/** A dotted name's file under the collection roots: a module, or a package's __init__.py (absent for namespace dirs). */
interface Found {
  readonly name: string;
  readonly file: string | undefined;
  readonly isPackage: boolean;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function findName(name: string, roots: readonly string[]): Found | undefined {
  const parts = name.split('.').slice(1);
  if (parts.length < 2) return undefined;
  for (const root of roots) {
    if (!isDir(join(root, parts[0] ?? '', parts[1] ?? ''))) continue;
    const base = join(root, ...parts);
    if (existsSync(`${base}.py`)) return { name, file: `${base}.py`, isPackage: false };
    if (isDir(base)) {
      const init = join(base, '__init__.py');
      return { name, file: existsSync(init) ? init : undefined, isPackage: true };
    }
    return undefined;
  }
  return undefined;
}

/** `from ..x import y` inside `pkg` (the importing module's package) as an absolute name. */
function absoluteName(module: string, pkg: string): string | undefined {
  const dots = /^\.*/.exec(module)?.[0].length ?? 0;
  if (dots === 0) return module;
  const base = pkg.split('.');
  if (dots - 1 > base.length) return undefined;
  const stem = base.slice(0, base.length - (dots - 1));
  const rest = module.slice(dots);
  return [...stem, ...(rest === '' ? [] : [rest])].join('.');
}

const cache = new Map<string, { key: string; files: ShippedFile[] }>();
const parsed = new Map<string, { key: string; imports: ImportStmt[] }>();

/** A file's imports, parsed once per version of the file (module_utils are shared by many modules). */
function fileImports(path: string): ImportStmt[] {
  try {
    const st = statSync(path);
    const key = `${String(st.size)}-${String(st.mtimeMs)}`;
    const known = parsed.get(path);
    if (known?.key === key) return known.imports;
    const imports = importsOf(readFileSync(path, 'utf8'));
    parsed.set(path, { key, imports });
    return imports;
  } catch {
    return [];
  }
}

/**
 * The collection module_utils a module imports, directly or through other ones, as files
 * to ship; `roots` are `ansible_collections` directories to look in after the module's own.
 */
export function collectionModuleUtils(modulePath: string, moduleName: string, roots: readonly string[]): ShippedFile[] {
  let key: string;
  try {
    const st = statSync(modulePath);
    key = `${String(st.size)}-${String(st.mtimeMs)}-${roots.join(':')}`;
  } catch {
    return [];
  }
  const known = cache.get(modulePath);
  if (known?.key === key) return known.files;
  const own = collectionsRootOf(modulePath);
  const allRoots = [...new Set([...(own === undefined ? [] : [own]), ...roots])];
  const files = new Map<string, ShippedFile>();
  const seen = new Set<string>([moduleName]);
  const queue: { name: string; file: string; isPackage: boolean }[] = [{ name: moduleName, file: modulePath, isPackage: false }];
  // Importing a.b.c runs the __init__ of a.b first: every package on the way counts.
  const addParents = (name: string): void => {
    const parts = name.split('.');
    for (let i = 3; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('.');
      if (seen.has(parent)) continue;
      seen.add(parent);
      const p = findName(parent, allRoots);
      if (p?.file !== undefined) queue.push({ name: parent, file: p.file, isPackage: true });
    }
  };
  const add = (found: Found | undefined): void => {
    if (found === undefined) return;
    addParents(found.name);
    if (seen.has(found.name)) return;
    seen.add(found.name);
    if (found.file !== undefined) queue.push({ name: found.name, file: found.file, isPackage: found.isPackage });
  };
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    if (item.name !== moduleName) files.set(item.name, { rel: relOf(item.name, item.isPackage), path: item.file });
    const pkg = item.isPackage ? item.name : item.name.split('.').slice(0, -1).join('.');
    for (const imp of fileImports(item.file)) {
      const abs = absoluteName(imp.module, pkg);
      if (abs?.startsWith('ansible_collections.') !== true) continue;
      // `from pkg import name`: name is a submodule when there is such a file, else a name in pkg.
      const subs = imp.names.map((n) => findName(`${abs}.${n}`, allRoots)).filter((f) => f !== undefined);
      for (const s of subs) add(s);
      add(findName(abs, allRoots));
    }
  }
  const out = [...files.values()].sort((a, b) => a.rel.localeCompare(b.rel));
  cache.set(modulePath, { key, files: out });
  return out;
}

function relOf(name: string, isPackage: boolean): string {
  const path = name.split('.').join('/');
  return isPackage ? `${path}/__init__.py` : `${path}.py`;
}
