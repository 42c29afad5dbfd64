import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FtlError } from '../../src/base/errors.js';
import { CallPromise } from '../../src/run/call-promise.js';
import { RunResult } from '../../src/run/result.js';

function result(): RunResult {
  return new RunResult({ pattern: 'web', module: 'ping', args: {}, startedAt: new Date(0), durationMs: 1, hosts: [{ host: 'web01', status: 'ok', result: { ping: 'pong' }, startedMs: 0, durationMs: 1 }] });
}

describe("a call's promise", () => {
  it('read before it settled, .ok says to await it instead of being undefined; once settled it answers as the result', async () => {
    let settle: (r: RunResult) => void = () => undefined;
    const p = CallPromise.of(new Promise<RunResult>((res) => (settle = res)));
    const q = p as unknown as { ok: string[]; host(n: string): unknown };
    assert.throws(() => q.ok, (e: unknown) => e instanceof FtlError && /\.ok was read on a call's promise, not its result: the call has not finished yet/.test(e.message) && /await/.test(e.hint));
    settle(result());
    const r = await p;
    assert.ok(r instanceof RunResult);
    assert.deepEqual(q.ok, ['web01']);
    assert.deepEqual(q.host('web01'), { ping: 'pong' });
    // then() gives a plain promise: only the call's own promise stands for its result.
    assert.equal(Object.getPrototypeOf(p.then(() => 1)), Promise.prototype);
  });

  it('a failed call: reading .ok says it failed; the rejection reaches await', async () => {
    const p = CallPromise.of(Promise.reject(new Error('boom')));
    await assert.rejects(p, /boom/);
    assert.throws(() => (p as unknown as { ok: unknown }).ok, /the call failed/);
  });
});
