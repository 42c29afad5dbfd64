import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { FtlError } from '../base/errors.js';
import type { SecretValues } from '../base/secrets.js';
import type { HostResult, HostStatus, RunProgress } from '../base/types.js';
import type { NatsCaller } from '../nats/caller.js';
import { PROTOCOL_VERSION, seal, type CallEvent, type RemoteCallOptions } from '../nats/codec.js';
import { ProgressTracker } from './progress.js';
import { RunResult } from './result.js';

/** One call as the caller publishes it: resolved hosts, the args as the hosts get them, and what is secret in them. */
export interface RemoteCall {
  pattern: string;
  hosts: readonly string[];
  /** The module as called (the workers resolve it again) and its FQCN (for the result). */
  module: string;
  fqcn: string;
  /** The args with secrets revealed, as given (an object, or free-form text): what the module gets. */
  args: unknown;
  /** The args as shown (no_log values masked). */
  shownArgs: Readonly<Record<string, unknown>>;
  /** no_log values of this call. */
  noLog: readonly string[];
  opts: RemoteCallOptions;
  /** The shared key that seals args (FTL_NATS_KEY); undefined: args go in clear, and a call with a secret is refused. */
  key: string | undefined;
}

/** The secrets the session knows that appear in the args (whole or inside a longer string). */
export function secretsIn(args: unknown, known: Iterable<string>): string[] {
  const leaves: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') leaves.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
  };
  walk(args);
  return [...new Set(known)].filter((s) => s !== '' && leaves.some((l) => l.includes(s)));
}

/** How long a worker that is alive but silent gets before its hosts are given up: every batch of forks at most one timeout, and 5 s for the wire. */
function deadlineMs(hosts: number, opts: RemoteCallOptions): number {
  return Math.ceil(hosts / Math.max(1, opts.forks)) * opts.timeout * 1000 + 5000;
}

const CANCEL_GRACE_MS = 5000;

/**
 * Runs a call on NATS workers and folds what they publish into the RunResult a local call
 * gives: one result per host (the first that arrives from the worker the host was given to;
 * any other is dropped), progress as hosts are taken and finish, hosts of a lost or silent
 * worker unreachable, and Ctrl-C sent to every worker as a cancel.
 */
