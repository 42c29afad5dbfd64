/**
 * Moving file bytes between the controller and a host, through the gate's own modules
 * (no second channel, so it works the same on local and SSH hosts, under become too).
 *
 * - Small files travel as the text of a native copy's `content`: bytes that are not
 *   UTF-8 go as lone surrogates (Python's surrogateescape), which the gate turns back
 *   into the same bytes, so binary files arrive intact at their size for text.
 * - Large files travel in base64 chunks through the native command's stdin into a temp
 *   file on the host, and back through its stdout; each chunk stays far below the
 *   protocol's 64 MiB frame limit.
 */
import type { GateSession } from '../gate/session.js';
import { GateError } from '../base/errors.js';
import type { ActionContext } from './types.js';

export { gateText } from '../gate/text.js';

/** Files up to this size go inline (content, slurp); larger ones in chunks. */
export const INLINE_LIMIT = 8 * 1024 * 1024;
const CHUNK = 4 * 1024 * 1024;

const pythons = new WeakMap<GateSession, Promise<string>>();

/** The interpreter the gate runs under: helper scripts run with it. */
function pythonOf(ctx: ActionContext, session: GateSession): Promise<string> {
  let p = pythons.get(session);
  if (p === undefined) {
    p = session.request('Info', {}, { timeoutMs: ctx.timeoutMs, signal: ctx.signal }).then((r) => {
      const exe = r.data.python_executable;
      if (typeof exe !== 'string' || exe === '') throw new GateError('FTL_GATE_ERROR', 'the gate did not say which python runs it', { host: ctx.host });
      return exe;
    });
    pythons.set(session, p);
    p.catch(() => pythons.delete(session));
  }
  return p;
}

/** Runs a small Python program on the host with the gate's interpreter; its stdout, or an error. */
async function python(ctx: ActionContext, code: string, argv: string[], stdin?: string): Promise<string> {
  const exe = await pythonOf(ctx, await ctx.gate());
  const o = await ctx.module('command', { argv: [exe, '-c', code, ...argv], stdin, stdin_add_newline: false, strip_empty_ends: false }, { check: false, diff: false });
  const r = o.result;
  if (o.status === 'failed') {
    const why = typeof r.stderr === 'string' && r.stderr.trim() !== '' ? r.stderr.trim().split('\n').at(-1) : r.msg;
    throw new GateError('FTL_GATE_ERROR', `file transfer failed: ${String(why)}`, { host: ctx.host });
  }
  return typeof r.stdout === 'string' ? r.stdout : '';
}

const MKTEMP = 'import sys,tempfile;sys.stdout.write(tempfile.mkdtemp(prefix="ftl-tmp-"))';
const APPEND = 'import base64,sys\nwith open(sys.argv[1],"ab") as f: f.write(base64.b64decode(sys.stdin.read()))';
const READ = 'import base64,sys\nwith open(sys.argv[1],"rb") as f:\n f.seek(int(sys.argv[2])); sys.stdout.write(base64.b64encode(f.read(int(sys.argv[3]))).decode())';
const CHMOD = 'import os,sys;os.chmod(sys.argv[1],int(sys.argv[2],8))';
const RMTREE = 'import shutil,sys;shutil.rmtree(sys.argv[1],ignore_errors=True)';

/** A private temp directory on the host (removed with removeTemp). */
export function makeTemp(ctx: ActionContext): Promise<string> {
  return python(ctx, MKTEMP, []);
}

export async function removeTemp(ctx: ActionContext, dir: string): Promise<void> {
  await python(ctx, RMTREE, [dir]).catch(() => undefined);
}

/** Writes bytes to a new file on the host, in chunks. */
export async function putFile(ctx: ActionContext, path: string, bytes: Uint8Array, mode?: number): Promise<void> {
  for (let at = 0; at === 0 || at < bytes.length; at += CHUNK) {
    await python(ctx, APPEND, [path], Buffer.from(bytes.subarray(at, at + CHUNK)).toString('base64'));
  }
  if (mode !== undefined) await python(ctx, CHMOD, [path, mode.toString(8)]);
}

/** Reads a file of the host, in chunks (its size known from a stat). */
export async function getFile(ctx: ActionContext, path: string, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let at = 0; at < size; at += CHUNK) {
    parts.push(Buffer.from(await python(ctx, READ, [path, String(at), String(CHUNK)]), 'base64'));
  }
  return Buffer.concat(parts);
}
