/** Reading an action's args as Ansible's action plugins do (they see the args as given). */
import type { Args } from './types.js';

const TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f']);

/** Ansible's boolean(value, strict=False): unknown words are false. */
export function bool(args: Args, name: string, dflt: boolean): boolean {
  const v = args[name];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string' && typeof v !== 'number') return false;
  const s = String(v).toLowerCase().trim();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  return false;
}

/** A string option under its name or one of its aliases; numbers become text. */
export function str(args: Args, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = args[n];
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  }
  return undefined;
}

/** A number option (Ansible's int() of what was given). */
export function num(args: Args, name: string, dflt: number): number {
  const v = args[name];
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number.parseInt(v, 10) : Number.NaN;
  return Number.isFinite(n) ? Math.trunc(n) : dflt;
}

/** args without the named keys. */
export function without(args: Args, ...names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) if (!names.includes(k)) out[k] = v;
  return out;
}

/** args with only the named keys. */
export function only(args: Args, names: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) if (names.has(k)) out[k] = v;
  return out;
}
