import type { REPLServer } from 'node:repl';
import { UsageError } from '../base/errors.js';
import { closest } from '../base/suggest.js';

/** A mistyped dot-command, with the nearest real ones. */
export function dotTypoError(keyword: string, names: readonly string[]): UsageError {
  const near = closest(keyword, names).map((n) => `.${n}`);
  return new UsageError('FTL_USAGE', `no command .${keyword}${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''}`, { hint: '.help lists the commands' });
}

/** The keyword of a line node:repl takes for a dot-command (its own rule: `.word`, not `..` nor a number like `.5`). */
export function dotKeyword(line: string): string | undefined {
  const t = line.trim();
  if (!t.startsWith('.') || t.startsWith('..') || !Number.isNaN(Number.parseFloat(t))) return undefined;
  return /^\.(\S+)/.exec(t)?.[1];
}

/**
 * node:repl answers an unknown `.word` with "Invalid REPL keyword" and nothing more. Just
 * before it looks, an unknown keyword becomes a one-time command that says what was meant
 * (defineCommand, its public API). Lines inside unfinished code (`...` prompt) or the
 * editor are code, and left alone.
 */
export function suggestDotCommands(srv: REPLServer, report: (e: UsageError) => void): void {
  const commands = srv.commands as Record<string, unknown>;
  srv.prependListener('line', (line: string) => {
    const keyword = dotKeyword(line);
    if (keyword === undefined || keyword in commands || srv.editorMode || srv.getPrompt().startsWith('...')) return;
    const names = Object.keys(commands);
    srv.defineCommand(keyword, {
      help: '',
      action() {
        // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the one-time command goes as soon as it has answered
        delete commands[keyword];
        report(dotTypoError(keyword, names));
        srv.displayPrompt();
      },
    });
  });
}
