import { connectBus, type Bus } from './bus.js';
import { PROTOCOL_VERSION, subjects, type CallEvent, type CallRequest, type Heartbeat } from './codec.js';

/** A worker as its last heartbeat described it. */
export interface WorkerInfo {
  readonly worker: string;
  readonly pid: number;
  readonly rule: string;
  readonly hosts: readonly string[];
  readonly intervalMs: number;
  readonly calls: number;
  /** Date.now() of the last heartbeat. */
  readonly lastSeen: number;
}

export interface Assignment {
  /** Each live worker's share of the call's hosts (each host in one share only). */
  readonly byWorker: ReadonlyMap<string, string[]>;
  /** Hosts no live worker holds. */
  readonly orphans: readonly string[];
}

export interface NatsCallerOptions {
  prefix?: string | undefined;
  /** How long a call waits for heartbeats that cover its hosts (workers just started, a caller just connected). */
  discoverMs?: number | undefined;
  now?: () => number;
}

/**
 * The caller's side of NATS: knows the workers from their heartbeats, splits a call's
 * hosts between them, sends each its share, and hands back what they publish. Folding the
 * events into a result is the run layer's job (run/remote-call.ts).
 */
export class NatsCaller {
  private bus: Promise<Bus> | undefined;
  private readonly workers = new Map<string, WorkerInfo>();
  private readonly seen = new Set<() => void>();
  private readonly subjects;
  private readonly discoverMs: number;
  private readonly now: () => number;

  constructor(
    readonly url: string,
    opts: NatsCallerOptions = {},
  ) {
    this.subjects = subjects(opts.prefix);
    this.discoverMs = opts.discoverMs ?? 2000;
    this.now = opts.now ?? Date.now;
  }

  /** Connected once, on first need; heartbeats are followed from then on. */
  private connected(): Promise<Bus> {
    this.bus ??= connectBus(this.url, `ftl caller ${String(process.pid)}`).then((bus) => {
      bus.subscribe(this.subjects.heartbeat, (m) => {
        if (m.kind === 'hb') this.heard(m);
      });
      return bus;
    });
    this.bus.catch(() => {
      this.bus = undefined;
    });
    return this.bus;
  }

  private heard(m: Heartbeat): void {
    this.workers.set(m.worker, { worker: m.worker, pid: m.pid, rule: m.rule, hosts: m.hosts, intervalMs: m.intervalMs, calls: m.calls, lastSeen: this.now() });
    for (const f of [...this.seen]) f();
  }

  /**
   * A worker is lost when five heartbeats in a row are missing, and at least 5 s: a worker
   * busy starting gates on a loaded machine can hold its event loop for seconds.
   */
  lostAfterMs(worker: string): number {
    const interval = this.workers.get(worker)?.intervalMs ?? 1000;
    return Math.max(5000, 5 * interval);
  }

  /** Any message from a worker (an ack, a result) shows it alive, as a heartbeat does. */
  touch(worker: string): void {
    const w = this.workers.get(worker);
    if (w !== undefined) this.workers.set(worker, { ...w, lastSeen: this.now() });
  }

  /** undefined while the worker is alive; else how long it has been silent (ms). */
  silentFor(worker: string): number | undefined {
    const w = this.workers.get(worker);
    if (w === undefined) return Infinity;
    const quiet = this.now() - w.lastSeen;
    return quiet > this.lostAfterMs(worker) ? quiet : undefined;
  }

  /** The workers heard from, live ones first. */
  known(): WorkerInfo[] {
    return [...this.workers.values()].sort((a, b) => a.worker.localeCompare(b.worker));
  }

  /** Splits hosts between live workers, asking for heartbeats (hello) and waiting a little when some are not covered yet. */
  async assign(hosts: readonly string[], signal?: AbortSignal): Promise<Assignment> {
    const bus = await this.connected();
    let a = this.split(hosts);
    if (a.orphans.length === 0) return a;
    bus.publish(this.subjects.hello, { kind: 'hello', v: PROTOCOL_VERSION });
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.seen.delete(check);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const check = (): void => {
        if (this.split(hosts).orphans.length === 0) done();
      };
      const timer = setTimeout(done, this.discoverMs);
      this.seen.add(check);
      signal?.addEventListener('abort', done, { once: true });
    });
    a = this.split(hosts);
    return a;
  }

  private split(hosts: readonly string[]): Assignment {
    // Each host to one worker only: the first live one by name, so two workers that both
    // hold a host (overlapping --hosts patterns) never both run it.
    const owner = new Map<string, string>();
    for (const w of this.known()) {
      if (this.silentFor(w.worker) !== undefined) continue;
      for (const h of w.hosts) if (!owner.has(h)) owner.set(h, w.worker);
    }
    const byWorker = new Map<string, string[]>();
    const orphans: string[] = [];
    for (const h of hosts) {
      const w = owner.get(h);
      if (w === undefined) orphans.push(h);
      else byWorker.set(w, [...(byWorker.get(w) ?? []), h]);
    }
    return { byWorker, orphans };
  }

  /** Follows a call's result subject; subscribe before sending, so no early result is missed. */
  async follow(id: string, on: (e: CallEvent) => void): Promise<() => void> {
    const bus = await this.connected();
    const off = bus.subscribe(this.subjects.results(id), (m) => {
      if (m.kind === 'ack' || m.kind === 'host' || m.kind === 'done' || m.kind === 'error') {
        if (m.id === id) on(m);
      }
    });
    // The subscription is on the server before any worker can answer.
    await bus.flush();
    return off;
  }

  async send(req: CallRequest): Promise<void> {
    const bus = await this.connected();
    bus.publish(this.subjects.call(req.worker), req);
  }

  async cancel(id: string): Promise<void> {
    const bus = await this.connected();
    bus.publish(this.subjects.cancel, { kind: 'cancel', v: PROTOCOL_VERSION, id });
    await bus.flush().catch(() => undefined);
  }

  async close(): Promise<void> {
    const bus = this.bus;
    this.bus = undefined;
    if (bus !== undefined) await (await bus.catch(() => undefined))?.close();
  }
}
