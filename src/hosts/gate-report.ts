/**
 * What the gate lifecycle reports, kept apart from gates.ts so that the public types
 * (ftl.gates) do not drag the SSH layer's declarations, and its ssh2 types, into the package.
 */
/** One row of `.gates`. */
export interface GateInfo {
  readonly key: string;
  readonly host: string;
  /** ready, or draining (out of use, finishing its calls), connecting, closing, closed. */
  readonly status: string;
  readonly python: string | undefined;
  readonly pid: number | undefined;
  /** The build the gate runs (its hash, as it said in Hello). */
  readonly build: string | undefined;
  readonly openedAt: number;
  readonly calls: number;
  /** Calls running on it now. */
  readonly running: number;
}

/** What a lifecycle step did, for `.gates restart|upgrade|drain` and `ftl gate remove`. */
export interface GateReport {
  readonly action: 'restart' | 'upgrade' | 'drain' | 'remove';
  /** Gates restarted, upgraded or drained; hosts cleaned for remove. */
  readonly done: number;
  /** Hosts whose new gate (or, for remove, whose cleaning) failed, with why. */
  readonly failed: readonly { host: string; message: string }[];
  /** Calls that were running on the gates taken out of use (they finish on them before those close). */
  readonly running: number;
  /** upgrade: the build the new gates run; remove: gate processes stopped on the hosts. */
  readonly build?: string;
  readonly stopped?: number;
  /** remove: hosts left alone (a local connection: its ~/.ftl is the controller's own). */
  readonly skipped?: readonly string[];
}
