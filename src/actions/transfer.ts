/**
 * Moving file bytes between the controller and a host, through the gate's own requests
 * (no second channel, so it works the same on local and SSH hosts, under become too).
 *
 * - Small files travel as the text of a native copy's `content`: bytes that are not
 *   UTF-8 go as lone surrogates (Python's surrogateescape), which the gate turns back
 *   into the same bytes, so binary files arrive intact at their size for text.
 * - Large files travel in base64 chunks: PutFile writes each at its offset in a temp
 *   directory (TempDir, removed with RemoveTree), GetFile reads them back. Each chunk
 *   stays far below the protocol's 64 MiB frame limit (docs/gate-protocol.md).
 */
import { GateError } from '../base/errors.js';
import type { ActionContext } from './types.js';

export { gateText } from '../gate/text.js';

/** Files up to this size go inline (content, slurp); larger ones in chunks. */
export const INLINE_LIMIT = 8 * 1024 * 1024;
const CHUNK = 4 * 1024 * 1024;

/** One transfer request; anything but its own result type is an error naming the request. */
async function ask(ctx: ActionContext, type: string, data: Record<string, unknown>): Promise<Record<string, unknown>> {
  const gate = await ctx.gate();
  const r = await gate.request(type, data, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
  if (r.type !== `${type}Result`) {
    const why = typeof r.data.message === 'string' ? r.data.message : `${r.type} ${JSON.stringify(r.data).slice(0, 200)}`;
    throw new GateError('FTL_GATE_ERROR', `file transfer failed: ${why}`, { host: ctx.host });
  }
  return r.data;
}

/** A private temp directory on the host (removed with removeTemp). */
export async function makeTemp(ctx: ActionContext): Promise<string> {
  const path = (await ask(ctx, 'TempDir', {})).path;
  if (typeof path !== 'string') throw new GateError('FTL_GATE_ERROR', 'file transfer failed: TempDir named no directory', { host: ctx.host });
  return path;
}

export async function removeTemp(ctx: ActionContext, dir: string): Promise<void> {
  await ask(ctx, 'RemoveTree', { path: dir }).catch(() => undefined);
}

/** Writes bytes to a new file on the host, in chunks; `mode` is set with the last one. */
export async function putFile(ctx: ActionContext, path: string, bytes: Uint8Array, mode?: number): Promise<void> {
  for (let at = 0; at === 0 || at < bytes.length; at += CHUNK) {
    const last = at + CHUNK >= bytes.length;
    const data = Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(CHUNK, bytes.length - at)).toString('base64');
    await ask(ctx, 'PutFile', { path, data, offset: at, ...(last && mode !== undefined ? { mode } : {}) });
  }
}

/** Reads a file of the host to its end, in chunks. */
export async function getFile(ctx: ActionContext, path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const r = await ask(ctx, 'GetFile', { path, offset: at, length: CHUNK });
    const chunk = Buffer.from(typeof r.data === 'string' ? r.data : '', 'base64');
    parts.push(chunk);
    at += chunk.length;
    if (r.eof === true || chunk.length === 0) break;
  }
  return Buffer.concat(parts);
}
