/**
 * Watches and metrics streams on hosts: one request on each host's gate (the same gate
 * and SSH channel module calls use: no session of their own), whose answers then come
 * as id-less frames the gate sends unasked. They are turned into events with the host's
 * name and handed to the session's EventHub. A stream ends when it is stopped, when the
 * session closes, or when its gate closes (a StreamEnded event says so).
 */
import { UsageError } from '../base/errors.js';
import type { HostFacts } from '../base/types.js';
import type { GateProvider } from '../hosts/gates.js';
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

/** What streams need from the session: its hosts, how a call would reach them, its gates. */
export interface StreamHost {
  hostsOf(pattern: string): string[];
  facts(host: string): HostFacts;
  become(facts: HostFacts): Parameters<GateProvider['openUntil']>[2];
  readonly gates: GateProvider;
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
    const mine: HostStream[] = [];
    const failed: { host: string; message: string }[] = [];
    await eachLimited(hosts, this.session.forks, async (host) => {
      try {
        mine.push(await this.startOn(host, spec));
      } catch (e) {
        failed.push({ host, message: e instanceof Error ? e.message : String(e) });
      }
    });
    const handle: StreamHandle = {
      kind: spec.kind,
      get hosts() {
        return mine.filter((m) => m.gate.status === 'ready').map((m) => m.host);
      },
      failed,
      stop: async () => {
        await Promise.all(mine.splice(0).map((m) => this.stopOne(m, spec)));
      },
    };
    if (mine.length === 0 && failed.length > 0) {
      const [first] = failed;
      throw new UsageError('FTL_USAGE', `the ${spec.kind} did not start on any host: ${first?.host ?? '?'}: ${first?.message ?? '?'}${failed.length > 1 ? ` (and ${String(failed.length - 1)} more)` : ''}`, {
        hint: spec.kind === 'watch' ? 'check that the path exists on the hosts' : 'check the hosts with ping()',
      });
    }
    return handle;
  }

  private async startOn(host: string, spec: StreamSpec): Promise<HostStream> {
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
      this.hub.emit({ event: 'StreamEnded', host, stream: spec.kind, reason: err?.message ?? 'the gate closed', timestamp: Date.now() / 1000 });
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
    for (const m of [...this.running]) m.detach();
    this.hub.close();
  }
}
