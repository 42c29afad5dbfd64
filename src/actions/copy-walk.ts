/**
 * What a recursive copy copies, as Ansible's copy action walks a source directory
 * (_walk_dirs): files (symlinked files followed with local_follow), directories, and
 * symlinks kept as links (without local_follow, or where following would loop).
 * "dir" copies the directory itself; "dir/" copies what is in it (rsync's rule).
 */
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface SourceTree {
  /** [absolute local path, path relative to dest] */
  readonly files: [string, string][];
  readonly directories: [string, string][];
  /** [link target as written, path relative to dest] */
  readonly symlinks: [string, string][];
}

const idOf = (p: string): string => {
  const s = statSync(p);
  return `${s.dev}:${s.ino}`;
};

export function walkSource(top: string, localFollow: boolean): SourceTree {
  const tree: SourceTree = { files: [], directories: [], symlinks: [] };
  const trailing = top.endsWith('/');
  const root = top.replace(/\/+$/, '');
  // Paths are relative to the directory itself ("dir/"), or to its parent ("dir").
  const base = trailing ? '' : basename(root);
  if (!localFollow && lstatSync(root).isSymbolicLink()) {
    tree.symlinks.push([readlinkSync(root), basename(root)]);
    return tree;
  }
  const recurse = (dir: string, rel: string, parents: ReadonlySet<string>): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const e of entries) {
      const path = join(dir, e.name);
      const relPath = rel === '' ? e.name : join(rel, e.name);
      let isDir = e.isDirectory();
      if (e.isSymbolicLink()) {
        try {
          isDir = statSync(path).isDirectory();
        } catch {
          isDir = false; // a dangling link is copied as a link
        }
      }
      if (isDir) subdirs.push(e.name);
      else if (e.isSymbolicLink()) {
        let real: string | undefined;
        try {
          real = realpathSync(path);
          if (!statSync(real).isFile()) real = undefined;
        } catch {
          real = undefined;
        }
        if (localFollow && real !== undefined) tree.files.push([real, relPath]);
        else tree.symlinks.push([readlinkSync(path), relPath]);
      } else tree.files.push([path, relPath]);
    }
    for (const name of subdirs) {
      const path = join(dir, name);
      const relPath = rel === '' ? name : join(rel, name);
      if (!lstatSync(path).isSymbolicLink()) {
        tree.directories.push([path, relPath]);
        recurse(path, relPath, parents);
        continue;
      }
      if (!localFollow) {
        tree.symlinks.push([readlinkSync(path), relPath]);
        continue;
      }
      // A linked directory is walked, unless it leads back into what is being copied.
      const real = realpathSync(path);
      const newParents = new Set<string>();
      const parts = dirname(path).split('/');
      for (let n = parts.length; n > 0; n--) {
        const id = idOf(parts.slice(0, n).join('/') || '/');
        if (parents.has(id)) break;
        newParents.add(id);
      }
      if (newParents.has(idOf(real)) || parents.has(idOf(real))) tree.symlinks.push([readlinkSync(path), relPath]);
      else {
        tree.directories.push([real, relPath]);
        recurse(real, relPath, new Set([...parents, ...newParents]));
      }
    }
  };
  recurse(root, base, new Set([idOf(root)]));
  return tree;
}
