import { HOST_STATUSES, PROGRESS_SLOWEST, type HostStatus, type RunProgress } from '../base/types.js';

/** Tracks which hosts of a call are running and how the finished ones ended. */
export class ProgressTracker {
  private readonly started = new Map<string, number>();
  private readonly counts: Record<HostStatus, number>;
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly now: () => number = Date.now,
  ) {
    this.counts = Object.fromEntries(HOST_STATUSES.map((s) => [s, 0])) as Record<HostStatus, number>;
  }

  start(host: string): void {
    this.started.set(host, this.now());
  }

  finish(host: string, status: HostStatus): void {
    this.started.delete(host);
    this.counts[status] += 1;
    this.done += 1;
  }

  snapshot(): RunProgress {
    const t = this.now();
    // The map keeps start order and drops finished hosts, so its first entries are the slowest:
    // no sort, and no walk over every running host for each event.
    const running: { host: string; elapsedMs: number }[] = [];
    for (const [host, at] of this.started) {
      if (running.length === PROGRESS_SLOWEST) break;
      running.push({ host, elapsedMs: t - at });
    }
    return { total: this.total, done: this.done, running, runningCount: this.started.size, counts: { ...this.counts } };
  }
}
