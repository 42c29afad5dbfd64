/**
 * Starts work in slices of the event loop. A call on 10,000 hosts starts every host's request
 * in one go: each start is a few hundred microseconds of synchronous work (templating the
 * arguments, encrypting, writing), and all of it would run in one stretch of microtasks,
 * holding keypresses (Tab, Ctrl-C), timers and replies for seconds. With a pacer, the first
 * `batch` starts go at once (a small fleet never waits); the rest are released a batch per turn
 * of the event loop, the batch halved when a turn took longer than the slice and doubled when it
 * took less, so the loop comes back about every `sliceMs` however many hosts are starting.
 */
export class Pacer {
  private readonly waiting: (() => void)[] = [];
  private head = 0;
  private scheduled = false;
  /** Starts allowed without waiting in the current turn. */
  private budget: number;
  private batch: number;
  private turnStarted = 0;

  constructor(
    private readonly sliceMs = 10,
    initialBatch = 64,
    private readonly maxBatch = 4096,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.batch = initialBatch;
    this.budget = initialBatch;
  }

  /** undefined: start now; otherwise a promise that resolves in a later turn of the event loop. */
  turn(): Promise<void> | undefined {
    if (this.head === this.waiting.length && this.budget > 0) {
      this.budget -= 1;
      if (!this.scheduled) this.schedule();
      return undefined;
    }
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.turnStarted === 0) this.turnStarted = this.now();
    setImmediate(this.release);
  }

  private readonly release = (): void => {
    this.scheduled = false;
    const t = this.now();
    // What the last batch cost: its synchronous starts, the microtasks after them and one pass over I/O.
    const took = t - this.turnStarted;
    if (took > 2 * this.sliceMs) this.batch = Math.max(1, Math.floor(this.batch / 2));
    else if (took < this.sliceMs) this.batch = Math.min(this.maxBatch, this.batch * 2);
    this.turnStarted = t;
    const n = Math.min(this.batch, this.waiting.length - this.head);
    for (let i = 0; i < n; i++) {
      const go = this.waiting[this.head++];
      go?.();
    }
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
      // Idle again: the next burst may start a batch at once.
      this.budget = this.batch;
      this.turnStarted = 0;
      return;
    }
    this.schedule();
  };
}

/** The one pacer of this process: calls running side by side share the event loop, so they share its slices. */
export const startPacer = new Pacer();
