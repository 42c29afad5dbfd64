import type { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { FtlError, describeError } from '../base/errors.js';
import type { Ftl } from '../run/automation.js';
import type { FtlCore } from '../run/core.js';
import { RunResult } from '../run/result.js';
import { formatResult, outputMode, prepareOutput } from '../ui/output.js';
import { coreOf } from '../run/ftl-object.js';

/** What the interactive and the piped session share: the ftl object, the output, and how values and errors are shown. */
export interface Shared {
  ftl: Ftl;
  core: FtlCore;
  out: Writable & { isTTY?: boolean; columns?: number };
  colors: boolean;
  json: { on: boolean };
  print(text: string): void;
  printError(e: unknown): void;
  show(value: unknown): string;
  /** Loads what show(value) needs (Ink, for a table); undefined when nothing. */
  ready(value: unknown): Promise<void> | undefined;
}

export function shared(ftl: Ftl, out: Writable & { isTTY?: boolean; columns?: number }, json: boolean): Shared {
  const colors = out.isTTY === true && process.env.NO_COLOR === undefined;
  const state = { on: json };
  const print = (text: string): void => {
    out.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  const core = coreOf(ftl);
  // A secret revealed into a string, or echoed in an error, is masked on the screen too.
  const masked = (text: string): string => core.secrets.mask(text);
  return {
    ftl,
    core,
    out,
    colors,
    json: state,
    print,
    printError(e) {
      const text = masked(e instanceof FtlError ? e.oneLine() : describeError(e));
      print(colors ? `\x1b[31m✘ ${text}\x1b[0m` : `✘ ${text}`);
    },
    ready(value) {
      if (!(value instanceof RunResult)) return undefined;
      const mode = outputMode(state.on, out);
      return mode.kind === 'table' ? prepareOutput(mode) : undefined;
    },
    show(value) {
      // Showing a value runs user-reachable code (getters, proxies): its errors are one line, never the end of the session.
      try {
        if (value instanceof RunResult) return formatResult(value, outputMode(state.on, out)).replace(/\n$/, '');
        return masked(inspect(value, { colors, depth: 4 }));
      } catch (e) {
        const text = `cannot show the value: ${e instanceof FtlError ? e.oneLine() : describeError(e)}`;
        return colors ? `\x1b[31m✘ ${text}\x1b[0m` : `✘ ${text}`;
      }
    },
  };
}


/**
 * What a REPL's context holds: `ftl`, and `$`, the last call's result (ftl.last). `_` stays
 * node's (the last line's value); `$` is not moved by plain expressions, so `$.changed`
 * then `$.failed` both read the same call. Assigning `$` makes it a plain variable.
 */
export function setContext(ctx: Record<string, unknown>, s: Shared): void {
  ctx.ftl = s.ftl;
  Object.defineProperty(ctx, '$', {
    configurable: true,
    enumerable: false,
    get: () => s.core.last,
    set(v: unknown) {
      Object.defineProperty(ctx, '$', { configurable: true, enumerable: true, writable: true, value: v });
    },
  });
}
