import { FtlError } from '../base/errors.js';
import type { RunResult } from './result.js';

/**
 * Exit codes of a call, as Ansible's ad-hoc command uses them; 5: refused before any host
 * was touched (a policy deny, or a confirmation without --yes).
 */
export const EXIT = { ok: 0, usage: 1, failed: 2, unreachable: 4, refused: 5, interrupted: 130 } as const;

/** The exit code for an error that ended a call or a line. */
export function exitCodeOfError(e: unknown): number {
  if (!(e instanceof FtlError)) return EXIT.usage;
  switch (e.code) {
    case 'FTL_POLICY_DENIED':
    case 'FTL_CONFIRM_REFUSED':
    case 'FTL_CONFIRM_DECLINED':
      return EXIT.refused;
    default:
      return EXIT.usage;
  }
}

export function exitCodeOf(r: RunResult): number {
  if (r.cancelled.length > 0) return EXIT.interrupted;
  if (r.failed.length > 0) return EXIT.failed;
  if (r.unreachable.length > 0) return EXIT.unreachable;
  return EXIT.ok;
}
