import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { deadline, withDeadline } from '../../src/base/deadline.js';

describe('deadline: one settle point for answer, timeout and abort', () => {
  it('resolves with the answer and leaves no timer or listener behind', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const ac = new AbortController();
      let cleaned = 0;
      const p = deadline<number>((s) => {
        s.resolve(1);
        s.resolve(2);
        s.reject(new Error('late'));
      }, { ms: 1000, signal: ac.signal, cleanup: () => cleaned++ });
      assert.equal(await p, 1);
      assert.equal(cleaned, 1);
      // An abort after the answer changes nothing (the listener is gone).
      ac.abort();
      mock.timers.tick(2000);
      assert.equal(cleaned, 1);
    } finally {
      mock.timers.reset();
    }
  });

  it('rejects with the timeout error at the deadline, once', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let cleaned = 0;
      let settle: ((v: string) => void) | undefined;
      const p = deadline<string>((s) => (settle = s.resolve), { ms: 500, onTimeout: () => new Error('too slow'), cleanup: () => cleaned++ });
      mock.timers.tick(499);
      mock.timers.tick(1);
      await assert.rejects(p, /too slow/);
      settle?.('late answer');
      assert.equal(cleaned, 1);
    } finally {
      mock.timers.reset();
    }
  });

  it('rejects at once on abort, and before starting when already aborted', async () => {
    const ac = new AbortController();
    const p = withDeadline(new Promise<never>(() => undefined), { signal: ac.signal, onAbort: () => new Error('cancelled') });
    ac.abort();
    await assert.rejects(p, /cancelled/);
    let started = false;
    await assert.rejects(
      deadline(() => (started = true), { signal: AbortSignal.abort(new Error('gone')) }),
      /gone/,
    );
    assert.equal(started, false);
  });

  it('a throw while starting is a rejection', async () => {
    await assert.rejects(
      deadline(() => {
        throw new Error('bad start');
      }),
      /bad start/,
    );
  });
});
