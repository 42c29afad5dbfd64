import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GateError, SshError, UsageError } from '../../src/base/errors.js';
import { hostFacts } from '../../src/inventory/facts.js';
import { runOnHosts, becomeFor, outcomeOfError, type PreparedCall, type RunnerDefaults } from '../../src/run/runner.js';
import type { RunProgress } from '../../src/base/types.js';

const defaults: RunnerDefaults = { forks: 10, timeoutS: 5, check: false, diff: false, become: undefined };
const facts = (h: string) => hostFacts(h, {});

function fakeCall(behaviour: (host: string, signal: AbortSignal) => Promise<Record<string, unknown>>): PreparedCall {
  return {
    module: 'ping',
    shownArgs: {},
    async run(host, _facts, _become, { signal }) {
      const result = await behaviour(host, signal);
      return { status: result.failed === true ? 'failed' : result.changed === true ? 'changed' : 'ok', result };
    },
  };
}

describe('runOnHosts', () => {
  it('collects every host, a failure being a value', async () => {
    const call = fakeCall(async (h) => {
      await Promise.resolve();
      if (h === 'b') throw new GateError('FTL_GATE_DIED', 'gate exited with code 1', { host: h });
      if (h === 'c') return { failed: true, msg: 'nope' };
      return { changed: h === 'd' };
    });
    const r = await runOnHosts('all', ['a', 'b', 'c', 'd'], call, facts, defaults, {});
    assert.deepEqual(r.ok, ['a']);
    assert.deepEqual(r.unreachable, ['b']);
    assert.deepEqual(r.failed, ['c']);
    assert.deepEqual(r.changed, ['d']);
    assert.equal(r.success, false);
    // The host's own result does not name it again; the fix ends it.
    assert.equal(String(r.host('b')?.msg), 'gate exited with code 1 (the gate process exited; the next call starts a new one)');
    assert.deepEqual(r.hosts.map((h) => h.host), ['a', 'b', 'c', 'd']);
  });

  it('waits on hundreds of hosts at once without a Node warning (each host listens for Ctrl-C)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.name);
    };
    process.on('warning', onWarning);
    try {
      const call = fakeCall(async (_h, signal) => {
        const onAbort = (): void => undefined;
        signal.addEventListener('abort', onAbort, { once: true });
        await new Promise((r) => setTimeout(r, 5));
        signal.removeEventListener('abort', onAbort);
        return {};
      });
      const hosts = Array.from({ length: 200 }, (_, i) => `h${i}`);
      const r = await runOnHosts('all', hosts, call, facts, defaults, { forks: 200 });
      assert.equal(r.ok.length, 200);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(warnings, []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('runs at most `forks` hosts at once', async () => {
    let running = 0;
    let peak = 0;
    const call = fakeCall(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return {};
    });
    const hosts = Array.from({ length: 20 }, (_, i) => `h${i}`);
    const r = await runOnHosts('all', hosts, call, facts, defaults, { forks: 3 });
    assert.equal(r.ok.length, 20);
    assert.equal(peak, 3);
  });

  it('cancels running and waiting hosts on abort, keeping what finished', async () => {
    const ac = new AbortController();
    const call = fakeCall(async (h, signal) => {
      if (h === 'fast') return {};
      await new Promise<void>((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          reject(new GateError('FTL_CANCELLED', 'cancelled', { host: h }));
        });
      });
      return {};
    });
    const progress: RunProgress[] = [];
    const p = runOnHosts('all', ['fast', 'slow1', 'slow2', 'waiting'], call, facts, defaults, {
      forks: 3,
      signal: ac.signal,
      onProgress: (x) => progress.push(x),
    });
    setTimeout(() => {
      ac.abort();
    }, 20);
    const r = await p;
    assert.deepEqual(r.ok, ['fast']);
    assert.deepEqual(r.cancelled, ['slow1', 'slow2', 'waiting']);
    assert.equal(progress.at(-1)?.done, 4);
    assert.equal(progress.at(-1)?.counts.cancelled, 3);
  });

  it('works out who to become', () => {
    const f = hostFacts('h', { ansible_become: true, ansible_become_user: 'app', ansible_become_password: 's3' });
    assert.deepEqual(becomeFor(f, undefined, undefined), { user: 'app', password: 's3', method: 'sudo' });
    assert.equal(becomeFor(f, false, undefined), undefined);
    assert.deepEqual(becomeFor(hostFacts('h', {}), true, undefined), { user: 'root', password: undefined, method: 'sudo' });
    assert.deepEqual(becomeFor(hostFacts('h', {}), 'postgres', undefined)?.user, 'postgres');
    assert.equal(becomeFor(hostFacts('h', {}), undefined, undefined), undefined);
    // -b without a user (true): each host's own become user, as ansible's -b; -b USER: that user everywhere.
    assert.equal(becomeFor(hostFacts('h', { ansible_become_user: 'pg' }), undefined, true)?.user, 'pg');
    assert.equal(becomeFor(hostFacts('h', {}), undefined, true)?.user, 'root');
    assert.equal(becomeFor(hostFacts('h', { ansible_become_user: 'pg' }), undefined, 'app')?.user, 'app');
    // su and its flags come from the inventory, with the method-specific names winning as in Ansible.
    const su = hostFacts('h', { ansible_become: 'yes', ansible_become_method: 'su', ansible_become_flags: '-l', ansible_become_pass: 'a', ansible_su_pass: 'b' });
    assert.deepEqual(becomeFor(su, undefined, undefined), { user: 'root', password: 'b', method: 'su', flags: '-l' });
  });
});

describe('outcomeOfError: a host status by error code', () => {
  it('a host that cannot be reached is unreachable; a call that ran and failed is failed; Ctrl-C is cancelled', () => {
    const ssh = outcomeOfError(new SshError('FTL_SSH_CONNECT', 'cannot connect to root@10.0.0.9:22: connection refused', { host: 'web09' }), 30);
    assert.equal(ssh.status, 'unreachable');
    assert.equal(ssh.result.unreachable, true);
    assert.match(String(ssh.result.msg), /web09: cannot connect/);
    const slow = outcomeOfError(new GateError('FTL_GATE_TIMEOUT', 'Module command did not finish within 30 s', { host: 'web01' }), 30);
    assert.equal(slow.status, 'failed');
    assert.match(String(slow.result.msg), /^timed out after 30 s/);
    assert.equal(outcomeOfError(new GateError('FTL_CANCELLED', 'cancelled'), 30).status, 'cancelled');
    assert.equal(outcomeOfError(new UsageError('FTL_BAD_ARGS', 'bad'), 30).status, 'failed');
    assert.equal(outcomeOfError(new Error('a bug'), 30).status, 'failed');
  });
});
