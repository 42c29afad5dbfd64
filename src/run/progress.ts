import { HOST_STATUSES, type HostStatus, type RunProgress } from '../base/types.js';

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
    const running = [...this.started].map(([host, at]) => ({ host, elapsedMs: t - at })).sort((a, b) => b.elapsedMs - a.elapsedMs);
    return { total: this.total, done: this.done, running, counts: { ...this.counts } };
  }
}
