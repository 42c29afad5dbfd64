import repl, { type REPLServer } from 'node:repl';
import type { Readable, Writable } from 'node:stream';
import {
  replCompleter,
  replDomain,
  replEval,
  replTtyWrite,
  setReplCompleter,
  setReplEval,
  setReplLast,
  setReplTtyWrite,
  type CompleterCallback,
  type EvalCallback,
  type EvalFn,
} from './node-internals.js';

/**
 * node:repl with a few additions and nothing ftl-specific:
 *  - results that are promises are awaited before they are printed (auto-await),
 *  - Ctrl-C while a line runs calls `onInterrupt` instead of the REPL's own handler, so
 *    the caller can cancel the work and still get a value back,
 *  - one line at a time: what is typed while a line runs waits (unseen) and is replayed
 *    at the prompt when the line has finished, as if typed there; Ctrl-C drops it;
 *    Ctrl-L clears the screen at once (replayed after the line, it would wipe the result).
 * Everything else (top-level await, multi-line input, completion fallback, `_`) is
 * node:repl's own.
 */
export interface AsyncReplOptions {
  input: Readable;
  output: Writable;
  terminal: boolean;
  prompt: string;
  /** Called on Ctrl-C while a line runs. */
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
  /** Called when a line (or a dot-command) starts running, and when it has finished and the prompt is back. */
  onBusy?: (busy: boolean) => void;
  /** Awaited before a value goes to the writer (which is synchronous): load what printing it needs. */
  beforeWrite?: (value: unknown) => Promise<void> | undefined;
  /** A value that was shown already (a call's result prints when the call ends): the line prints nothing more, `_` still gets it. */
  shown?: (value: unknown) => boolean;
  /** How many typed lines wait for the running one (after each change). */
  onQueued?: (lines: number) => void;
  /** Ctrl-L cleared the screen while a line ran: redraw what the caller keeps on screen. */
  onClearScreen?: () => void;
}

