/**
 * ansible.builtin.copy: `content` and `remote_src` run on the host as they are; a `src`
 * on the controller (a file, or a directory copied recursively: "dir" copies the
 * directory, "dir/" what is in it) is sent file by file, each only when its checksum
 * differs from the host's copy. Results carry the keys Ansible's copy action returns.
 */
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../base/errors.js';
import type { HostOutcome } from '../base/types.js';
import { mapLimit } from '../base/limit.js';
import { bool, only, str, without } from './args.js';
import { copyFile, CopyFailed, FILE_ARGS, remoteStat, step, type CopyPlan, type SourceFile } from './copy-file.js';
import { walkSource, type SourceTree } from './copy-walk.js';
import { findLocal } from './local-files.js';
import { outcomeOf } from './results.js';
import type { Action, ActionContext, Args } from './types.js';

/** Files of one recursive copy sent at once on a host (the gate multiplexes them). */
const FILES_IN_FLIGHT = 8;

/** Directories a file needs under dest that are not in the source tree itself (dest, or dest/dir). */
function implicitDirs(dest: string, tree: SourceTree): string[] {
  const listed = new Set(tree.directories.map(([, rel]) => rel));
  const need = new Set<string>();
  for (const [, rel] of [...tree.files, ...tree.symlinks]) {
    const parts = rel.split('/').slice(0, -1);
    for (let n = 0; n <= parts.length; n++) {
      const d = parts.slice(0, n).join('/');
      if (!listed.has(d)) need.add(d);
    }
  }
  return [...need].sort((a, b) => a.split('/').length - b.split('/').length).map((d) => (d === '' ? dest : join(dest, d)));
}

/** Creates a missing directory the copy module would create (with directory_mode, owner and group). */
async function ensureDir(ctx: ActionContext, args: Args, path: string): Promise<boolean> {
  const st = await remoteStat(ctx, path, true, false);
  if (st.exists) return false;
  const r = await step(ctx, 'file', { ...without(only(args, FILE_ARGS), 'src', 'force'), path, state: 'directory', mode: args.directory_mode ?? null, recurse: false });
  return r.changed === true;
}

/** Copies files, directories and links under dest; the result as Ansible's copy action gives it. */
export async function copyTree(ctx: ActionContext, args: Args, source: string, tree: SourceTree, dest: string, files: readonly SourceFile[]): Promise<HostOutcome> {
  try {
    return await copySteps(ctx, args, source, tree, dest, files);
  } catch (e) {
    // The first step that failed ends the copy with its outcome.
    if (e instanceof CopyFailed) return e.outcome;
    throw e;
  }
}

async function copySteps(ctx: ActionContext, args: Args, source: string, tree: SourceTree, dest: string, files: readonly SourceFile[]): Promise<HostOutcome> {
  const recursive = tree.directories.length > 0;
  const plan: CopyPlan = { args, dest, force: bool(args, 'force', true), follow: recursive ? false : bool(args, 'follow', false) };
  let changed = false;
  let last: Record<string, unknown> | undefined;
  let executed = false;
  // Parents first, so every file finds its directory (Ansible's copy module makes them as it goes).
  if (tree.files.length + tree.symlinks.length > 0 && dest.endsWith('/')) {
    for (const dir of implicitDirs(dest, tree)) changed = (await ensureDir(ctx, args, dir)) || changed;
  }
  const dirResults: Record<string, unknown>[] = [];
  for (const [, rel] of tree.directories) {
    const r = await step(ctx, 'file', { ...without(only(args, FILE_ARGS), 'src'), path: join(dest, rel), state: 'directory', mode: args.directory_mode ?? null, recurse: false });
    dirResults.push(r);
  }
  const fileResults = await mapLimit(files, FILES_IN_FLIGHT, (f) => copyFile(ctx, plan, f));
  for (const r of fileResults) {
    if (r === undefined) continue;
    executed = true;
    changed = changed || r.changed === true;
    last = r;
  }
  for (const r of dirResults) {
    executed = true;
    changed = changed || r.changed === true;
    last = r;
  }
  for (const [target, rel] of tree.symlinks) {
    const linkArgs: Record<string, unknown> = { ...only(args, FILE_ARGS), path: join(dest, rel), src: target, state: 'link', force: true };
    if (recursive) linkArgs.follow = false;
    if (linkArgs.mode === 'preserve') delete linkArgs.mode;
    last = await step(ctx, 'file', linkArgs);
    executed = true;
    changed = changed || last.changed === true;
  }
  // One file: the module's own answer (Ansible's quirk: the last module that ran); else a summary.
  if (executed && tree.files.length === 1 && last !== undefined) {
    const result = { ...last };
    if ('path' in result && !('dest' in result)) result.dest = result.path;
    return outcomeOf(result);
  }
  return outcomeOf({ dest, src: source, changed });
}

function preparedSource(args: Args): { source: string; tree: SourceTree; dest: string } {
  const src = str(args, 'src') ?? '';
  const source = findLocal(src, 'files', 'copy');
  let dest = str(args, 'dest') ?? '';
  let tree: SourceTree;
  if (statSync(source).isDirectory()) {
    tree = walkSource(source, bool(args, 'local_follow', true));
    // A recursive copy always goes into a directory.
    if (!dest.endsWith('/')) dest = `${dest}/`;
  } else {
    tree = { files: [[source, basename(source)]], directories: [], symlinks: [] };
  }
  return { source, tree, dest };
}

export const copy: Action = {
  prepare(args) {
    const src = str(args, 'src');
    const content = args.content;
    const dest = str(args, 'dest');
    if (src === undefined && (content === undefined || content === null)) throw new UsageError('FTL_BAD_ARGS', 'copy needs src (a file here) or content (text)', { hint: '.doc copy' });
    if (dest === undefined || dest === '') throw new UsageError('FTL_BAD_ARGS', 'copy needs dest (where the file goes on the host)', { hint: '.doc copy' });
    if (src !== undefined && content !== undefined && content !== null) throw new UsageError('FTL_BAD_ARGS', 'copy takes src or content, not both');
    // content, and remote_src (both ends on the host), are the module's work.
    if (src === undefined) return (ctx) => ctx.module('copy', args);
    if (bool(args, 'remote_src', false)) return (ctx) => ctx.module('copy', without(args, 'content', 'decrypt'), { real: true });
    const p = preparedSource(args);
    const files: SourceFile[] = p.tree.files.map(([local, rel]) => ({ local, rel }));
    return (ctx) => copyTree(ctx, args, p.source, p.tree, p.dest, files);
  },
};
