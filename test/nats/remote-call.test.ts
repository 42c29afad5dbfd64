import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runRemote, secretsIn, type RemoteCall } from '../../src/run/remote-call.js';
import type { NatsCaller, Assignment } from '../../src/nats/caller.js';
import type { CallEvent, CallRequest } from '../../src/nats/codec.js';
import { SecretValues } from '../../src/base/secrets.js';
import { FtlError } from '../../src/base/errors.js';
import type { HostStatus } from '../../src/base/types.js';

/** A stand-in for the bus: the test plays the workers, answering each request it sends. */
class FakeCaller {
  readonly url = 'nats://fake:4222';
  sent: CallRequest[] = [];
  cancels: string[] = [];
  silent = new Map<string, number>();
  private on: ((e: CallEvent) => void) | undefined;
  constructor(
    private readonly owners: Record<string, string[]>,
    private readonly answer: (req: CallRequest, emit: (e: CallEvent) => void) => void,
  ) {}
  assign(hosts: readonly string[]): Promise<Assignment> {
    const byWorker = new Map<string, string[]>();
    const orphans: string[] = [];
    for (const h of hosts) {
      const w = Object.keys(this.owners).find((k) => this.owners[k]?.includes(h));
      if (w === undefined) orphans.push(h);
      else byWorker.set(w, [...(byWorker.get(w) ?? []), h]);
    }
    return Promise.resolve({ byWorker, orphans });
  }
  known(): { worker: string }[] {
    return Object.keys(this.owners).map((worker) => ({ worker }));
  }
  touch(): void {}
  silentFor(w: string): number | undefined {
    return this.silent.get(w);
  }
  follow(_id: string, on: (e: CallEvent) => void): Promise<() => void> {
    this.on = on;
    return Promise.resolve(() => {
      this.on = undefined;
    });
  }
  send(req: CallRequest): Promise<void> {
    this.sent.push(req);
    setImmediate(() => {
      this.answer(req, (e) => this.on?.(e));
    });
    return Promise.resolve();
  }
  cancel(id: string): Promise<void> {
    this.cancels.push(id);
    return Promise.resolve();
  }
}

const hostEvent = (req: CallRequest, host: string, status: HostStatus = 'ok', result: Record<string, unknown> = { ping: 'pong' }): CallEvent => ({
  kind: 'host', v: 1, id: req.id, worker: req.worker, result: { host, status, result, startedMs: 0, durationMs: 1 },
});

function call(hosts: string[], over: Partial<RemoteCall> = {}): RemoteCall {
  return { pattern: 'all', hosts, module: 'ping', fqcn: 'ansible.builtin.ping', args: {}, shownArgs: {}, noLog: [], key: undefined, opts: { check: false, diff: false, timeout: 30, forks: 50 }, ...over };
}

const signal = (): AbortSignal => new AbortController().signal;