export interface AsyncRepl {
  readonly server: REPLServer;
  /** Whether a line or a dot-command is running (the prompt is not on screen). */
  busy(): boolean;
  /** Runs work as a line runs (a dot-command that makes calls): typing waits, Ctrl-C reaches onInterrupt. */
  hold<T>(work: () => Promise<T>): Promise<T>;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** After a Ctrl-C, how often to look whether the cancelled calls have ended while the line still waits. */
const ABANDON_POLL_MS = 250;

function isBrokenOff(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED';
}

type Key = { ctrl?: boolean; name?: string; sequence?: string } | undefined;

export function startAsyncRepl(opts: AsyncReplOptions): AsyncRepl {
  const server = repl.start({
    prompt: opts.prompt,
    input: opts.input,
    output: opts.output,
    terminal: opts.terminal,
    useColors: opts.terminal,
    ignoreUndefined: true,
    // Previews evaluate what is being typed; a module call must never run before Enter.
    preview: false,
    // A line awaiting at top level can be broken off (node's own promise race); see abandon().
    breakEvalOnSigint: true,
    ...(opts.writer === undefined ? {} : { writer: opts.writer }),
  });
  // node's own Ctrl-C handler: it holds the race that ends a top-level await (the caller may replace the listeners).
  const nodeSigint = server.listeners('SIGINT')[0] as ((this: REPLServer) => void) | undefined;

  // ---- one line at a time ----
  let depth = 0;
  const waiting: [string | undefined, Key][] = [];
  const queuedLines = (): number => waiting.filter(([, k]) => k?.name === 'return' || k?.name === 'enter').length;
  const ttyWrite = replTtyWrite(server);
  const begin = (): void => {
    if (depth++ === 0) opts.onBusy?.(true);
  };
  const end = (): void => {
    if (depth === 0) return;
    if (--depth > 0) return;
    opts.onBusy?.(false);
    if (ttyWrite === undefined) return;
    // Typed while the line ran: replayed at the prompt, up to the next line that runs.
    while (depth === 0 && waiting.length > 0) {
      const [d, k] = waiting.shift() ?? [undefined, undefined];
      ttyWrite(d, k);
    }
    opts.onQueued?.(queuedLines());
  };
  if (ttyWrite !== undefined && opts.terminal) {
    setReplTtyWrite(server, (d, key) => {
      if (depth === 0) {
        ttyWrite(d, key);
        return;
      }
      if (key?.ctrl === true && key.name === 'c') {
        // Ctrl-C cancels the running line and drops what was typed after it.
        waiting.length = 0;
        opts.onQueued?.(0);
        server.emit('SIGINT');
        return;
      }
      if (key?.ctrl === true && key.name === 'l') {
        // Now, not queued: replayed when the line ends, it would clear away the result just printed.
        opts.output.write('\x1b[H\x1b[J');
        opts.onClearScreen?.();
        return;
      }
      waiting.push([d, key]);
      opts.onQueued?.(queuedLines());
    });
  }

  // ---- the line being evaluated ----
  let current: { over: boolean; finish: () => void } | undefined;
  /** Top-level awaits we broke off: node reports each as an error, which is no news to anyone. */
  let brokenOff = 0;
  const defaultEval = replEval(server);
  const awaitEval: EvalFn = (code, context, file, done) => {
    begin();
    const saved = server.listeners('SIGINT') as ((...a: unknown[]) => void)[];
    server.removeAllListeners('SIGINT');
    let interrupts = 0;
    let waitIdle: NodeJS.Timeout | undefined;
    /** Whether node is still inside the line (a top-level await), not us awaiting its value. */
    let inNode = true;
    const line: { over: boolean; finish: () => void } = { over: false, finish: () => undefined };
    current = line;
    const restore = (): boolean => {
      if (line.over) return false;
      line.over = true;
      if (current === line) current = undefined;
      clearInterval(waitIdle);
      server.removeListener('SIGINT', onSigint);
      for (const l of saved) server.on('SIGINT', l);
      return true;
    };
    /** Ends the line: the value goes to node (which prints it and the prompt), then what was typed meanwhile runs. */
    const settle = (err: Error | null, value?: unknown): void => {
      if (!restore()) return;
      const ready = err === null ? opts.beforeWrite?.(value) : undefined;
      const deliver = (e: Error | null, v?: unknown): void => {
        if (e === null && opts.shown?.(v) === true) {
          setReplLast(server, v);
          done(null, undefined);
        } else if (e === null) done(null, v);
        else done(e);
        end();
      };
      if (ready === undefined) deliver(err, value);
      else
        ready.then(
          () => {
            deliver(null, value);
          },
          (e: unknown) => {
            deliver(e instanceof Error ? e : new Error(String(e)));
          },
        );
    };
    // The domain caught an error of this line and showed it (node printed the prompt): the line is over.
    line.finish = () => {
      if (restore()) end();
    };
    // A promise that never settles must not keep the prompt away: it is left to itself.
    const abandon = (): void => {
      if (line.over) return;
      if (inNode && nodeSigint !== undefined) {
        // node awaits the line itself (top-level await): its own race ends it, and it lets go of the keyboard.
        brokenOff++;
        nodeSigint.call(server);
      }
      opts.onAbandon?.();
      settle(null, undefined);
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

    defaultEval.call(server, code, context, file, (err, value) => {
      inNode = false;
      if (line.over) {
        if (err !== null && isBrokenOff(err)) brokenOff = Math.max(0, brokenOff - 1);
        return;
      }
      if (err !== null) {
        if (!(err instanceof repl.Recoverable) && opts.onError?.(err) === true) settle(null, undefined);
        else settle(err);
        return;
      }
      if (!isThenable(value)) {
        settle(null, value);
        return;
      }
      Promise.resolve(value).then(
        (v) => {
          settle(null, v);
        },
        (e: unknown) => {
          if (line.over) return;
          if (opts.onError?.(e) === true) settle(null, undefined);
          else settle(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  };
  setReplEval(server, awaitEval);

  // Errors thrown while evaluating reach the REPL's domain, not the eval callback; let
  // onError show ours (one line) and leave the rest to node's own handler.
  const dom = replDomain(server);
  if (dom !== undefined) {
    const onError = opts.onError;
    const original = dom.listeners('error') as ((e: unknown) => void)[];
    dom.removeAllListeners('error');
    dom.on('error', (e: unknown) => {
      if (brokenOff > 0 && isBrokenOff(e)) {
        brokenOff--;
        return;
      }
      const line = current;
      if (onError?.(e) === true) {
        server.clearBufferedCommand();
        server.displayPrompt();
      } else for (const l of original) l.call(dom, e);
      line?.finish();
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
  return {
    server,
    busy: () => depth > 0,
    async hold(work) {
      begin();
      const saved = server.listeners('SIGINT') as ((...a: unknown[]) => void)[];
      server.removeAllListeners('SIGINT');
      const onSigint = (): void => {
        opts.onInterrupt();
      };
      server.on('SIGINT', onSigint);
      try {
        return await work();
      } finally {
        server.removeListener('SIGINT', onSigint);
        for (const l of saved) server.on('SIGINT', l);
        end();
      }
    },
  };
}

export type { EvalCallback };