export async function runRemote(
  nats: NatsCaller,
  c: RemoteCall,
  run: { signal: AbortSignal; onProgress?: ((p: RunProgress) => void) | undefined },
  secrets: SecretValues,
  now: () => number = Date.now,
): Promise<RunResult> {
  const startedAt = new Date(now());
  const t0 = now();
  const id = randomUUID();
  const carried = [...new Set([...secretsIn(c.args, secrets.all()), ...c.noLog.filter((s) => s !== '')])];
  if (carried.length > 0 && c.key === undefined) {
    throw new FtlError('FTL_NATS', `${c.module}'s args hold a secret, and secrets are not sent over NATS in clear`, {
      hint: 'give the caller and every worker the same key (FTL_NATS_KEY, or --nats-key-file FILE) so args are sealed',
    });
  }
  const tracker = new ProgressTracker(c.hosts.length, now);
  const report = (): void => run.onProgress?.(tracker.snapshot());
  const byHost = new Map<string, HostResult>();
  /** Which worker each pending host was given to. */
  const pending = new Map<string, string>();
  const workerT0 = new Map<string, number>();
  let settle: () => void = () => undefined;
  const allIn = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const finish = (host: string, status: HostStatus, result: Record<string, unknown>, startedMs: number, durationMs: number): void => {
    if (byHost.has(host)) return;
    pending.delete(host);
    byHost.set(host, { host, status, result: secrets.mask(result, c.noLog), startedMs, durationMs });
    tracker.finish(host, status);
    report();
    if (pending.size === 0) settle();
  };
  const giveUp = (worker: string, status: HostStatus, msg: string): void => {
    for (const [h, w] of [...pending]) {
      if (w !== worker) continue;
      const result = status === 'unreachable' ? { unreachable: true, msg, changed: false } : status === 'cancelled' ? { msg, changed: false } : { failed: true, msg, changed: false };
      finish(h, status, result, now() - t0, 0);
    }
  };
  const onEvent = (e: CallEvent): void => {
    nats.touch(e.worker);
    switch (e.kind) {
      case 'ack':
        workerT0.set(e.worker, now() - t0);
        for (const h of e.hosts) if (pending.get(h) === e.worker) tracker.start(h);
        report();
        return;
      case 'host': {
        const r = e.result;
        // Only the worker the host was given to, and only once: a duplicate or a stray is dropped.
        if (pending.get(r.host) !== e.worker) return;
        finish(r.host, r.status, { ...r.result }, (workerT0.get(e.worker) ?? 0) + r.startedMs, r.durationMs);
        return;
      }
      case 'error':
        giveUp(e.worker, e.status, e.message);
        return;
      case 'done':
        giveUp(e.worker, 'unreachable', `worker ${e.worker} finished the call without a result for this host`);
        return;
    }
  };

  const assignment = await nats.assign(c.hosts, run.signal);
  for (const [w, hs] of assignment.byWorker) for (const h of hs) pending.set(h, w);
  const noneKnown = nats.known().length === 0;
  for (const h of assignment.orphans) {
    const msg = noneKnown
      ? `no ftl worker answered on ${nats.url} (start ftl worker --nats ${nats.url} -i INVENTORY on the machines that reach the hosts)`
      : 'no live ftl worker holds this host (start a worker whose --shard or --hosts covers it, or check the workers\' inventories)';
    byHost.set(h, { host: h, status: 'unreachable', result: { unreachable: true, msg, changed: false }, startedMs: 0, durationMs: 0 });
    tracker.finish(h, 'unreachable');
  }
  report();
  if (pending.size > 0) {
    const off = await nats.follow(id, onEvent);
    const abort = (): void => {
      void nats.cancel(id);
      // Workers answer a cancel with their hosts cancelled; a worker that does not, within the grace, is given up.
      const late = setTimeout(() => {
        for (const w of new Set(pending.values())) giveUp(w, 'cancelled', `cancelled (worker ${w} did not confirm it)`);
      }, CANCEL_GRACE_MS);
      late.unref();
      void allIn.then(() => {
        clearTimeout(late);
      });
    };
    setMaxListeners(0, run.signal);
    if (run.signal.aborted) abort();
    else run.signal.addEventListener('abort', abort, { once: true });
    const started = new Map<string, number>();
    let lastTick = now();
    const watch = setInterval(() => {
      // A late tick means this process was stalled: heartbeats may be waiting unread, so
      // nobody is judged lost on this tick (the caller's own stall is not a worker's loss).
      const tick = now();
      const late = tick - lastTick > 1000;
      lastTick = tick;
      if (late) return;
      for (const w of new Set(pending.values())) {
        const quiet = nats.silentFor(w);
        if (quiet !== undefined) {
          giveUp(w, 'unreachable', `worker ${w} lost (no heartbeat for ${(quiet / 1000).toFixed(1)} s)`);
          continue;
        }
        const share = assignment.byWorker.get(w)?.length ?? 1;
        const since = started.get(w) ?? t0;
        if (now() - since > deadlineMs(share, c.opts)) giveUp(w, 'unreachable', `worker ${w} sent no result within the call's timeout (${String(c.opts.timeout)} s per host)`);
      }
    }, 250);
    try {
      for (const [worker, hosts] of assignment.byWorker) {
        started.set(worker, now());
        const sealed = c.key === undefined ? undefined : seal(c.key, id, { args: c.args, secrets: carried });
        await nats.send({ kind: 'call', v: PROTOCOL_VERSION, id, worker, hosts, module: c.module, ...(sealed === undefined ? { args: c.args } : { sealed }), opts: c.opts });
      }
      await allIn;
    } finally {
      clearInterval(watch);
      run.signal.removeEventListener('abort', abort);
      off();
    }
  }
  const results = c.hosts.map((h) => byHost.get(h)).filter((r): r is HostResult => r !== undefined);
  return new RunResult({ pattern: c.pattern, module: c.fqcn, args: secrets.mask(c.shownArgs, c.noLog), startedAt, durationMs: now() - t0, hosts: results });
}
