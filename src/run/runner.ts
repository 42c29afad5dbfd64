import { setMaxListeners } from 'node:events';
import { FtlError, HOST_STATUS_OF_ERROR, InventoryError, describeError } from '../base/errors.js';
import { SecretValues } from '../base/secrets.js';
import { refusalFor } from '../inventory/facts.js';
import { mapLimit } from '../base/limit.js';
import { startPacer } from '../base/pacer.js';
import { ProgressTracker } from './progress.js';
import { Rollout, type RolloutOptions } from './batches.js';
import { RunResult } from './result.js';
import type { BecomeSpec, HostFacts, HostOutcome, HostResult, Observation, PreparedCall, RunProgress } from '../base/types.js';

export type { BecomeSpec, HostOutcome, PreparedCall } from '../base/types.js';

/** Per-call options, given as the second argument of a module call; never mixed into module args. */
export interface CallOptions extends RolloutOptions {
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
  /** false: no failure observations (service status, ls, df, ...) for this call. Default: the session's (on). */
  observe?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Each host's result as it finishes (an ftl worker publishes them over NATS as they come). */
  onHostResult?: (r: HostResult) => void;
}

export interface RunnerDefaults {
  forks: number;
  timeoutS: number;
  check: boolean;
  diff: boolean;
  /**
   * Become for every call (-b, the REPL's .become): a user, or true for each host's own
   * become user (ansible_become_user, else root); undefined: as the inventory says.
   */
  become: string | true | undefined;
  /** Bytes of output per stream a result may carry; undefined: the gate request's default (16 MiB). */
  maxOutput?: number | undefined;
  /** Failure observations (the REPL's .observe, --no-observe); undefined: on. */
  observe?: boolean | undefined;
}

/**
 * Looks around a host where the call failed (its service, path, command): read-only
 * commands through the same gate, each by `deadline` (Date.now() ms) at the latest.
 */
export type Observer = (host: string, facts: HostFacts, become: BecomeSpec | undefined, deadline: number, signal: AbortSignal) => Promise<Observation[]>;

/** Turns an error thrown while reaching or talking to a host into that host's outcome (by its code: base/errors.ts HOST_STATUS_OF_ERROR). */
export function outcomeOfError(e: unknown, timeoutS: number, host?: string): HostOutcome {
  // The host's own result names it already; another host (a jump host) is still named.
  const msg = e instanceof FtlError && (e.host === undefined || e.host === host) ? `${e.message} (${e.hint})` : describeError(e);
  const status = e instanceof FtlError ? HOST_STATUS_OF_ERROR[e.code] : 'failed';
  switch (status) {
    case 'cancelled':
      return { status, result: { msg: 'cancelled', changed: false } };
    case 'unreachable':
      return { status, result: { unreachable: true, msg, changed: false } };
    case 'failed': {
      const timedOut = e instanceof FtlError && e.code === 'FTL_GATE_TIMEOUT';
      // The time once, what did not finish, and how to allow more.
      const late = timedOut ? `timed out after ${timeoutS} s: ${e.message.replace(/ (within|longer than) [\d.]+ s$/, '')} (allow more with { timeout: S } on the call, .timeout S, or --timeout S)` : msg;
      return { status, result: { failed: true, msg: late, changed: false } };
    }
  }
}

export function becomeFor(facts: HostFacts, opt: boolean | string | undefined, dflt: string | true | undefined): BecomeSpec | undefined {
  let user: string | undefined;
  if (typeof opt === 'string') user = opt;
  else if (opt === true) user = facts.becomeUser ?? 'root';
  else if (opt === false) user = undefined;
  else if (typeof dflt === 'string') user = dflt;
  else if (dflt === true || facts.become) user = facts.becomeUser ?? 'root';
  if (user === undefined) return undefined;
  return { user, password: facts.becomePassword, method: facts.becomeMethod, ...(facts.becomeFlags === undefined ? {} : { flags: facts.becomeFlags }) };
}

/**
 * Refuses the call, before any host is touched, when a host's connection or (for a call
 * that becomes another user there) become method is one ftl does not have: one line,
 * naming the first such host and its value, and how many more there are.
 */