describe('folding NATS workers\' answers into one RunResult', () => {
  it('each host once, in the call\'s order: a duplicate, a host of another worker and a late result are dropped', async () => {
    const fake = new FakeCaller({ w1: ['a', 'b'], w2: ['c'] }, (req, emit) => {
      emit({ kind: 'ack', v: 1, id: req.id, worker: req.worker, hosts: req.hosts });
      for (const h of req.hosts) emit(hostEvent(req, h, 'changed'));
      if (req.worker === 'w1') {
        emit(hostEvent(req, 'a', 'failed')); // again, otherwise
        emit(hostEvent(req, 'c', 'failed')); // not this worker's host
      }
      emit({ kind: 'done', v: 1, id: req.id, worker: req.worker, count: req.hosts.length });
    });
    const r = await runRemote(fake as unknown as NatsCaller, call(['c', 'a', 'b']), { signal: signal() }, new SecretValues());
    assert.deepEqual(r.hosts.map((h) => `${h.host}:${h.status}`), ['c:changed', 'a:changed', 'b:changed']);
    assert.deepEqual(r.changed, ['c', 'a', 'b']);
    assert.equal(r.module, 'ansible.builtin.ping');
    assert.deepEqual(fake.sent.map((s) => [s.worker, s.hosts]).sort(), [['w1', ['a', 'b']], ['w2', ['c']]]);
  });
  it('a host no worker holds, and a host a worker finished without, are unreachable and say why', async () => {
    const fake = new FakeCaller({ w1: ['a', 'b'] }, (req, emit) => {
      emit(hostEvent(req, 'a'));
      emit({ kind: 'done', v: 1, id: req.id, worker: req.worker, count: 1 });
    });
    const r = await runRemote(fake as unknown as NatsCaller, call(['a', 'b', 'zz']), { signal: signal() }, new SecretValues());
    assert.deepEqual(r.ok, ['a']);
    assert.deepEqual(r.unreachable, ['b', 'zz']);
    assert.match(String(r.host('b')?.msg), /worker w1 finished the call without a result for this host/);
    assert.match(String(r.host('zz')?.msg), /no live ftl worker holds this host/);
  });
  it('a worker that goes silent (no heartbeat) has its pending hosts unreachable, naming it', async () => {
    const fake = new FakeCaller({ w1: ['a'], w2: ['b'] }, (req, emit) => {
      if (req.worker === 'w1') emit(hostEvent(req, 'a'));
      else fake.silent.set('w2', 6100);
    });
    const r = await runRemote(fake as unknown as NatsCaller, call(['a', 'b']), { signal: signal() }, new SecretValues());
    assert.deepEqual(r.ok, ['a']);
    assert.deepEqual(r.unreachable, ['b']);
    assert.equal(r.host('b')?.msg, 'worker w2 lost (no heartbeat for 6.1 s)');
  });
  it('an error from a worker (the call refused there) is its hosts\' result', async () => {
    const fake = new FakeCaller({ w1: ['a'] }, (req, emit) => {
      emit({ kind: 'error', v: 1, id: req.id, worker: 'w1', status: 'failed', message: "worker w1: no module 'pnig'" });
    });
    const r = await runRemote(fake as unknown as NatsCaller, call(['a']), { signal: signal() }, new SecretValues());
    assert.deepEqual(r.failed, ['a']);
    assert.match(String(r.host('a')?.msg), /no module 'pnig'/);
  });
  it('abort sends a cancel for the call; the workers\' cancelled results are the result', async () => {
    const ctrl = new AbortController();
    const fake = new FakeCaller({ w1: ['a', 'b'] }, (req, emit) => {
      emit({ kind: 'ack', v: 1, id: req.id, worker: 'w1', hosts: req.hosts });
      ctrl.abort();
      setImmediate(() => {
        for (const h of req.hosts) emit(hostEvent(req, h, 'cancelled', { msg: 'cancelled', changed: false }));
      });
    });
    const r = await runRemote(fake as unknown as NatsCaller, call(['a', 'b']), { signal: ctrl.signal }, new SecretValues());
    assert.deepEqual(r.cancelled, ['a', 'b']);
    assert.equal(fake.cancels.length, 1);
    assert.equal(fake.cancels[0], fake.sent[0]?.id);
  });
  it('args holding a secret are sealed with a key, refused without one; results are masked', async () => {
    const secrets = new SecretValues();
    secrets.add('s3cret-value-42');
    assert.deepEqual(secretsIn({ a: ['x', { b: 'Bearer s3cret-value-42' }] }, secrets.all()), ['s3cret-value-42']);
    const fake = new FakeCaller({ w1: ['a'] }, (req, emit) => {
      emit(hostEvent(req, 'a', 'ok', { stdout: 'echo s3cret-value-42' }));
    });
    const args = { argv: ['echo', 's3cret-value-42'] };
    await assert.rejects(runRemote(fake as unknown as NatsCaller, call(['a'], { args }), { signal: signal() }, secrets), (e: unknown) => e instanceof FtlError && e.code === 'FTL_NATS' && /FTL_NATS_KEY/.test(e.hint));
    assert.equal(fake.sent.length, 0);
    const r = await runRemote(fake as unknown as NatsCaller, call(['a'], { args, key: 'a key long enough here' }), { signal: signal() }, secrets);
    const sent = fake.sent[0];
    assert.ok(sent !== undefined && sent.args === undefined && typeof sent.sealed === 'string');
    assert.ok(!JSON.stringify(sent).includes('s3cret'));
    assert.equal(r.host('a')?.stdout, 'echo ********');
  });
});
