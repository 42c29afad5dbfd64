import { hostname } from 'node:os';
import type { Command } from 'commander';
import { HOST_STATUS_OF_ERROR, UsageError, describeError, isFtlError } from '../base/errors.js';
import type { HostStatus } from '../base/types.js';
import { automation } from '../run/automation.js';
import type { FtlCore } from '../run/core.js';
import { coreOf } from '../run/ftl-object.js';
import { connectBus, type Bus } from '../nats/bus.js';
import { PROTOCOL_VERSION, subjects, unseal, validWorkerName, type CallRequest, type Heartbeat } from '../nats/codec.js';
import { parseShard, shardHosts } from '../nats/shard.js';
import { addCommonOptions, automationOptions, natsUrl, type CommonCliOptions } from './options.js';

interface WorkerCliOptions extends CommonCliOptions {
  shard?: string;
  hosts?: string;
  name?: string;
  heartbeat?: string;
}

/** What a worker serves: its name, its hosts, and how it chose them. */
export interface WorkerSpec {
  name: string;
  hosts: readonly string[];
  rule: string;
  /** The key sealed calls are opened with (FTL_NATS_KEY, --nats-key-file). */
  key: string | undefined;
  intervalMs: number;
  prefix?: string | undefined;
}

/**
 * Serves calls for a worker's hosts on the bus: heartbeats (and at once on hello), each
 * call run with the session's ordinary run machinery and every host's result published as
 * it finishes, then done; a cancel aborts the call as Ctrl-C does locally. Returns stop().
 */
export function serveWorker(core: FtlCore, bus: Bus, spec: WorkerSpec): () => Promise<void> {
  const subj = subjects(spec.prefix);
  const held = new Set(spec.hosts);
  const active = new Map<string, AbortController>();
  const beat = (): void => {
    const hb: Heartbeat = { kind: 'hb', v: PROTOCOL_VERSION, worker: spec.name, pid: process.pid, rule: spec.rule, hosts: [...spec.hosts], intervalMs: spec.intervalMs, calls: active.size };
    bus.publish(subj.heartbeat, hb);
  };
  const handle = async (req: CallRequest): Promise<void> => {
    const res = subj.results(req.id);
    const base = { v: PROTOCOL_VERSION, id: req.id, worker: spec.name };
    const mine = req.hosts.filter((h) => held.has(h));
    // A host given to this worker that it does not hold (inventories differ) is said so, not run.
    for (const h of req.hosts.filter((x) => !held.has(x))) {
      bus.publish(res, { ...base, kind: 'host', result: { host: h, status: 'unreachable', result: { unreachable: true, msg: `worker ${spec.name} does not hold this host`, changed: false }, startedMs: 0, durationMs: 0 } });
    }
    bus.publish(res, { ...base, kind: 'ack', hosts: mine });
    const ctrl = new AbortController();
    active.set(req.id, ctrl);
    let count = 0;
    try {
      if (mine.length === 0) return;
      let args = req.args;
      if (req.sealed !== undefined) {
        if (spec.key === undefined) throw new UsageError('FTL_NATS', `worker ${spec.name} got sealed args and has no NATS key`, { hint: 'give the worker the caller\'s key: FTL_NATS_KEY or --nats-key-file FILE' });
        const opened = unseal(spec.key, req.id, req.sealed);
        args = opened.args;
        // Values the caller knows as secrets are masked in this worker's results too.
        for (const s of opened.secrets) core.secrets.add(s);
      }
      const o = req.opts;
      await core.call(mine.join(','), req.module, args, {
        check: o.check,
        diff: o.diff,
        ...(o.become === undefined ? {} : { become: o.become }),
        timeout: o.timeout,
        forks: o.forks,
        ...(o.maxOutput === undefined ? {} : { maxOutput: o.maxOutput }),
        ...(o.vars === undefined ? {} : { vars: o.vars }),
        ...(o.refresh === undefined ? {} : { refresh: o.refresh }),
        signal: ctrl.signal,
        onHostResult: (r) => {
          count++;
          bus.publish(res, { ...base, kind: 'host', result: r });
        },
      });
    } catch (e) {
      const status: HostStatus = isFtlError(e) ? HOST_STATUS_OF_ERROR[e.code] : 'failed';
      const shown = core.masked(e);
      bus.publish(res, { ...base, kind: 'error', status, message: `worker ${spec.name}: ${describeError(shown)}` });
    } finally {
      active.delete(req.id);
      bus.publish(res, { ...base, kind: 'done', count });
    }
  };
  const offs = [
    bus.subscribe(subj.call(spec.name), (m) => {
      if (m.kind === 'call' && m.worker === spec.name) void handle(m);
    }),
    bus.subscribe(subj.cancel, (m) => {
      if (m.kind === 'cancel') active.get(m.id)?.abort();
    }),
    bus.subscribe(subj.hello, (m) => {
      if (m.kind === 'hello') beat();
    }),
  ];
  beat();
  const timer = setInterval(beat, spec.intervalMs);
  return async () => {
    clearInterval(timer);
    for (const c of active.values()) c.abort();
    for (const off of offs) off();
    await bus.close();
  };
}

