import type { RunResult } from './result.js';

/** Exit codes of a call, as Ansible's ad-hoc command uses them. */
export const EXIT = { ok: 0, usage: 1, failed: 2, unreachable: 4, interrupted: 130 } as const;

export function exitCodeOf(r: RunResult): number {
  if (r.cancelled.length > 0) return EXIT.interrupted;
  if (r.failed.length > 0) return EXIT.failed;
  if (r.unreachable.length > 0) return EXIT.unreachable;
  return EXIT.ok;
}
