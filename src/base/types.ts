/**
 * Types shared across layers: the result model (runner, UI, scripts), and what a call
 * is and returns on one host (run, actions, hosts). Upper layers meet here, never in
 * each other's internals.
 */
import type { HostFacts } from './host-facts.js';

export type { HostFacts } from './host-facts.js';

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped' | 'cancelled';

export const HOST_STATUSES: readonly HostStatus[] = ['ok', 'changed', 'failed', 'unreachable', 'skipped', 'cancelled'];

/** A read-only command run on a host after a failure there (FTL2's failure observations). */
export interface Observation {
  /** As shown: `systemctl status nginx --no-pager`. */
  readonly command: string;
  readonly rc: number;
  /** What it printed (stdout, then stderr), or its error message; cut when long. */
  readonly output: string;
}

/** What one host returned for one call. */
export interface HostResult {
  readonly host: string;
  readonly status: HostStatus;
  /** The module's JSON as returned (for unreachable/cancelled: { msg }). no_log values masked. */
  readonly result: Readonly<Record<string, unknown>>;
  /** Milliseconds since the call started, when this host started and finished. */
  readonly startedMs: number;
  readonly durationMs: number;
  /** After a failure: what read-only commands on the host showed (service status, ls, df, ...). */
  readonly observations?: readonly Observation[];
}

/** One call on a set of hosts. A failed host is a value here, never an exception. */
export interface RunResultData {
  readonly pattern: string;
  readonly module: string;
  /** The args as given, with no_log values masked. */
  readonly args: Readonly<Record<string, unknown>>;
  readonly startedAt: Date;
  readonly durationMs: number;
  /** Per host, in inventory order. */
  readonly hosts: readonly HostResult[];
}

/** Live progress of a call, for the progress display. */
/** How many of the running hosts a progress event names. */
export const PROGRESS_SLOWEST = 16;

export interface RunProgress {
  readonly total: number;
  readonly done: number;
  /**
   * The longest-running hosts, slowest first: at most 16 of them, so a progress
   * event on 10,000 hosts costs the same as on 10 (a full list per event grew with hosts squared).
   */
  readonly running: readonly { host: string; elapsedMs: number }[];
  /** How many hosts are still running, all of them. */
  readonly runningCount: number;
  readonly counts: Readonly<Record<HostStatus, number>>;
}

/** Who a gate runs as on the host. */
export interface BecomeSpec {
  readonly user: string;
  readonly password?: string | undefined;
  /** How: sudo (the default) or su, as ansible_become_method says. */
  readonly method?: 'sudo' | 'su' | undefined;
  /** ansible_become_flags as written: sudo's instead of its default -H; su's as given. */
  readonly flags?: string | undefined;
}

/** What one host ended with, before timings are added. */
export interface HostOutcome {
  readonly status: HostStatus;
  readonly result: Record<string, unknown>;
}

/** How one host's part of a call runs: its time, its cancel signal, how much output a reply may carry. */
export interface HostRunOptions {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Bytes of stdout (and of stderr) a result may carry; more is cut, and the result says truncated. Default 16 MiB. */
  readonly maxOutput?: number | undefined;
}

/** A call checked and prepared on the controller, once, before any host is touched. */
export interface PreparedCall {
  readonly module: string;
  /** Args as shown to people and logs (no_log values masked). */
  readonly shownArgs: Record<string, unknown>;
  /** The call's own secrets (values of its no_log options): masked wherever results show them. */
  readonly secrets?: readonly string[];
  /** Runs the call on one host. Must not throw for host-level trouble; returns an outcome. */
  run(host: string, facts: HostFacts, become: BecomeSpec | undefined, opts: HostRunOptions): Promise<HostOutcome>;
}
