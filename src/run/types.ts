/** The result model shared by the runner, the UI and scripts. */

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped' | 'cancelled';

export const HOST_STATUSES: readonly HostStatus[] = ['ok', 'changed', 'failed', 'unreachable', 'skipped', 'cancelled'];

/** What one host returned for one call. */
export interface HostResult {
  readonly host: string;
  readonly status: HostStatus;
  /** The module's JSON as returned (for unreachable/cancelled: { msg }). no_log values masked. */
  readonly result: Readonly<Record<string, unknown>>;
  /** Milliseconds since the call started, when this host started and finished. */
  readonly startedMs: number;
  readonly durationMs: number;
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
export interface RunProgress {
  readonly total: number;
  readonly done: number;
  /** Hosts still running, slowest (longest running) first. */
  readonly running: readonly { host: string; elapsedMs: number }[];
  readonly counts: Readonly<Record<HostStatus, number>>;
}
