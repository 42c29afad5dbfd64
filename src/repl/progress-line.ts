import type { Writable } from 'node:stream';
import { PROGRESS_SLOWEST, type RunProgress } from '../base/types.js';

/** Width of what the line shows; emoji-free so that length is columns. */
function fit(line: string, columns: number): string {
  // One column is left free: a line as wide as the terminal wraps on some terminals, and then \r no longer returns to its start.
  const max = Math.max(10, columns - 1);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * One line of live progress under the prompt while a call runs, redrawn in place.
 * A single line keeps the terminal simple to restore when the result table replaces it.
 */
export function progressText(p: RunProgress, columns: number, extra = ''): string {
  const head = `… ${p.done}/${p.total} done`;
  const failed = p.counts.failed + p.counts.unreachable;
  const bad = failed > 0 ? `, ${failed} failed` : '';
  const slow = p.running.slice(0, 3).map((r) => `${r.host} ${(r.elapsedMs / 1000).toFixed(1)} s`);
  const more = p.runningCount > slow.length ? ` +${String(p.runningCount - slow.length)}` : '';
  const running = slow.length > 0 ? ` · running ${slow.join(', ')}${more}` : '';
  return fit(`${head}${bad}${running}${extra}  (Ctrl-C cancels)`, columns);
}

/** Several calls at once (Promise.all) show as one: their hosts added up. */
export function combine(all: readonly RunProgress[]): RunProgress | undefined {
  if (all.length === 0) return undefined;
  if (all.length === 1) return all[0];
  const counts = { ...(all[0]?.counts ?? { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, cancelled: 0 }) };
  for (const p of all.slice(1)) for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += p.counts[k];
  return {
    total: all.reduce((n, p) => n + p.total, 0),
    done: all.reduce((n, p) => n + p.done, 0),
    running: all
      .flatMap((p) => p.running)
      .sort((a, b) => b.elapsedMs - a.elapsedMs)
      .slice(0, PROGRESS_SLOWEST),
    runningCount: all.reduce((n, p) => n + p.runningCount, 0),
    counts,
  };
}

export class ProgressLine {
  private readonly calls = new Map<number, { p: RunProgress; at: number }>();
  private shown = false;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private held = false;
  /** Said at the end of the line (lines typed and waiting). */
  note = '';

  constructor(
    private readonly out: Writable & { columns?: number },
    /** Quick calls never show progress: no flicker before the table. */
    private readonly delayMs = 300,
  ) {}

  /** A call's progress; undefined when it has ended. */
  update(p: RunProgress | undefined, call = 0): void {
    if (p === undefined) {
      this.calls.delete(call);
      if (this.calls.size === 0) this.clear();
      return;
    }
    if (this.calls.size === 0 && this.timer === undefined) this.startedAt = Date.now();
    this.calls.set(call, { p, at: Date.now() });
    this.timer ??= setInterval(() => {
      this.draw();
    }, 100);
  }

  /** While a question is on screen the line steps aside, so it never writes over what is typed. */
  hold(on: boolean): void {
    if (on) this.erase();
    this.held = on;
  }

  private draw(): void {
    if (this.held || this.calls.size === 0 || Date.now() - this.startedAt < this.delayMs) return;
    // Elapsed times move even when no host finished.
    const now = Date.now();
    const all = [...this.calls.values()].map(({ p, at }) => ({ ...p, running: p.running.map((r) => ({ ...r, elapsedMs: r.elapsedMs + now - at })) }));
    const p = combine(all);
    if (p === undefined) return;
    this.out.write(`\r\x1b[K${progressText(p, this.out.columns ?? 80, this.note)}`);
    this.shown = true;
  }

  /** Takes the line off the screen (output goes where it was); it comes back on the next tick while calls run. */
  erase(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }

  /** The screen was cleared under the line: nothing to erase; it is drawn again on the next tick. */
  forget(): void {
    this.shown = false;
  }

  /** Removes the line and forgets every call. */
  clear(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.erase();
    this.calls.clear();
  }
}
