/**
 * Watches and metrics streams on hosts: one request on each host's gate (the same gate
 * and SSH channel module calls use: no session of their own), whose answers then come
 * as id-less frames the gate sends unasked. They are turned into events with the host's
 * name and handed to the session's EventHub. A stream ends when it is stopped or when the
 * session closes. When a host's gate closes under it (the host went away, a restart, an
 * upgrade, a drain) a StreamEnded event says so, and the stream starts again on the host's
 * next gate, which a restart or an upgrade opens at once and a call opens otherwise
 * (StreamResumed); a stream is never left silently dead on a host its handle still names.
 */
import { UsageError } from '../base/errors.js';
import type { HostFacts } from '../base/types.js';
import { GateProvider } from '../hosts/gates.js';
import type { EventHub, FtlEvent, MetricsOptions, StreamHandle, WatchOptions } from './events.js';
export type { MetricsOptions, StreamHandle, WatchOptions } from './events.js';

type Gate = Awaited<ReturnType<GateProvider['openUntil']>>;
interface GateFrame {
  readonly type: string;
  readonly data: unknown;
}

interface HostStream {
  readonly host: string;
  readonly gate: Gate;
  readonly id: unknown;
  readonly detach: () => void;
}

/** One handle's streams: the running ones by host, and the hosts whose gate closed under theirs (waiting for the next gate). */
interface StreamGroup {
  readonly spec: StreamSpec;
  readonly running: Map<string, HostStream>;
  /** Host → the key of the gate it waits for. */
  readonly waiting: Map<string, string>;
  /** Hosts starting again now (one start at a time per host). */
  readonly resuming: Set<string>;
  stopped: boolean;
}

/** What streams need from the session: its hosts, how a call would reach them, its gates. */
export interface StreamHost {
  hostsOf(pattern: string): string[];
  facts(host: string): HostFacts;
  become(facts: HostFacts): Parameters<GateProvider['openUntil']>[2];
  readonly gates: Pick<GateProvider, 'openUntil' | 'onGateOpened' | 'readyGate'>;
  readonly forks: number;
  readonly timeoutMs: number;
}

interface StreamSpec {
  readonly kind: 'watch' | 'metrics';
  readonly start: { type: string; data: Record<string, unknown> };
  /** The reply's stream id, or the reason it did not start. */
  readonly started: (reply: { type: string; data: Record<string, unknown> }) => { id: unknown } | { error: string };
  readonly stop: (id: unknown) => { type: string; data: Record<string, unknown> };
  readonly eventType: string;
  readonly idKey: string;
  readonly toEvent: (host: string, data: Record<string, unknown>) => FtlEvent;
}

const STOP_TIMEOUT_MS = 5000;

function withoutKey(data: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _omit, ...rest } = data;
  return rest;
}

function messageOf(r: { type: string; data: Record<string, unknown> }, fallback: string): string {
  return typeof r.data.message === 'string' ? r.data.message : `${r.type}: ${fallback}`;
}

