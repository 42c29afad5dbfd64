/** Small pieces of result shaping shared by actions. */
import type { HostOutcome } from '../base/types.js';

/** The characters Python's str.splitlines() breaks at (\r\n counts as one). */
const BREAKS = new Set([0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029]);

export function linesOf(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!BREAKS.has(c)) continue;
    lines.push(text.slice(start, i));
    if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
    start = i + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** A result's text field ('' when missing or not text). */
export function text(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
}

/** A failed outcome with Ansible's msg, plus any keys the action adds. */
export function failed(msg: string, extra: Record<string, unknown> = {}): HostOutcome {
  return { status: 'failed', result: { ...extra, failed: true, msg } };
}

/** The status of a result by Ansible's rules (failed, then skipped, then changed). */
export function outcomeOf(result: Record<string, unknown>): HostOutcome {
  if (result.failed === true) return { status: 'failed', result };
  if (result.skipped === true) return { status: 'skipped', result };
  return { status: result.changed === true ? 'changed' : 'ok', result };
}
