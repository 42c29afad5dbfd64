import type { HostResult, HostStatus, RunResultData } from '../base/types.js';

/**
 * One call's outcome on every host. Arrays of host names per status are plain
 * string arrays so they work as targets again: `ftl[_.failed].ping()`.
 */
export class RunResult implements RunResultData {
  readonly pattern: string;
  readonly module: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly hosts: readonly HostResult[];

  readonly ok: string[];
  readonly changed: string[];
  readonly failed: string[];
  readonly unreachable: string[];
  readonly skipped: string[];
  readonly cancelled: string[];

  constructor(data: RunResultData) {
    this.pattern = data.pattern;
    this.module = data.module;
    this.args = data.args;
    this.startedAt = data.startedAt;
    this.durationMs = data.durationMs;
    this.hosts = data.hosts;
    const by = (s: HostStatus): string[] => data.hosts.filter((h) => h.status === s).map((h) => h.host);
    this.ok = by('ok');
    this.changed = by('changed');
    this.failed = by('failed');
    this.unreachable = by('unreachable');
    this.skipped = by('skipped');
    this.cancelled = by('cancelled');
  }

  /** The module's result on one host (undefined if the host was not in the call). */
  host(name: string): Readonly<Record<string, unknown>> | undefined {
    return this.hosts.find((h) => h.host === name)?.result;
  }

  /** True when no host failed, was unreachable or was cancelled. */
  get success(): boolean {
    return this.failed.length === 0 && this.unreachable.length === 0 && this.cancelled.length === 0;
  }

  toJSON(): RunResultData & { summary: Record<HostStatus, number> } {
    return {
      pattern: this.pattern,
      module: this.module,
      args: this.args,
      startedAt: this.startedAt,
      durationMs: this.durationMs,
      hosts: this.hosts,
      summary: {
        ok: this.ok.length,
        changed: this.changed.length,
        failed: this.failed.length,
        unreachable: this.unreachable.length,
        skipped: this.skipped.length,
        cancelled: this.cancelled.length,
      },
    };
  }
}
