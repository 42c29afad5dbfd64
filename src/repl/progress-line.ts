import type { Writable } from 'node:stream';
import type { RunProgress } from '../base/types.js';

/**
 * One line of live progress under the prompt while a call runs, redrawn in place.
 * A single line keeps the terminal simple to restore when the result table replaces it.
 */
export function progressText(p: RunProgress, columns: number): string {
  const head = `… ${p.done}/${p.total} done`;
  const failed = p.counts.failed + p.counts.unreachable;
  const bad = failed > 0 ? `, ${failed} failed` : '';
  const slow = p.running.slice(0, 3).map((r) => `${r.host} ${(r.elapsedMs / 1000).toFixed(1)} s`);
  const more = p.running.length > 3 ? ` +${p.running.length - 3}` : '';
  const running = p.running.length > 0 ? ` · running ${slow.join(', ')}${more}` : '';
  const line = `${head}${bad}${running}  (Ctrl-C cancels)`;
  return line.length > columns - 1 ? `${line.slice(0, Math.max(0, columns - 2))}…` : line;
}

export class ProgressLine {
  private latest: RunProgress | undefined;
  private shown = false;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private receivedAt = 0;
  private held = false;

  constructor(
    private readonly out: Writable & { columns?: number },
    /** Quick calls never show progress: no flicker before the table. */
    private readonly delayMs = 300,
  ) {}

  update(p: RunProgress): void {
    if (this.latest === undefined) this.startedAt = Date.now();
    this.latest = p;
    this.receivedAt = Date.now();
    this.timer ??= setInterval(() => {
      this.draw();
    }, 100);
  }

  /** While a question is on screen the line steps aside, so it never writes over what is typed. */
  hold(on: boolean): void {
    if (on && this.shown) this.out.write('\r\x1b[K');
    if (on) this.shown = false;
    this.held = on;
  }

  private draw(): void {
    if (this.held || this.latest === undefined || Date.now() - this.startedAt < this.delayMs) return;
    // Elapsed times move even when no host finished.
    const age = Date.now() - this.receivedAt;
    const p = { ...this.latest, running: this.latest.running.map((r) => ({ ...r, elapsedMs: r.elapsedMs + age })) };
    this.out.write(`\r\x1b[K${progressText(p, this.out.columns ?? 80)}`);
    this.shown = true;
  }

  /** Removes the line; the result goes where it was. */
  clear(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
    this.latest = undefined;
  }
}
