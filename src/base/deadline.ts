import { onAbort } from './abort-fanout.js';

/**
 * One settle point for work that may end by its own answer, a deadline or an abort
 * signal, whichever comes first. The timer and the abort listener are cleared once,
 * when the promise settles, however it settles; later calls to resolve/reject do nothing.
 */
export interface Settler<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  /** True once the promise has settled (a late answer can be dropped early). */
  readonly settled: boolean;
}

export interface DeadlineOptions {
  /** Milliseconds until onTimeout; undefined, 0 or Infinity: no deadline. */
  ms?: number | undefined;
  signal?: AbortSignal | undefined;
  /** The error a timeout rejects with (called once, when the time is up). */
  onTimeout?: () => unknown;
  /** The error an abort rejects with (called once); default: the signal's reason. */
  onAbort?: () => unknown;
  /** Runs once when the promise settles, whatever settled it (close a socket, kill a child). */
  cleanup?: () => void;
}

export function deadline<T>(start: (s: Settler<T>) => void, opts: DeadlineOptions = {}): Promise<T> {
  return new Promise<T>((resolvePromise, rejectPromise) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let stopListening: (() => void) | undefined;
    const { signal } = opts;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      stopListening?.();
      opts.cleanup?.();
      return true;
    };
    const settler: Settler<T> = {
      resolve(value) {
        if (finish()) resolvePromise(value);
      },
      reject(error) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's error, passed through as given
        if (finish()) rejectPromise(error);
      },
      get settled() {
        return done;
      },
    };
    function abortNow(): void {
      settler.reject(opts.onAbort?.() ?? signal?.reason ?? new Error('aborted'));
    }
    if (signal?.aborted === true) {
      abortNow();
      return;
    }
    if (signal !== undefined) stopListening = onAbort(signal, abortNow);
    const ms = opts.ms;
    if (ms !== undefined && ms > 0 && Number.isFinite(ms)) {
      timer = setTimeout(() => {
        settler.reject(opts.onTimeout?.() ?? new Error(`timed out after ${String(ms / 1000)} s`));
      }, ms);
    }
    try {
      start(settler);
    } catch (e) {
      settler.reject(e);
    }
  });
}

/** A promise that gives up at the deadline or on abort; the work itself goes on unless cleanup stops it. */
export function withDeadline<T>(work: Promise<T>, opts: DeadlineOptions): Promise<T> {
  return deadline<T>((s) => {
    work.then(
      (v) => {
        s.resolve(v);
      },
      (e: unknown) => {
        s.reject(e);
      },
    );
  }, opts);
}
