import { setMaxListeners } from 'node:events';
import { FtlError, describeError } from '../base/errors.js';
import { mapLimit } from '../base/limit.js';
import { ProgressTracker } from './progress.js';
import { RunResult } from './result.js';
import type { BecomeSpec, HostFacts, HostOutcome, HostResult, PreparedCall, RunProgress } from '../base/types.js';

export type { BecomeSpec, HostOutcome, PreparedCall } from '../base/types.js';

/** Per-call options, given as the second argument of a module call; never mixed into module args. */
export interface CallOptions {
  check?: boolean;
  diff?: boolean;
  /** true: become ansible_become_user (default root); a string: become that user; false: never. */
  become?: boolean | string;
  /** Seconds per host; undefined: the session default. */
  timeout?: number;
  /** Bytes of stdout (and of stderr) a host's result may carry; more is cut (truncated: true). Default 16 MiB. */
  maxOutput?: number;
  forks?: number;
  /** Variables for a template call (a task's `vars:` in a playbook), over the host's own. */
  vars?: Record<string, unknown>;
  /** setup: gather facts again instead of answering from this session's cache. */
  refresh?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
}

export interface RunnerDefaults {
  forks: number;
  timeoutS: number;
  check: boolean;
  diff: boolean;
  /** Become user for every call (the REPL's .become), or undefined. */
  become: string | undefined;
  /** Bytes of output per stream a result may carry; undefined: the gate request's default (16 MiB). */
  maxOutput?: number | undefined;
}

/** Turns an error thrown while reaching or talking to a host into that host's outcome. */
export function outcomeOfError(e: unknown, timeoutS: number): HostOutcome {
  const msg = describeError(e);
  if (e instanceof FtlError) {
    switch (e.code) {
      case 'FTL_CANCELLED':
        return { status: 'cancelled', result: { msg: 'cancelled', changed: false } };
      case 'FTL_GATE_TIMEOUT':
        return { status: 'failed', result: { failed: true, msg: `timed out after ${timeoutS} s (${e.message})`, changed: false } };
      case 'FTL_BAD_ARGS':
      case 'FTL_MODULE_NOT_FOUND':
      case 'FTL_BECOME':
      case 'FTL_BECOME_PASSWORD':
      case 'FTL_NO_TERMINAL':
      case 'FTL_GATE_ERROR':
      case 'FTL_PROTOCOL_TOO_LARGE': // a request over the frame limit is never sent: the host is as reachable as before
        return { status: 'failed', result: { failed: true, msg, changed: false } };
      default:
        if (e.code.startsWith('FTL_SSH_') || e.code.startsWith('FTL_GATE_') || e.code.startsWith('FTL_PROTOCOL_')) {
          return { status: 'unreachable', result: { unreachable: true, msg, changed: false } };
        }
    }
  }
  return { status: 'failed', result: { failed: true, msg, changed: false } };
}

export function becomeFor(facts: HostFacts, opt: boolean | string | undefined, dflt: string | undefined): BecomeSpec | undefined {
  let user: string | undefined;
  if (typeof opt === 'string') user = opt;
  else if (opt === true) user = facts.becomeUser ?? 'root';
  else if (opt === false) user = undefined;
  else if (dflt !== undefined) user = dflt;
  else if (facts.become) user = facts.becomeUser ?? 'root';
  if (user === undefined) return undefined;
  return { user, password: facts.becomePassword };
}

/** Fans a prepared call out to hosts with a concurrency limit, collecting every host's outcome. */
export async function runOnHosts(
  pattern: string,
  hosts: readonly string[],
  call: PreparedCall,
  factsOf: (host: string) => HostFacts,
  defaults: RunnerDefaults,
  opts: CallOptions,
  now: () => number = Date.now,
): Promise<RunResult> {
  const startedAt = new Date(now());
  const t0 = now();
  const timeoutS = opts.timeout ?? defaults.timeoutS;
  const tracker = new ProgressTracker(hosts.length, now);
  const abort = new AbortController();
  // Every host in flight listens on this one signal (and lets go when done): hundreds of
  // listeners are the design, not a leak for Node to warn about on the user's screen.
  setMaxListeners(0, abort.signal);
  const outer = opts.signal;
  const onOuterAbort = (): void => {
    abort.abort();
  };
  if (outer?.aborted === true) abort.abort();
  else outer?.addEventListener('abort', onOuterAbort, { once: true });

  const report = (): void => opts.onProgress?.(tracker.snapshot());
  try {
    const results = await mapLimit(hosts, opts.forks ?? defaults.forks, async (host): Promise<HostResult> => {
      const startedMs = now() - t0;
      if (abort.signal.aborted) {
        tracker.finish(host, 'cancelled');
        report();
        return { host, status: 'cancelled', result: { msg: 'cancelled before it started', changed: false }, startedMs, durationMs: 0 };
      }
      tracker.start(host);
      report();
      let outcome: HostOutcome;
      try {
        const facts = factsOf(host);
        outcome = await call.run(host, facts, becomeFor(facts, opts.become, defaults.become), { timeoutMs: timeoutS * 1000, signal: abort.signal, maxOutput: opts.maxOutput ?? defaults.maxOutput });
      } catch (e) {
        outcome = outcomeOfError(e, timeoutS);
      }
      tracker.finish(host, outcome.status);
      report();
      return { host, status: outcome.status, result: outcome.result, startedMs, durationMs: now() - t0 - startedMs };
    });
    return new RunResult({ pattern, module: call.module, args: call.shownArgs, startedAt, durationMs: now() - t0, hosts: results });
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
  }
}
