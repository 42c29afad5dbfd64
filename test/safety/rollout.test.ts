import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostFacts } from '../../src/inventory/facts.js';
import { batchesOf, serialSize } from '../../src/run/batches.js';
import { runOnHosts, type PreparedCall, type RunnerDefaults } from '../../src/run/runner.js';

const defaults: RunnerDefaults = { forks: 10, timeoutS: 5, check: false, diff: false, become: undefined };
const facts = (h: string) => hostFacts(h, {});
const hosts = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9', 'h10'];

/** A call that records which hosts it started, in order, and fails on the given ones. */
function recording(failing: readonly string[]): { call: PreparedCall; started: string[] } {
  const started: string[] = [];
  const call: PreparedCall = {
    module: 'ansible.builtin.command',
    shownArgs: {},
    async run(host) {
      started.push(host);
      await new Promise((r) => setTimeout(r, 2));
      return failing.includes(host) ? { status: 'failed', result: { failed: true, rc: 1, msg: 'boom' } } : { status: 'changed', result: { changed: true } };
    },
  };
  return { call, started };
}

describe('canary, fail-fast, max-fail and serial', () => {
  it('serial: N and P% batches as Ansible cuts them, a canary batch first', () => {
    assert.deepEqual(batchesOf(hosts, { serial: 4 }), [['h1', 'h2', 'h3', 'h4'], ['h5', 'h6', 'h7', 'h8'], ['h9', 'h10']]);
    assert.equal(serialSize('25%', 10), 2);
    assert.equal(serialSize('5%', 10), 1);
    assert.deepEqual(batchesOf(hosts, { canary: 1, serial: '50%' }), [['h1'], ['h2', 'h3', 'h4', 'h5', 'h6'], ['h7', 'h8', 'h9', 'h10']]);
    assert.deepEqual(batchesOf(hosts, { canary: 20 }), [hosts]);
    assert.throws(() => serialSize('0%', 10), /above 0/);
    assert.throws(() => serialSize('two', 10), /positive whole number or a percentage/);
  });

  it('a failing canary: no other host is started, the rest are skipped', async () => {
    const { call, started } = recording(['h1']);
    const r = await runOnHosts('all', hosts, call, facts, defaults, { canary: 1 });
    assert.deepEqual(started, ['h1']);
    assert.deepEqual(r.failed, ['h1']);
    assert.deepEqual(r.skipped, hosts.slice(1));
    assert.match(String(r.host('h5')?.msg), /not started: canary h1 failed/);
  });

  it('a good canary: the rest run', async () => {
    const { call, started } = recording([]);
    const r = await runOnHosts('all', hosts, call, facts, defaults, { canary: 2 });
    assert.deepEqual(started.slice(0, 2), ['h1', 'h2']);
    assert.equal(r.changed.length, 10);
  });

  it('failFast stops new hosts at the first failure; maxFailPercent once crossed', async () => {
    const ff = recording(['h3']);
    const r = await runOnHosts('all', hosts, ff.call, facts, defaults, { failFast: true, forks: 1 });
    assert.deepEqual(ff.started, ['h1', 'h2', 'h3']);
    assert.deepEqual(r.skipped, hosts.slice(3));
    assert.match(String(r.host('h4')?.msg), /fail-fast: h3 failed/);
    const mf = recording(['h1', 'h2', 'h3']);
    const r2 = await runOnHosts('all', hosts, mf.call, facts, defaults, { maxFailPercent: 20, forks: 1 });
    // 2 of 10 is not over 20%; the third is.
    assert.deepEqual(mf.started, ['h1', 'h2', 'h3']);
    assert.equal(r2.skipped.length, 7);
    assert.match(String(r2.host('h9')?.msg), /3 of 10 hosts failed \(over 20%\)/);
  });

  it('serial runs batches one after another; a batch that failed whole stops the rest', async () => {
    const { call, started } = recording([]);
    const r = await runOnHosts('all', hosts, call, facts, defaults, { serial: 3 });
    for (const [a, b] of [[2, 3], [5, 6], [8, 9]] as const) {
      const prev = r.hosts[a];
      const next = r.hosts[b];
      assert.ok(prev !== undefined && next !== undefined);
      assert.ok(next.startedMs >= prev.startedMs + prev.durationMs, `batch of ${next.host} started after ${prev.host} ended`);
    }
    assert.equal(started.length, 10);
    const all = recording(['h1', 'h2']);
    const r2 = await runOnHosts('all', hosts, all.call, facts, defaults, { serial: 2 });
    assert.deepEqual(all.started, ['h1', 'h2']);
    assert.match(String(r2.host('h3')?.msg), /every host of batch 1 failed/);
  });
});
