import repl from 'node:repl';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import { UsageError } from '../base/errors.js';
import { exitCodeOf, exitCodeOfError, EXIT } from '../run/exit-codes.js';
import { RunResult } from '../run/result.js';
import { startAsyncRepl } from './async-repl.js';
import { dotCommand } from './dot-commands.js';
import { makeDotContext } from './dot-context.js';
import { deadline, type Settler } from '../base/deadline.js';
import { replEval, setReplLast } from './node-internals.js';
import { setContext, type Shared } from './shared.js';

/** Whether any line of a piped session threw or left hosts failed, for the exit code. */
class Outcome {
  private code: number = EXIT.ok;
  note(code: number): void {
    // The first trouble decides: it is what the script's author needs to look at.
    if (this.code === EXIT.ok) this.code = code;
  }
  get exitCode(): number {
    return this.code;
  }
}

/** How often a pending line is checked for being stuck. */
const WATCH_EVERY_MS = 500;

/**
 * Piped input: lines are evaluated one after another, each call finishing before the
 * next line starts, as a script would expect. Output is plain text or JSON lines.
 */
export async function piped(s: Shared, input: Readable): Promise<number> {
  const outcome = new Outcome();
  type LineResult = { value: unknown } | { error: unknown };
  /** The line being evaluated: errors raised asynchronously (the REPL's domain) settle it. */
  let current: Settler<LineResult> | undefined;
  /** Results printed when their call ended (every call prints, whatever the line does with it). */
  const printed = new WeakSet<object>();
  s.core.onResult = (r) => {
    printed.add(r);
    outcome.note(exitCodeOf(r));
    const ready = s.ready(r);
    // Plain text and JSON need nothing loaded: printed at once, in the order calls end.
    if (ready === undefined) s.print(s.show(r));
    else void ready.then(() => {
      s.print(s.show(r));
    });
  };
  const { server } = startAsyncRepl({
    input: new PassThrough(),
    output: new PassThrough(),
    terminal: false,
    prompt: '',
    shown: (v) => (typeof v === 'object' && v !== null && printed.has(v)) || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'object' && x !== null && printed.has(x as object))),
    onInterrupt: () => {
      s.core.interrupt();
    },
    // Every error of a piped line goes to the line's evaluation, however it was raised.
    onError: (e) => {
      if (current === undefined || current.settled || e instanceof repl.Recoverable) return false;
      current.resolve({ error: e });
      return true;
    },
  });
  setContext(server.context, s);
  const dot = makeDotContext(s, {
    onChange: () => undefined,
    exit: () => Promise.resolve(),
  });
  /**
   * One line, settled by its value, its error, or the watchdog: a line whose promise has not
   * settled after the call timeout with no call running is abandoned (a promise that never
   * resolves would otherwise end the script silently, or hang it while gates are open).
   */
  const evaluate = (code: string, lineNo: number): Promise<LineResult> => {
    let watch: NodeJS.Timeout | undefined;
    const startedAt = Date.now();
    return deadline<LineResult>(
      (line) => {
        current = line;
        watch = setInterval(() => {
          const idle = s.core.idleSince;
          const limitMs = s.core.defaults.timeoutS * 1000;
          if (idle !== undefined && Date.now() - Math.max(idle, startedAt) >= limitMs) {
            line.resolve({
              error: new UsageError('FTL_LINE_STUCK', `line ${String(lineNo)} did not finish: its promise has not settled after ${String(s.core.defaults.timeoutS)} s with no call running; going on with the next line`),
            });
          }
        }, WATCH_EVERY_MS);
        replEval(server).call(server, code, server.context, 'REPL', (err, value) => {
          line.resolve(err !== null ? { error: err } : { value });
        });
      },
      {
        cleanup: () => {
          clearInterval(watch);
          current = undefined;
        },
      },
    );
  };

  const rl = createInterface({ input, crlfDelay: Infinity, terminal: false });
  let buffer = '';
  let lineNo = 0;
  for await (const line of rl) {
    lineNo++;
    if (buffer === '' && /^\s*\.\w+/.test(line)) {
      const m = /^\s*\.(\w+)\s*(.*)$/.exec(line);
      const cmd = dotCommand(m?.[1] ?? '');
      if (cmd === undefined) {
        s.printError(new UsageError('FTL_USAGE', `unknown command '${line.trim()}'`, { hint: '.help lists the commands' }));
        outcome.note(EXIT.usage);
        continue;
      }
      if (cmd.name === 'exit') break;
      try {
        await cmd.run(m?.[2] ?? '', dot);
      } catch (e) {
        s.printError(e);
        outcome.note(EXIT.usage);
      }
      continue;
    }
    const code = `${buffer}${line}\n`;
    if (code.trim() === '') continue;
    const r = await evaluate(code, lineNo);
    if ('error' in r && r.error instanceof repl.Recoverable) {
      buffer = code;
      continue;
    }
    buffer = '';
    if ('error' in r) {
      s.printError(r.error);
      // A call refused before it touched any host (policy, no --yes) is 5, as ftl run's.
      outcome.note(exitCodeOfError(r.error));
      continue;
    }
    if (r.value !== undefined) setReplLast(server, r.value);
    if (r.value instanceof RunResult) outcome.note(exitCodeOf(r.value));
    if (r.value !== undefined) {
      await s.ready(r.value);
      s.print(s.show(r.value));
    }
  }
  if (buffer.trim() !== '') {
    s.printError(new UsageError('FTL_USAGE', 'the input ended inside an unfinished statement', { hint: 'close the brackets or quotes of the last statement' }));
    outcome.note(EXIT.usage);
  }
  rl.close();
  server.close();
  s.core.onResult = undefined;
  return outcome.exitCode;
}
