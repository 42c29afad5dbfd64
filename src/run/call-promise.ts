import { inspect } from 'node:util';
import { UsageError } from '../base/errors.js';
import type { RunResult } from './result.js';

/** What a RunResult answers: read on a call's promise, they say what to write instead of being silently undefined. */
const RESULT_MEMBERS = ['ok', 'changed', 'failed', 'unreachable', 'skipped', 'cancelled', 'hosts', 'host', 'success', 'pattern', 'module', 'args', 'durationMs', 'startedAt'] as const;

/**
 * The promise a module call returns. `r = ftl.web.ping()` (no await) keeps this promise;
 * once it has settled, `r.ok`, `r.failed`, `r.host('x')` answer from its result, as the
 * RunResult would. Before, they throw an error that says to await it: never undefined.
 */
export class CallPromise extends Promise<RunResult> {
  // then/catch/finally give plain promises: only the call's own promise answers for its result.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  private settled: { result: RunResult } | { error: unknown } | undefined;

  static of(p: Promise<RunResult>): CallPromise {
    let settle: ((r: RunResult) => void) | undefined;
    let fail: ((e: unknown) => void) | undefined;
    const cp = new CallPromise((res, rej) => {
      settle = res;
      fail = rej;
    });
    p.then(
      (r) => {
        cp.settled = { result: r };
        settle?.(r);
      },
      (e: unknown) => {
        cp.settled = { error: e };
        fail?.(e);
      },
    );
    return cp;
  }

  [inspect.custom](): string {
    if (this.settled === undefined) return 'Promise { <call running> }';
    return 'result' in this.settled ? `Promise { ${inspect(this.settled.result)} }` : 'Promise { <call failed> }';
  }

  /** The settled result, or an error that says how to get it. */
  result(member: string): RunResult {
    if (this.settled !== undefined && 'result' in this.settled) return this.settled.result;
    const why = this.settled === undefined ? 'the call has not finished yet' : 'the call failed';
    throw new UsageError('FTL_USAGE', `.${member} was read on a call's promise, not its result: ${why}`, {
      hint: 'write r = await ftl.web.ping() to keep the result (ftl.last is always the last one)',
    });
  }
}

for (const name of RESULT_MEMBERS) {
  Reflect.defineProperty(CallPromise.prototype, name, {
    configurable: true,
    get(this: CallPromise): unknown {
      const r = this.result(name);
      const v = (r as unknown as Record<string, unknown>)[name];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(r) : v;
    },
  });
}
