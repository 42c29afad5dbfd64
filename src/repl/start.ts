import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { PasswordBook } from '../base/passwords.js';
import { askUpFront, type UpFrontOptions } from '../base/up-front.js';
import { automation, type AutomationOptions } from '../run/automation.js';
import { readHidden, readHiddenFromTerminal, type KeyInput } from './hidden-input.js';
import { interactive, type AskHooks } from './interactive.js';
import { confirmAsker } from './confirm.js';
import { piped } from './piped.js';
import { shared } from './shared.js';
import { withFtlConfig } from '../run/ftl-config.js';

export interface ReplOptions extends AutomationOptions, UpFrontOptions {
  json?: boolean;
  input?: Readable & { isTTY?: boolean };
  output?: Writable & { isTTY?: boolean; columns?: number };
  /** Default ~/.ftl/history; null: no history file. */
  historyPath?: string | null;
}

/**
 * Passwords are read with echo off: through the REPL's own terminal when it has one,
 * else from /dev/tty; without a terminal the question fails with a clear error.
 */
function passwordReader(input: Readable & { isTTY?: boolean }, output: Writable, hooks: AskHooks): (prompt: string) => Promise<string> {
  if (input.isTTY !== true) return (prompt) => readHiddenFromTerminal(prompt);
  return async (prompt) => {
    hooks.hold(true);
    try {
      const onInterrupt = (): void => {
        hooks.interrupt();
      };
      return await readHidden(input as Readable & KeyInput, output, prompt, { onInterrupt });
    } finally {
      hooks.hold(false);
    }
  };
}

/** Starts the REPL; resolves with the exit code once it ends (Ctrl-D, .exit, or end of piped input). */
export async function runRepl(opts: ReplOptions = {}): Promise<number> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const hooks: AskHooks = { hold: () => undefined, interrupt: () => undefined };
  const read = passwordReader(input, output, {
    hold: (on) => {
      hooks.hold(on);
    },
    interrupt: () => {
      hooks.interrupt();
    },
  });
  // The settings files first: their guard stands in for the terminal's default.
  const settled = withFtlConfig(opts);
  const given = await askUpFront(settled, read);
  const book = new PasswordBook(read, { ssh: given.sshPassword, become: given.becomePassword });
  // The blast-radius guard is on by default where someone can answer it: a terminal.
  const guard = settled.guard ?? (input.isTTY === true ? 10 : false);
  const ftl = await automation({ ...settled, ...given, guard, askPassword: book.ask });
  const s = shared(ftl, output, opts.json === true);
  try {
    if (input.isTTY === true && s.core.safety.confirm !== true) {
      s.core.safety.confirm = confirmAsker(s, input as Readable & KeyInput, {
        hold: (on) => {
          hooks.hold(on);
        },
        interrupt: () => undefined,
      });
    }
    if (input.isTTY === true) return await interactive(s, input, opts.historyPath === undefined ? join(homedir(), '.ftl', 'history') : opts.historyPath, hooks);
    return await piped(s, input);
  } finally {
    await ftl.close();
  }
}

