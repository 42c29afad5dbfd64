import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promptText } from '../../src/repl/prompt.js';
import { combine, progressText } from '../../src/repl/progress-line.js';
import { ProgressTracker } from '../../src/run/progress.js';
import { DOT_COMMANDS, dotHelp } from '../../src/repl/dot-commands.js';

const base = { target: 'webservers', hosts: 3, check: false, diff: false, become: undefined, colors: false };

describe('prompt', () => {
  it('shows the default target and its host count', () => {
    assert.equal(promptText(base), 'ftl webservers(3)> ');
  });
  it('shows check mode and become loudly', () => {
    const p = promptText({ ...base, check: true, become: 'root' });
    assert.match(p, /CHECK/);
    assert.match(p, /BECOME root/);
    // -b without a user: each host's own become user, still loud.
    assert.equal(promptText({ ...base, become: true }), 'ftl webservers(3)  BECOME > ');
    const coloured = promptText({ ...base, check: true, colors: true });
    assert.ok(coloured.includes('\x1b[30;43;1m CHECK '), coloured);
  });
});

describe('progress line', () => {
  it('names done/total and the slowest running hosts, within the width', () => {
    const text = progressText(
      {
        total: 10,
        done: 7,
        running: [
          { host: 'web09', elapsedMs: 4200 },
          { host: 'web03', elapsedMs: 1000 },
        ],
        runningCount: 2,
        counts: { ok: 6, changed: 0, failed: 1, unreachable: 0, skipped: 0, cancelled: 0 },
      },
      200,
    );
    assert.match(text, /7\/10 done, 1 failed · running web09 4\.2 s, web03 1\.0 s/);
    const narrow = progressText({ total: 2, done: 0, running: [{ host: 'a'.repeat(80), elapsedMs: 1 }], runningCount: 1, counts: { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, cancelled: 0 } }, 40);
    assert.ok(narrow.length <= 39, narrow);
  });

  it('on a big fleet names the three slowest and counts the rest, from a progress event that stays small', () => {
    let t = 0;
    const tracker = new ProgressTracker(10_000, () => t);
    for (let i = 0; i < 10_000; i++) {
      tracker.start(`h${String(i)}`);
      t += 1;
    }
    tracker.finish('h0', 'ok');
    const p = tracker.snapshot();
    assert.equal(p.runningCount, 9_999);
    assert.equal(p.running.length, 16, 'an event names only the slowest hosts');
    assert.deepEqual(p.running.slice(0, 2), [
      { host: 'h1', elapsedMs: 9_999 },
      { host: 'h2', elapsedMs: 9_998 },
    ]);
    assert.match(progressText(p, 200), /1\/10000 done · running h1 10\.0 s, h2 10\.0 s, h3 10\.0 s \+9996/);
    const both = combine([p, { ...p, total: 5, done: 0, running: [{ host: 'x', elapsedMs: 60_000 }], runningCount: 5 }]);
    assert.ok(both !== undefined);
    assert.equal(both.runningCount, 10_004);
    assert.equal(both.running[0]?.host, 'x');
    assert.equal(both.running.length, 16);
  });
});

describe('dot-commands', () => {
  it('include every command the REPL documents, each in the help', () => {
    const names = DOT_COMMANDS.map((c) => c.name);
    for (const n of ['help', 'hosts', 'groups', 'modules', 'doc', 'target', 'check', 'diff', 'become', 'forks', 'timeout', 'gates', 'json', 'exit']) {
      assert.ok(names.includes(n), n);
      assert.match(dotHelp(), new RegExp(`\\.${n}\\b`));
    }
  });
  it('refuse bad arguments with a one-line error naming the command', async () => {
    const set: string[] = [];
    const ctx = { setFlag: (f: string, on: boolean) => set.push(`${f}=${String(on)}`), setForks: (n: number) => set.push(`forks=${n}`) };
    const check = DOT_COMMANDS.find((c) => c.name === 'check');
    const forks = DOT_COMMANDS.find((c) => c.name === 'forks');
    assert.ok(check && forks);
    await check.run('on', ctx as never);
    await forks.run('20', ctx as never);
    assert.deepEqual(set, ['check=true', 'forks=20']);
    assert.throws(() => check.run('maybe', ctx as never), /\.check takes on or off, not 'maybe'/);
    assert.throws(() => forks.run('-3', ctx as never), /\.forks takes a positive whole number, not '-3'/);
  });
});
