/**
 * Events from gates as a session sees them (FTL2's shape: `{event, host, ...data}`), and the
 * hub that hands them to every consumer: `for await (const ev of ftl.events())`,
 * `ftl.listen(ms)`, the REPL's .watch and .top. Each consumer has a bounded queue of its
 * own: one that falls behind loses its oldest events and is told how many, and nothing is
 * kept when no one listens.
 */
import { BoundedQueue } from '../base/bounded-queue.js';

export type ChangeKind = 'created' | 'modified' | 'deleted';

/** A change under a watched path on a host (FTL2's FileChanged; `event` there is `kind` here too). */
export interface FileChangedEvent {
  readonly event: 'FileChanged';
  readonly host: string;
  readonly path: string;
  readonly kind: ChangeKind;
  readonly name: string;
  readonly is_dir: boolean;
  /** The watched path the change is under. */
  readonly watch: string;
  readonly timestamp: number;
}

/** A host's system metrics (FTL2's SystemMetrics, read from /proc by the gate; bytes, percents, bytes per second). */
export interface SystemMetricsEvent {
  readonly event: 'SystemMetrics';
  readonly host: string;
  readonly timestamp: number;
  readonly hostname: string;
  readonly cpu: { percent_total: number; percent_per_cpu: number[]; count: number; load_avg: [number, number, number] | null };
  readonly memory: { total: number; used: number; available: number; percent: number };
  readonly swap: { total: number; used: number; free: number; percent: number };
  readonly disk: { path: string; total: number; used: number; free: number; percent: number } | null;
  readonly net: { bytes_sent: number; bytes_recv: number; sent_rate: number; recv_rate: number };
  readonly uptime: number | null;
}

/** A stream on a host ended without being stopped (its gate closed; it resumes on the host's next gate, see StreamResumed), or could not start again. */
export interface StreamEndedEvent {
  readonly event: 'StreamEnded';
  readonly host: string;
  readonly stream: 'watch' | 'metrics';
  readonly reason: string;
  /** Whether it starts again on the host's next gate (StreamResumed then says so). */
  readonly resumes?: boolean;
  readonly timestamp: number;
}

/** A stream that had ended with its host's gate runs again on the host's new gate (a restart, an upgrade, the next call after the host came back). */
export interface StreamResumedEvent {
  readonly event: 'StreamResumed';
  readonly host: string;
  readonly stream: 'watch' | 'metrics';
  readonly timestamp: number;
}

/** In a consumer's stream where it fell behind: `count` events before this one were dropped. */
export interface EventsDroppedEvent {
  readonly event: 'EventsDropped';
  readonly count: number;
  readonly timestamp: number;
}

export type FtlEvent = FileChangedEvent | SystemMetricsEvent | StreamEndedEvent | StreamResumedEvent | EventsDroppedEvent;
export type FtlEventType = FtlEvent['event'];

export interface EventsOptions {
  /** Only these kinds of event (EventsDropped always comes). */
  types?: readonly FtlEventType[];
  /** How many events may wait for the consumer; more drops the oldest (default 1000). */
  capacity?: number;
  /** Ends the iteration. */
  signal?: AbortSignal;
}

export interface WatchOptions {
  /** Directories under the path too (default false). */
  recursive?: boolean;
  /** 'auto' (inotify where the host has it, else polling), 'inotify' or 'poll'. */
  method?: 'auto' | 'inotify' | 'poll';
  /** Seconds between polls when polling (default 1). */
  interval?: number;
}

export interface MetricsOptions {
  /** Seconds between two samples (default 2). */
  every?: number;
}

/** A running stream: where it runs, where it could not start, and how to stop it. */
export interface StreamHandle {
  readonly kind: 'watch' | 'metrics';
  /** The hosts it runs on now. */
  readonly hosts: string[];
  /** Hosts where it could not start, and why. */
  readonly failed: { host: string; message: string }[];
  stop(): Promise<void>;
}

export const DEFAULT_CAPACITY = 1000;

interface Subscriber {
  readonly queue: BoundedQueue<FtlEvent>;
  readonly types: ReadonlySet<string> | undefined;
  wake: (() => void) | undefined;
  ended: boolean;
}

export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  private closed = false;

  /** How many consumers listen now (the REPL's .watch, a loop over ftl.events()). */
  get listeners(): number {
    return this.subscribers.size;
  }

  emit(ev: FtlEvent): void {
    for (const s of this.subscribers) {
      if (s.types !== undefined && !s.types.has(ev.event)) continue;
      s.queue.push(ev);
      s.wake?.();
    }
  }

  /** Ends every consumer's iteration (the session closes). */
  close(): void {
    this.closed = true;
    for (const s of this.subscribers) this.end(s);
  }

  private end(s: Subscriber): void {
    s.ended = true;
    this.subscribers.delete(s);
    s.wake?.();
  }

  private subscribe(opts: EventsOptions): Subscriber {
    const s: Subscriber = {
      queue: new BoundedQueue(opts.capacity ?? DEFAULT_CAPACITY),
      types: opts.types === undefined ? undefined : new Set(opts.types),
      wake: undefined,
      ended: this.closed,
    };
    if (!s.ended) this.subscribers.add(s);
    return s;
  }

  /** The next event of s (an EventsDropped first where events were dropped), or undefined when none waits. */
  private static next(s: Subscriber): FtlEvent | undefined {
    const dropped = s.queue.takeDropped();
    if (dropped > 0) return { event: 'EventsDropped', count: dropped, timestamp: Date.now() / 1000 };
    return s.queue.shift();
  }

  /** Every event from now on, until the iteration is left (break), the signal fires, or the session closes. */
  events(opts: EventsOptions = {}): AsyncIterableIterator<FtlEvent> {
    const s = this.subscribe(opts);
    const stop = (): void => {
      this.end(s);
    };
    opts.signal?.addEventListener('abort', stop, { once: true });
    if (opts.signal?.aborted === true) stop();
    const it: AsyncIterableIterator<FtlEvent> = {
      next: async () => {
        for (;;) {
          const ev = EventHub.next(s);
          if (ev !== undefined) return { value: ev, done: false };
          if (s.ended) return { value: undefined, done: true };
          await new Promise<void>((resolve) => {
            s.wake = resolve;
          });
          s.wake = undefined;
        }
      },
      return: () => {
        stop();
        opts.signal?.removeEventListener('abort', stop);
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  }

  /** The events that come in the next ms milliseconds (at most `capacity`, the oldest dropped first and counted). */
  async listen(ms: number, opts: Omit<EventsOptions, 'signal'> = {}): Promise<FtlEvent[]> {
    const s = this.subscribe(opts);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      s.wake = () => {
        if (s.ended) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    this.end(s);
    const out: FtlEvent[] = [];
    for (let ev = EventHub.next(s); ev !== undefined; ev = EventHub.next(s)) out.push(ev);
    return out;
  }
}
