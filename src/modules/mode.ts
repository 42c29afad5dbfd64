import { UsageError } from '../base/errors.js';
import type { ModuleDoc } from '../base/module-types.js';

/** A mode an owner would choose: no special bits, and owner ⊇ group ⊇ others (644, 755, 600, 440). */
function sensible(mode: number, specialBits: boolean): boolean {
  if (mode < 0 || mode > (specialBits ? 0o7777 : 0o777)) return false;
  const u = (mode >> 6) & 7;
  const g = (mode >> 3) & 7;
  const o = mode & 7;
  return (u | g) === u && (g | o) === g;
}

/**
 * Whether a JavaScript number given as a mode was almost surely meant as octal digits
 * (`mode: 644`). JavaScript cannot say whether 420 was written 0o644, so the number is
 * judged: it is refused when its decimal digits (3 or 4 of them, all 0-7) read as an octal
 * mode make a sensible one while the number itself does not (644 is 0o1204: the sticky bit
 * and others writing), and, where both read sensibly, when it is a round hundred (200, 400,
 * 500: owner-only modes people type). 0o644, 0o755, 0o600, 0o1777 and the like pass.
 */
export function looksLikeDecimalMode(n: number): boolean {
  if (!Number.isInteger(n) || n < 0) return false;
  const digits = String(n);
  if (!/^[0-7]{3,4}$/.test(digits)) return false;
  if (!sensible(Number.parseInt(digits, 8), true)) return false;
  return !sensible(n, false) || n % 100 === 0;
}

/** Options named mode that take a string or anything (file, copy, template...); an int-typed mode is a number by design. */
function takesOctalText(doc: ModuleDoc | undefined): boolean {
  const opt = doc?.options.find((o) => o.name === 'mode' || o.aliases.includes('mode'));
  if (doc !== undefined && opt === undefined) return false;
  return opt?.type === undefined || opt.type === 'raw' || opt.type === 'str';
}

/** Refuses `mode: 644` (a decimal number) before any host is touched, naming the two ways to write it. */
export function refuseDecimalMode(module: string, args: Readonly<Record<string, unknown>>, doc: ModuleDoc | undefined): void {
  const v = args.mode;
  if (typeof v !== 'number' || !takesOctalText(doc) || !looksLikeDecimalMode(v)) return;
  const digits = String(v);
  const text = digits.length === 3 ? `0${digits}` : digits;
  throw new UsageError('FTL_BAD_ARGS', `mode ${digits} is a decimal number: write '${text}' or 0o${digits}`, {
    hint: `as a number, ${digits} would set ${module}'s mode to 0o${v.toString(8)}, as Ansible does; a string or an 0o literal says what you mean`,
  });
}
