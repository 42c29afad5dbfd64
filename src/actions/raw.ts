/**
 * ansible.builtin.raw: a command run on the host outside the gate, so it works where
 * Python is missing (installing it, say). Skipped in check mode, as Ansible skips it.
 * The result has Ansible's keys; ftl runs the command without a terminal, so output
 * keeps its own line ends and stderr stays apart from stdout.
 */
import { UsageError } from '../base/errors.js';
import { str } from './args.js';
import { linesOf } from './results.js';
import type { Action } from './types.js';

export const raw: Action = {
  prepare(args) {
    const command = str(args, '_raw_params');
    if (command === undefined || command.trim() === '') {
      throw new UsageError('FTL_BAD_ARGS', 'raw needs a command, e.g. raw("uname -a")', { hint: ".doc raw; a command as text or { _raw_params: '...' }" });
    }
    const executable = str(args, 'executable');
    return async (ctx) => {
      if (ctx.check) return { status: 'skipped', result: { skipped: true, changed: false } };
      const r = await ctx.exec(command, { executable });
      const result: Record<string, unknown> = { rc: r.rc, stdout: r.stdout, stdout_lines: linesOf(r.stdout), stderr: r.stderr, stderr_lines: linesOf(r.stderr), changed: true };
      // Cut as the gate cuts module output: said in the result, never silently.
      if (r.stdoutDroppedBytes !== undefined || r.stderrDroppedBytes !== undefined) result.truncated = true;
      if (r.stdoutDroppedBytes !== undefined) result.stdout_truncated_bytes = r.stdoutDroppedBytes;
      if (r.stderrDroppedBytes !== undefined) result.stderr_truncated_bytes = r.stderrDroppedBytes;
      if (r.rc !== 0) return { status: 'failed', result: { ...result, failed: true, msg: 'non-zero return code' } };
      return { status: 'changed', result };
    };
  },
};
