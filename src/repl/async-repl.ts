import repl, { type REPLServer } from 'node:repl';
import type { Readable, Writable } from 'node:stream';
import { replCompleter, replDomain, replEval, setReplCompleter, setReplEval, type CompleterCallback, type EvalCallback, type EvalFn } from './node-internals.js';

/**
 * node:repl with two additions and nothing ftl-specific:
 *  - results that are promises are awaited before they are printed (auto-await), and
 *  - Ctrl-C while such a promise is pending calls `onInterrupt` instead of the REPL's
 *    own handler, so the caller can cancel the work and still get a value back.
 * Everything else (top-level await, multi-line input, completion fallback, `_`) is
 * node:repl's own.
 */
export interface AsyncReplOptions {
  input: Readable;
  output: Writable;
  terminal: boolean;
  prompt: string;
  /** Called on Ctrl-C while an awaited result is pending. */
  onInterrupt: () => void;
  /**
   * Whether nothing the interrupt can cancel is running (no call in flight): a Ctrl-C then
   * abandons the pending promise at once and gives the prompt back. A second Ctrl-C always does.
   */
  idle?: () => boolean;
  /** Said when a pending line is abandoned. */
  onAbandon?: () => void;
  /** Formats a value for output; node's inspect when undefined. */
  writer?: (value: unknown) => string;
  completer?: (line: string) => Promise<[string[], string] | undefined> | [string[], string] | undefined;
  /**
   * Shows an evaluation error its own way; true means shown (the REPL then prints
   * nothing more). Never called for incomplete input that continues on the next line.
   */
  onError?: (e: unknown) => boolean;
  /** Called before and after each awaited evaluation. */
  onBusy?: (busy: boolean) => void;
  /** Awaited before a value goes to the writer (which is synchronous): load what printing it needs. */
  beforeWrite?: (value: unknown) => Promise<void> | undefined;
}


function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** After a Ctrl-C, how often to look whether the cancelled calls have ended while the line still waits. */
const ABANDON_POLL_MS = 250;

export function startAsyncRepl(opts: AsyncReplOptions): REPLServer {
  const server = repl.start({
    prompt: opts.prompt,
    input: opts.input,
    output: opts.output,
    terminal: opts.terminal,
    useColors: opts.terminal,
    ignoreUndefined: true,
    // Previews evaluate what is being typed; a module call must never run before Enter.
    preview: false,
    ...(opts.writer === undefined ? {} : { writer: opts.writer }),
  });

  const defaultEval = replEval(server);
  const awaitEval: EvalFn = (code, context, file, done) => {
    const cb: EvalCallback = (err, value) => {
      const ready = err === null ? opts.beforeWrite?.(value) : undefined;
      if (ready === undefined) {
        done(err, value);
        return;
      }
      ready.then(
        () => {
          done(null, value);
        },
        (e: unknown) => {
          done(e instanceof Error ? e : new Error(String(e)));
        },
      );
    };
    defaultEval.call(server, code, context, file, (err, value) => {
      if (err !== null) {
        if (!(err instanceof repl.Recoverable) && opts.onError?.(err) === true) cb(null, undefined);
        else cb(err);
        return;
      }
      if (!isThenable(value)) {
        cb(null, value);
        return;
      }
      // Our own Ctrl-C handling while the promise is pending; the REPL's comes back after.
      const saved = server.listeners('SIGINT') as ((...a: unknown[]) => void)[];
      server.removeAllListeners('SIGINT');
      let over = false;
      let interrupts = 0;
      let waitIdle: NodeJS.Timeout | undefined;
      const restore = (): boolean => {
        if (over) return false;
        over = true;
        clearInterval(waitIdle);
        server.removeListener('SIGINT', onSigint);
        for (const l of saved) server.on('SIGINT', l);
        opts.onBusy?.(false);
        return true;
      };
      // A promise that never settles must not keep the prompt away: it is left to itself.
      const abandon = (): void => {
        if (!restore()) return;
        opts.onAbandon?.();
        cb(null, undefined);
      };
      function onSigint(): void {
        interrupts++;
        opts.onInterrupt();
        if (interrupts > 1 || opts.idle?.() === true) {
          abandon();
          return;
        }
        // Calls were cancelled: the line settles when they have ended, unless it awaits more.
        waitIdle ??= setInterval(() => {
          if (opts.idle?.() === true) abandon();
        }, ABANDON_POLL_MS);
      }
      server.on('SIGINT', onSigint);
      opts.onBusy?.(true);
      Promise.resolve(value).then(
        (v) => {
          if (restore()) cb(null, v);
        },
        (e: unknown) => {
          if (!restore()) return;
          if (opts.onError?.(e) === true) cb(null, undefined);
          else cb(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  };
  setReplEval(server, awaitEval);

  // Errors thrown while evaluating reach the REPL's domain, not the eval callback; let
  // onError show ours (one line) and leave the rest to node's own handler.
  const dom = replDomain(server);
  if (dom !== undefined && opts.onError !== undefined) {
    const onError = opts.onError;
    const original = dom.listeners('error') as ((e: unknown) => void)[];
    dom.removeAllListeners('error');
    dom.on('error', (e: unknown) => {
      if (onError(e)) {
        server.clearBufferedCommand();
        server.displayPrompt();
        return;
      }
      for (const l of original) l.call(dom, e);
    });
  }

  if (opts.completer !== undefined) {
    const fallback = replCompleter(server);
    const ours = opts.completer;
    setReplCompleter(server, (line: string, cb: CompleterCallback): void => {
      Promise.resolve()
        .then(() => ours(line))
        .then(
          (r) => {
            if (r === undefined) fallback(line, cb);
            else cb(null, r);
          },
          () => {
            fallback(line, cb);
          },
        );
    });
  }
  return server;
}