/** Runs fn on every item, at most `limit` at once. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

export class Streams {
  private readonly running = new Set<HostStream>();
  private readonly groups = new Set<StreamGroup>();
  private stopListening: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly session: StreamHost,
    private readonly hub: EventHub,
  ) {}

  watch(pattern: string, path: unknown, opts: WatchOptions = {}): Promise<StreamHandle> {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      return Promise.reject(new UsageError('FTL_USAGE', `watch needs an absolute path on the hosts, not ${JSON.stringify(path)}`, { hint: "e.g. ftl.web.watch('/etc/nginx', { recursive: true })" }));
    }
    const o = (opts as WatchOptions | undefined) ?? {};
    if (o.interval !== undefined && (typeof o.interval !== 'number' || !(o.interval > 0))) {
      return Promise.reject(new UsageError('FTL_USAGE', 'the watch option interval must be a positive number of seconds'));
    }
    return this.start(pattern, {
      kind: 'watch',
      start: { type: 'Watch', data: { path, recursive: o.recursive === true, method: o.method ?? 'auto', ...(o.interval === undefined ? {} : { interval: o.interval }) } },
      started: (r) => (r.type === 'WatchResult' && r.data.status === 'ok' ? { id: r.data.watch_id } : { error: messageOf(r, 'the gate cannot watch') }),
      stop: (id) => ({ type: 'Unwatch', data: { watch_id: id } }),
      eventType: 'FileChanged',
      idKey: 'watch_id',
      toEvent: (host, data) => ({ ...(withoutKey(data, 'watch_id') as Omit<FtlEvent & { event: 'FileChanged' }, 'host' | 'event'>), event: 'FileChanged', host }),
    });
  }

  metrics(pattern: string, opts: MetricsOptions = {}): Promise<StreamHandle> {
    const every = (opts as MetricsOptions | undefined)?.every ?? 2;
    if (typeof every !== 'number' || !(every >= 0.2)) {
      return Promise.reject(new UsageError('FTL_USAGE', `the metrics option every must be a number of seconds, 0.2 or more, not ${JSON.stringify(every)}`, { hint: 'e.g. ftl.web.metrics({ every: 2 })' }));
    }
    return this.start(pattern, {
      kind: 'metrics',
      start: { type: 'StartMonitor', data: { interval: every } },
      started: (r) => (r.type === 'MonitorResult' && r.data.status === 'ok' ? { id: r.data.monitor_id } : { error: messageOf(r, 'the gate cannot send metrics') }),
      stop: (id) => ({ type: 'StopMonitor', data: { monitor_id: id } }),
      eventType: 'SystemMetrics',
      idKey: 'monitor_id',
      toEvent: (host, data) => ({ ...(withoutKey(data, 'monitor_id') as Omit<FtlEvent & { event: 'SystemMetrics' }, 'host' | 'event'>), event: 'SystemMetrics', host }),
    });
  }

  private async start(pattern: string, spec: StreamSpec): Promise<StreamHandle> {
    if (this.closed) throw new UsageError('FTL_USAGE', `cannot start a ${spec.kind} stream: the session is closed`);
    const hosts = this.session.hostsOf(pattern);
    const group: StreamGroup = { spec, running: new Map(), waiting: new Map(), resuming: new Set(), stopped: false };
    const failed: { host: string; message: string }[] = [];
    await eachLimited(hosts, this.session.forks, async (host) => {
      try {
        group.running.set(host, await this.startOn(host, group));
      } catch (e) {
        failed.push({ host, message: e instanceof Error ? e.message : String(e) });
      }
    });
    const handle: StreamHandle = {
      kind: spec.kind,
      get hosts() {
        return [...group.running.values()].filter((m) => m.gate.status === 'ready').map((m) => m.host);
      },
      failed,
      stop: async () => {
        group.stopped = true;
        group.waiting.clear();
        this.groups.delete(group);
        const all = [...group.running.values()];
        group.running.clear();
        await Promise.all(all.map((m) => this.stopOne(m, spec)));
      },
    };
    if (group.running.size === 0 && failed.length > 0) {
      const [first] = failed;
      throw new UsageError('FTL_USAGE', `the ${spec.kind} did not start on any host: ${first?.host ?? '?'}: ${first?.message ?? '?'}${failed.length > 1 ? ` (and ${String(failed.length - 1)} more)` : ''}`, {
        hint: spec.kind === 'watch' ? 'check that the path exists on the hosts' : 'check the hosts with ping()',
      });
    }
    this.groups.add(group);
    this.stopListening ??= this.session.gates.onGateOpened((key) => {
      for (const g of this.groups) for (const [host, waitsFor] of g.waiting) if (waitsFor === key) this.resume(g, host);
    });
    return handle;
  }

  private keyOf(host: string): string {
    return GateProvider.keyOf(host, this.session.become(this.session.facts(host)));
  }

  /** The host's gate closed under its stream: said, and the stream waits for the host's next gate (open already after an upgrade). */
  private lost(group: StreamGroup, host: string, reason: string): void {
    group.running.delete(host);
    let key: string | undefined;
    if (!group.stopped && !this.closed) {
      try {
        key = this.keyOf(host);
      } catch {
        key = undefined; // the host left the inventory: nothing to wait for
      }
    }
    this.hub.emit({ event: 'StreamEnded', host, stream: group.spec.kind, reason, resumes: key !== undefined, timestamp: Date.now() / 1000 });
    if (key === undefined) return;
    group.waiting.set(host, key);
    if (this.session.gates.readyGate(key) !== undefined) this.resume(group, host);
  }

  private resume(group: StreamGroup, host: string): void {
    if (group.stopped || this.closed || group.resuming.has(host) || !group.waiting.has(host)) return;
    group.resuming.add(host);
    group.waiting.delete(host);
    void this.startOn(host, group).then(
      (entry) => {
        group.resuming.delete(host);
        if (group.stopped || this.closed) {
          void this.stopOne(entry, group.spec);
          return;
        }
        group.running.set(host, entry);
        this.hub.emit({ event: 'StreamResumed', host, stream: group.spec.kind, timestamp: Date.now() / 1000 });
      },
      (e: unknown) => {
        group.resuming.delete(host);
        if (group.stopped || this.closed) return;
        // Not waited for again: what refused to start (a path gone) would refuse on every gate.
        this.hub.emit({ event: 'StreamEnded', host, stream: group.spec.kind, reason: `it could not start again: ${e instanceof Error ? e.message : String(e)}`, resumes: false, timestamp: Date.now() / 1000 });
      },
    );
  }

  private async startOn(host: string, group: StreamGroup): Promise<HostStream> {
    const spec = group.spec;
    const facts = this.session.facts(host);
    const gate = await this.session.gates.openUntil(host, facts, this.session.become(facts), new AbortController().signal, this.session.timeoutMs);
    // Listening before the request: the first event may come before its reply is read.
    const early: Record<string, unknown>[] = [];
    let id: unknown;
    let started = false;
    const onEvent = (m: GateFrame): void => {
      if (m.type !== spec.eventType || m.data === null || typeof m.data !== 'object') return;
      const data = m.data as Record<string, unknown>;
      if (!started) early.push(data);
      else if (data[spec.idKey] === id) this.hub.emit(spec.toEvent(host, data));
    };
    const onClose = (err?: Error): void => {
      if (!this.running.has(entry)) return;
      entry.detach();
      if (started) this.lost(group, host, err?.message ?? 'the gate closed');
    };
    const entry: HostStream = {
      host,
      gate,
      get id() {
        return id;
      },
      detach: () => {
        this.running.delete(entry);
        gate.off('event', onEvent);
        gate.off('close', onClose);
      },
    };
    gate.on('event', onEvent);
    gate.once('close', onClose);
    this.running.add(entry);
    try {
      const reply = await gate.request(spec.start.type, spec.start.data, { timeoutMs: this.session.timeoutMs });
      const r = spec.started(reply);
      if ('error' in r) throw new Error(r.error);
      id = r.id;
    } catch (e) {
      entry.detach();
      throw e;
    }
    started = true;
    for (const data of early.splice(0)) if (data[spec.idKey] === id) this.hub.emit(spec.toEvent(host, data));
    return entry;
  }

  private async stopOne(m: HostStream, spec: StreamSpec): Promise<void> {
    m.detach();
    if (m.gate.status !== 'ready') return;
    const req = spec.stop(m.id);
    await m.gate.request(req.type, req.data, { timeoutMs: STOP_TIMEOUT_MS }).catch(() => undefined);
  }

  /** How many host streams run now. */
  get count(): number {
    return this.running.size;
  }

  /**
   * The session ends: listeners go, no request is sent (the gates close next, and a gate
   * whose stdin ends stops every stream it runs before it exits).
   */
  close(): void {
    this.closed = true;
    this.stopListening?.();
    this.groups.clear();
    for (const m of [...this.running]) m.detach();
    this.hub.close();
  }
}