function defaultName(): string {
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  return `${host}-${String(process.pid)}`;
}

/** `ftl worker --nats URL [-i INV] [--shard K/N | --hosts PATTERN]`: hold gates for a share of the hosts and serve calls over NATS. */
export function registerWorkerCommand(program: Command): void {
  const cmd = program
    .command('worker')
    .description('serve calls from a NATS server for a share of the inventory (docs/scale.md): ftl worker --nats nats://HOST:4222 -i INV --shard 1/3')
    .option('--shard <k/n>', 'hold the hosts whose name hashes to K of N (every worker of a fleet takes one K)')
    .option('--hosts <pattern>', 'hold the hosts of this pattern (instead of --shard)')
    .option('--name <name>', 'worker name in subjects and messages (letters, digits, - and _; default HOSTNAME-PID)')
    .option('--heartbeat <seconds>', 'seconds between heartbeats (default 1; a worker silent for 5 of them, and at least 5 s, is lost to callers)');
  addCommonOptions(cmd);
  cmd.action(async (o: WorkerCliOptions) => {
    if (o.nats === undefined) throw new UsageError('FTL_USAGE', 'ftl worker needs --nats URL', { hint: 'e.g. ftl worker --nats nats://127.0.0.1:4222 -i inventory.yml --shard 1/3' });
    if (o.shard !== undefined && o.hosts !== undefined) throw new UsageError('FTL_USAGE', '--shard and --hosts both choose the hosts: give one', { hint: 'e.g. --shard 1/3, or --hosts web' });
    const name = o.name ?? defaultName();
    if (!validWorkerName(name)) throw new UsageError('FTL_USAGE', `worker name '${name}' can hold only letters, digits, - and _ (it goes into NATS subjects)`, { hint: 'e.g. --name w1' });
    const heartbeat = o.heartbeat === undefined ? 1 : Number(o.heartbeat);
    if (!Number.isFinite(heartbeat) || heartbeat <= 0) throw new UsageError('FTL_USAGE', `--heartbeat must be a positive number of seconds, not '${String(o.heartbeat)}'`);
    const url = natsUrl(o.nats);
    const shard = o.shard === undefined ? undefined : parseShard(o.shard);
    const { nats: _bus, natsKey, ...opts } = automationOptions(o);
    // The caller asks and records: a worker runs what it is sent, with no one to ask.
    const ftl = await automation({ ...opts, audit: false, confirm: true, guard: false });
    const core = coreOf(ftl);
    const all = core.inventory.hostNames;
    const hosts = shard !== undefined ? shardHosts(shard, all) : o.hosts !== undefined ? core.hostsOf(o.hosts) : core.limit === undefined ? all : core.hostsOf('all');
    const rule = shard !== undefined ? `shard ${String(shard.index)}/${String(shard.count)}` : o.hosts !== undefined ? `hosts ${o.hosts}` : 'all hosts';
    const key = natsKey ?? (process.env.FTL_NATS_KEY === '' ? undefined : process.env.FTL_NATS_KEY);
    const bus = await connectBus(url, `ftl worker ${name}`);
    const stop = serveWorker(core, bus, { name, hosts, rule, key, intervalMs: Math.round(heartbeat * 1000) });
    process.stderr.write(`ftl worker ${name}: ${String(hosts.length)} host${hosts.length === 1 ? '' : 's'} (${rule}) on ${url}, ready\n`);
    await new Promise<void>((resolve) => {
      const end = (): void => {
        process.off('SIGINT', end);
        process.off('SIGTERM', end);
        resolve();
      };
      process.once('SIGINT', end);
      process.once('SIGTERM', end);
      void bus.closed().then(end);
    });
    await stop();
    await ftl.close();
  });
}
