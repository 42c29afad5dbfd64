/**
 * One controller file onto the host, as Ansible's copy action does it (_copy_file):
 * stat the destination first and send the file only when its checksum differs; an
 * identical file goes to the file module for mode/owner/group only.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { HostOutcome } from '../base/types.js';
import { only, str, without } from './args.js';
import { sha1 } from './local-files.js';
import { gateText, INLINE_LIMIT, makeTemp, putFile, removeTemp } from './transfer.js';
import type { ActionContext, Args } from './types.js';

/** Options the file module takes (Ansible's REAL_FILE_ARGS). */
export const FILE_ARGS = new Set([
  'mode', 'owner', 'group', 'seuser', 'serole', 'selevel', 'setype', 'attributes', 'attr', 'unsafe_writes',
  'state', 'path', '_original_basename', 'recurse', 'force', '_diff_peek', 'src',
]);

/** One file to copy: where it is here, and its path under dest. */
export interface SourceFile {
  readonly local: string;
  readonly rel: string;
  /** For template: the rendered text, in place of the file's bytes. */
  readonly data?: Uint8Array;
}

export interface CopyPlan {
  /** The task's args (mode already resolved from 'preserve'). */
  readonly args: Args;
  readonly dest: string;
  readonly force: boolean;
  readonly follow: boolean;
}

export interface RemoteStat {
  readonly exists: boolean;
  readonly isdir: boolean;
  readonly islnk: boolean;
  readonly checksum: string | undefined;
  readonly lnkSource: string | undefined;
}

/** A failed module run ends the copy with its outcome. */
export class CopyFailed extends Error {
  constructor(readonly outcome: HostOutcome) {
    super('copy failed');
  }
}

export async function remoteStat(ctx: ActionContext, path: string, follow: boolean, checksum: boolean): Promise<RemoteStat> {
  const o = await ctx.module('stat', { path, follow, get_checksum: checksum, checksum_algorithm: 'sha1', get_mime: false, get_attributes: false }, { check: false, diff: false });
  if (o.status === 'failed') {
    throw new CopyFailed({ status: 'failed', result: { failed: true, msg: `Failed to get information on remote file (${path}): ${String(o.result.msg)}` } });
  }
  const s = (o.result.stat ?? {}) as Record<string, unknown>;
  return {
    exists: s.exists === true,
    isdir: s.isdir === true,
    islnk: s.islnk === true,
    checksum: typeof s.checksum === 'string' ? s.checksum : undefined,
    lnkSource: typeof s.lnk_source === 'string' ? s.lnk_source : undefined,
  };
}

/** Runs a module step of the copy; a failure ends the copy with it. */
export async function step(ctx: ActionContext, module: string, args: Args, real = false): Promise<Record<string, unknown>> {
  const o = await ctx.module(module, args, { real });
  if (o.status === 'failed') throw new CopyFailed(o);
  return { ...o.result };
}

/** Ansible's limit for showing a file in a diff (MAX_FILE_SIZE_FOR_DIFF). */
const MAX_DIFF_SIZE = 104448;

/** Sends a file that differs: inline through the native copy, or uploaded for Ansible's copy module. */
async function send(ctx: ActionContext, plan: CopyPlan, file: SourceFile, data: Uint8Array, destFile: string, checksum: string): Promise<Record<string, unknown>> {
  const base = without(plan.args, 'content', 'decrypt', 'src');
  if (data.length <= INLINE_LIMIT) {
    if (ctx.check && !ctx.diff) return { changed: true, diff: [] };
    const r = await step(ctx, 'copy', { ...base, content: gateText(data), dest: destFile, follow: plan.follow });
    // The native copy names its own temp file as the new side of the diff; Ansible names the source.
    if (Array.isArray(r.diff)) r.diff = (r.diff as Record<string, unknown>[]).map((d) => ('after_header' in d ? { ...d, after_header: file.local } : d));
    return r;
  }
  // Too large to show: Ansible's diff says only that.
  const diff = ctx.diff ? [{ src_larger: MAX_DIFF_SIZE }] : [];
  if (ctx.check) return { changed: true, diff };
  const tmp = await makeTemp(ctx);
  try {
    const remote = join(tmp, 'source');
    await putFile(ctx, remote, data);
    const args: Record<string, unknown> = { ...base, src: remote, dest: plan.dest, _original_basename: file.rel, follow: plan.follow };
    if (str(plan.args, 'checksum') === undefined) args.checksum = checksum;
    return { diff, ...(await step(ctx, 'copy', args, true)) };
  } finally {
    await removeTemp(ctx, tmp);
  }
}

/** Copies one file; undefined when force is off and the destination exists (nothing run). */
export async function copyFile(ctx: ActionContext, plan: CopyPlan, file: SourceFile): Promise<Record<string, unknown> | undefined> {
  let destFile = plan.dest.endsWith('/') ? join(plan.dest, file.rel) : plan.dest;
  let st = await remoteStat(ctx, destFile, plan.follow, plan.force);
  if (st.exists && st.isdir) {
    destFile = join(plan.dest, file.rel);
    st = await remoteStat(ctx, destFile, plan.follow, plan.force);
  }
  if (st.exists && !plan.force) return undefined;
  // mode=preserve: this source file's own mode.
  const args = plan.args.mode === 'preserve' ? { ...plan.args, mode: `0${(statSync(file.local).mode & 0o777).toString(8).padStart(3, '0')}` } : plan.args;
  const filePlan = { ...plan, args };
  const data = file.data ?? readFileSync(file.local);
  const checksum = sha1(data);
  let result: Record<string, unknown>;
  if (checksum !== st.checksum) {
    result = await send(ctx, filePlan, file, data, destFile, checksum);
    // A change in check mode is reported as it is, without the checksum a module run adds.
    if (ctx.check) return result;
  } else {
    let dest = plan.dest;
    if (plan.follow) {
      const nofollow = await remoteStat(ctx, destFile, false, false);
      if (nofollow.islnk && nofollow.lnkSource !== undefined) dest = nofollow.lnkSource;
    }
    result = await step(ctx, 'file', { ...without(only(args, FILE_ARGS), 'src'), dest, _original_basename: file.rel, recurse: false, state: 'file' });
  }
  if (typeof result.checksum !== 'string' || result.checksum === '') result.checksum = checksum;
  return result;
}