export function refuseUnsupported(hosts: readonly string[], factsOf: (host: string) => HostFacts, opt: boolean | string | undefined, dflt: string | true | undefined): void {
  const refused = hosts.flatMap((h) => {
    const facts = factsOf(h);
    const why = refusalFor(facts, becomeFor(facts, opt, dflt) !== undefined);
    return why === undefined ? [] : [why];
  });
  const [first] = refused;
  if (first === undefined) return;
  if (refused.length === 1) throw first;
  const more = refused.slice(1).map((e) => e.host ?? '?');
  const shown = more.slice(0, 3).join(', ') + (more.length > 3 ? ', ...' : '');
  throw new InventoryError(first.code, `${first.message} (and ${String(more.length)} more host${more.length === 1 ? '' : 's'}: ${shown})`, { host: first.host, hint: first.hint });
}

/** Read again after an await (a Ctrl-C may have come meanwhile), where the compiler narrowed it before. */
function cancelledNow(signal: AbortSignal): boolean {
  return signal.aborted;
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
  secrets: SecretValues = new SecretValues(),
  observer?: Observer,
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
  const rollout = new Rollout(hosts, opts);
  const skipped = (host: string, why: string): HostResult => {
    tracker.finish(host, 'skipped');
    report();
    return { host, status: 'skipped', result: { skipped: true, msg: `not started: ${why}`, changed: false }, startedMs: now() - t0, durationMs: 0 };
  };
  const runHost = async (host: string): Promise<HostResult> => {
    // Thousands of hosts start in slices of the event loop, so keypresses and replies get through.
    const turn = startPacer.turn();
    if (turn !== undefined) await turn;
    const r = await runHostOnce(host);
    opts.onHostResult?.(r);
    return r;
  };
  const runHostOnce = async (host: string): Promise<HostResult> => {
    const startedMs = now() - t0;
    if (abort.signal.aborted) {
      tracker.finish(host, 'cancelled');
      report();
      return { host, status: 'cancelled', result: { msg: 'cancelled before it started', changed: false }, startedMs, durationMs: 0 };
    }
    // Canary, fail-fast and max-fail stop new hosts from starting; those already running finish.
    const stop = rollout.stopped;
    if (stop !== undefined) return skipped(host, stop);
    tracker.start(host);
    report();
    let outcome: HostOutcome;
    let observations: Observation[] = [];
    const deadline = Date.now() + timeoutS * 1000;
    // Set once the host's facts are known: an observation needs them (a host never reached has none).
    const reached: { facts?: HostFacts; become?: BecomeSpec | undefined } = {};
    try {
      const facts = factsOf(host);
      // The inventory's passwords are secrets too: an echo of one must not reach the screen.
      secrets.add(facts.password);
      secrets.add(facts.becomePassword);
      const become = becomeFor(facts, opts.become, defaults.become);
      reached.facts = facts;
      reached.become = become;
      outcome = await call.run(host, facts, become, { timeoutMs: timeoutS * 1000, signal: abort.signal, maxOutput: opts.maxOutput ?? defaults.maxOutput });
    } catch (e) {
      outcome = outcomeOfError(e, timeoutS, host);
    }
    if (outcome.status === 'failed' && observer !== undefined && reached.facts !== undefined && !cancelledNow(abort.signal)) {
      try {
        observations = await observer(host, reached.facts, reached.become, deadline, abort.signal);
      } catch {
        // Looking around must never make a failure worse or hide it.
      }
    }
    tracker.finish(host, outcome.status);
    rollout.finished(host, outcome.status);
    report();
    const masked = secrets.mask(outcome.result, call.secrets ?? []);
    const durationMs = now() - t0 - startedMs;
    if (observations.length === 0) return { host, status: outcome.status, result: masked, startedMs, durationMs };
    return { host, status: outcome.status, result: masked, startedMs, durationMs, observations: secrets.mask(observations, call.secrets ?? []) };
  };
  try {
    const byHost = new Map<string, HostResult>();
    for (const [i, batch] of rollout.batches.entries()) {
      const done = await mapLimit(batch, opts.forks ?? defaults.forks, runHost);
      for (const r of done) byHost.set(r.host, r);
      rollout.batchDone(i, done);
    }
    // In inventory order, whatever order the batches ran in.
    const results = hosts.map((h) => byHost.get(h)).filter((r): r is HostResult => r !== undefined);
    // Masked at the end: secrets met while the call ran (inventory passwords of its hosts) count too.
    return new RunResult({ pattern, module: call.module, args: secrets.mask(call.shownArgs, call.secrets ?? []), startedAt, durationMs: now() - t0, hosts: results });
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
  }
}
