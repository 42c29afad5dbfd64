/**
 * The REPL's side of a confirmation: it shows the host count and the folded host list,
 * offers a check-mode preview, and reads the answer through the same key-taking reader as
 * passwords (never a second readline on node:repl's input), so the line editor, history
 * and the prompt are left as they were. Only the host count typed back goes on.
 */
import type { Readable } from 'node:stream';
import { FtlError } from '../base/errors.js';
import { confirmText, type ConfirmFn } from '../run/guard.js';
import { readHidden, type KeyInput } from './hidden-input.js';
import type { AskHooks } from './interactive.js';
import type { Shared } from './shared.js';

export function confirmAsker(s: Shared, input: Readable & KeyInput, hooks: AskHooks): ConfirmFn {
  return async (req) => {
    const n = String(req.hosts.length);
    hooks.hold(true);
    try {
      const warn = confirmText(req);
      s.print(s.colors ? `\x1b[33m${warn}\x1b[0m` : warn);
      for (;;) {
        const question = `  type ${n} to run it on ${n} hosts${req.preview === undefined ? '' : ', p to preview it in check mode'}; anything else cancels: `;
        let answer: string;
        try {
          answer = (await readHidden(input, s.out, question, { echo: true })).trim();
        } catch (e) {
          if (e instanceof FtlError && e.code === 'FTL_CANCELLED') return false;
          throw e;
        }
        if (answer === n) return true;
        if (req.preview !== undefined && (answer === 'p' || answer === 'P')) {
          const preview = await req.preview();
          await s.ready(preview);
          s.print(s.show(preview));
          s.print('  (preview in check mode: nothing was changed)');
          continue;
        }
        return false;
      }
    } finally {
      hooks.hold(false);
    }
  };
}
