/**
 * ansible.builtin.fetch: a file of the host copied to the controller, into
 * dest/<inventory name>/<path on the host> (or straight to dest with flat), and only
 * when its checksum differs from the local copy. Skipped in check mode, as Ansible skips it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, normalize, resolve } from 'node:path';
import { statSync } from 'node:fs';
import { UsageError } from '../base/errors.js';
import type { HostOutcome } from '../base/types.js';
import { bool, str } from './args.js';
import { checksumOf, md5, sha1 } from './local-files.js';
import { failed, text } from './results.js';
import { getFile, INLINE_LIMIT } from './transfer.js';
import type { Action, ActionContext } from './types.js';

interface FetchArgs {
  src: string;
  dest: string;
  flat: boolean;
  failOnMissing: boolean;
  validateChecksum: boolean;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Where the file goes on the controller. */
export function fetchDest(a: FetchArgs, host: string, source: string): string {
  if (a.flat) {
    if (isDir(a.dest) && !a.dest.endsWith('/')) {
      throw new UsageError('FTL_BAD_ARGS', 'dest is an existing directory, use a trailing slash if you want to fetch src into that directory');
    }
    return normalize(resolve(a.dest.endsWith('/') ? `${a.dest}${basename(source)}` : a.dest));
  }
  return normalize(`${resolve(a.dest)}/${host}/${source}`);
}

/** The file's bytes: slurp for small files, chunks for large ones. */
async function readRemote(ctx: ActionContext, source: string, size: number | undefined): Promise<Buffer | HostOutcome> {
  if (size !== undefined && size > INLINE_LIMIT) return getFile(ctx, source);
  const slurp = await ctx.module('slurp', { src: source }, { check: false, diff: false });
  if (slurp.status === 'failed') return slurp;
  return Buffer.from(text(slurp.result.content), 'base64');
}

async function fetchOne(ctx: ActionContext, a: FetchArgs): Promise<HostOutcome> {
  const st = await ctx.module('stat', { path: a.src, follow: true, get_checksum: true, checksum_algorithm: 'sha1', get_mime: false, get_attributes: false }, { check: false, diff: false });
  if (st.status === 'failed') {
    const msg = text(st.result.msg) || 'stat failed';
    return a.failOnMissing ? failed(msg, { changed: false, file: a.src }) : { status: 'ok', result: { changed: false, file: a.src, msg: `${msg}, ignored` } };
  }
  const stat = (st.result.stat ?? {}) as Record<string, unknown>;
  const missingMsg = 'the remote file does not exist, not transferring, ignored';
  if (stat.exists !== true) {
    return a.failOnMissing ? failed(missingMsg, { changed: false }) : { status: 'ok', result: { changed: false, file: a.src, msg: missingMsg } };
  }
  if (stat.isdir === true) {
    const msg = 'remote file is a directory, fetch cannot work on directories';
    return a.failOnMissing ? failed(msg, { changed: false }) : { status: 'ok', result: { msg: `${msg}, not transferring, ignored`, changed: false } };
  }
  const source = typeof stat.path === 'string' ? stat.path : a.src;
  let remoteChecksum = typeof stat.checksum === 'string' ? stat.checksum : undefined;
  // Unreadable to the checksum (permissions): the file is read now, and its checksum taken here.
  let data: Buffer | undefined;
  if (remoteChecksum === undefined) {
    const got = await readRemote(ctx, source, undefined);
    if (!Buffer.isBuffer(got)) {
      if (!a.failOnMissing) return { status: 'ok', result: { file: source, changed: false, msg: text(got.result.msg) } };
      return got;
    }
    data = got;
    remoteChecksum = sha1(data);
  }
  const dest = fetchDest(a, ctx.host, source);
  const localChecksum = checksumOf(dest);
  if (remoteChecksum === localChecksum) {
    return { status: 'ok', result: { changed: false, md5sum: md5(readFileSync(dest)), file: source, dest, checksum: localChecksum } };
  }
  if (data === undefined) {
    const got = await readRemote(ctx, source, typeof stat.size === 'number' ? stat.size : undefined);
    if (!Buffer.isBuffer(got)) return got;
    data = got;
  }
  try {
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, data);
  } catch (e) {
    return failed(`Failed to fetch the file: ${(e as Error).message}`);
  }
  const written = readFileSync(dest);
  const newChecksum = sha1(written);
  if (a.validateChecksum && newChecksum !== remoteChecksum) {
    return failed('checksum mismatch', { md5sum: md5(written), file: source, dest, remote_md5sum: null, checksum: newChecksum, remote_checksum: remoteChecksum });
  }
  return { status: 'changed', result: { changed: true, md5sum: md5(written), dest, remote_md5sum: null, checksum: newChecksum, remote_checksum: remoteChecksum } };
}

export const fetch: Action = {
  prepare(args) {
    const src = str(args, 'src');
    const dest = str(args, 'dest');
    if (src === undefined || dest === undefined) throw new UsageError('FTL_BAD_ARGS', 'fetch needs src (a file on the host) and dest (a directory here)');
    const a: FetchArgs = { src, dest, flat: bool(args, 'flat', false), failOnMissing: bool(args, 'fail_on_missing', true), validateChecksum: bool(args, 'validate_checksum', true) };
    return async (ctx) => {
      if (ctx.check) return { status: 'skipped', result: { skipped: true, changed: false, msg: 'check mode not (yet) supported for this module' } };
      try {
        return await fetchOne(ctx, a);
      } catch (e) {
        if (e instanceof UsageError) return failed(e.message);
        throw e;
      }
    };
  },
};
