/**
 * ansible.builtin.wait_for_connection: wait until the host's gate answers a ping,
 * reconnecting (a new SSH connection, a new gate) between tries, as after a reboot.
 * Options as Ansible's: timeout (600), delay (0), sleep (1), connect_timeout (5), in seconds.
 */
import { describeError, FtlError, GateError } from '../base/errors.js';
import { num } from './args.js';
import type { Action, ActionContext } from './types.js';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new GateError('FTL_CANCELLED', 'wait_for_connection cancelled'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new GateError('FTL_CANCELLED', 'wait_for_connection cancelled'));
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Rejects when `p` takes longer than ms; `p` goes on (a gate still opening is shared by the next try). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    t = setTimeout(() => {
      reject(new GateError('FTL_GATE_TIMEOUT', `${what} took longer than ${ms / 1000} s`));
    }, ms);
  });
  return Promise.race([p, late]).finally(() => {
    clearTimeout(t);
  });
}

/** One try: open (or reuse) the gate and ping it through the native ping. */
async function ping(ctx: ActionContext, connectTimeoutS: number): Promise<void> {
  const ms = connectTimeoutS * 1000;
  const gate = await within(ctx.gate(), ms, 'connecting');
  const reply = await gate.request('FTLModule', { module_name: 'ping', module_args: {} }, { timeoutMs: ms, signal: ctx.signal });
  const result = reply.data.result as Record<string, unknown> | undefined;
  if (result?.ping !== 'pong') throw new GateError('FTL_GATE_ERROR', 'ping test failed');
}

export const waitForConnection: Action = {
  prepare(args) {
    const connectTimeout = num(args, 'connect_timeout', 5);
    const delay = num(args, 'delay', 0);
    const pause = num(args, 'sleep', 1);
    const timeout = num(args, 'timeout', 600);
    return async (ctx) => {
      if (ctx.check) return { status: 'skipped', result: { skipped: true, changed: false } };
      const start = Date.now();
      if (delay > 0) await sleep(delay * 1000, ctx.signal);
      const deadline = Date.now() + timeout * 1000;
      let last: unknown;
      let done = false;
      while (!done && Date.now() < deadline) {
        try {
          await ping(ctx, connectTimeout);
          done = true;
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          last = e;
          await sleep(pause * 1000, ctx.signal);
        }
      }
      const elapsed = Math.floor((Date.now() - start) / 1000);
      if (done) return { status: 'ok', result: { elapsed, changed: false } };
      return { status: 'failed', result: { failed: true, msg: `timed out waiting for ping module test: ${last instanceof FtlError ? last.message : describeError(last)}`, elapsed, changed: false } };
    };
  },
};
