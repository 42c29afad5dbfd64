import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { automation } from '../../src/run/automation.js';
import { firstWord, gatherObservations, observationOf, observes, type ObserveCommand } from '../../src/run/observe.js';
import { runOnHosts, type PreparedCall, type RunnerDefaults } from '../../src/run/runner.js';
import { hostFacts } from '../../src/inventory/facts.js';
import { formatJsonLines, formatPlain } from '../../src/ui/format.js';

/** A host where every path under /srv is missing and every command answers by its first word. */
function fakeHost(answers: Record<string, number> = {}): { seen: string[]; exec: (c: ObserveCommand) => Promise<{ command: string; rc: number; output: string }> } {
  const seen: string[] = [];
  return {
    seen,
    exec: (c) => {
      seen.push(c.shown === '' ? `(hidden) ${c.argv.join(' ')}` : c.shown);
      const missing = c.argv.some((a) => a.startsWith('/srv'));
      const rc = answers[c.argv[0] ?? ''] ?? (missing && c.argv[0] === 'ls' ? 2 : 0);
      return Promise.resolve({ command: c.shown, rc, output: c.argv[0] === 'sh' && c.argv[2]?.startsWith('p=') === true ? '/' : `out of ${c.argv[0] ?? ''}` });
    },
  };
}

describe('failure observations: what is looked at', () => {
  it('service and systemd: its status and its last 20 journal lines; nothing without a name', async () => {
    for (const m of ['service', 'ansible.builtin.systemd', 'ansible.builtin.systemd_service']) {
      const h = fakeHost();
      const obs = await gatherObservations(m, { name: 'nginx', state: 'started' }, false, h.exec);
      assert.deepEqual(h.seen, ['systemctl status nginx --no-pager', 'journalctl -u nginx -n 20 --no-pager'], m);
      assert.equal(obs.length, 2);
    }
    const h = fakeHost();
    assert.deepEqual(await gatherObservations('service', { state: 'started' }, false, h.exec), []);
    // Observed in check mode too: a service that is not there fails the same way.
    assert.equal(observes('ansible.builtin.service', true), true);
  });

  it('copy, template and file: ls of the path, its parent when missing, then df and df -i where it exists', async () => {
    const h = fakeHost();
    await gatherObservations('ansible.builtin.copy', { content: 'x', dest: '/srv/app/conf/app.conf' }, false, h.exec);
    assert.deepEqual(h.seen, [
      'ls -laZ /srv/app/conf/app.conf',
      'ls -laZ /srv/app/conf',
      "(hidden) sh -c p=$1; while [ ! -e \"$p\" ]; do p=$(dirname -- \"$p\"); done; printf %s \"$p\" sh /srv/app/conf",
      'df -P /',
      'df -Pi /',
    ]);
    const there = fakeHost();
    const obs = await gatherObservations('file', { path: '/etc/app', state: 'directory' }, false, there.exec);
    assert.deepEqual(there.seen, ['ls -laZ /etc/app', 'df -P /etc/app', 'df -Pi /etc/app']);
    assert.deepEqual(obs.map((o) => o.command), there.seen, 'the hidden step is not an observation');
    // A path still to be templated per host is not guessed at.
    const templated = fakeHost();
    assert.deepEqual(await gatherObservations('template', { src: 'a.j2', dest: '{{ app_dir }}/a' }, false, templated.exec), []);
  });

  it('command and shell: chdir and the first word; never in check mode (nothing ran)', async () => {
    const h = fakeHost();
    await gatherObservations('ansible.builtin.command', { cmd: 'LANG=C deploy --now', chdir: '/opt/app' }, false, h.exec);
    assert.deepEqual(h.seen, ['ls -ld /opt/app', 'command -v deploy']);
    const check = fakeHost();
    assert.deepEqual(await gatherObservations('shell', 'deploy', true, check.exec), []);
    assert.deepEqual(check.seen, []);
    assert.equal(observes('ansible.builtin.ping', false), false);
    assert.equal(firstWord({ argv: ['/usr/bin/env', 'x'] }), '/usr/bin/env');
    assert.equal(firstWord({ _raw_params: '$(pick) x' }), undefined, 'a word the shell computes is not looked up');
  });

  it("an answer: output, else the module's message, else what silence means; long output is cut", () => {
    const c: ObserveCommand = { argv: ['sh'], shown: 'command -v nosuch', silent: 'nosuch: not found' };
    assert.deepEqual(observationOf(c, { rc: 127, stdout: '', stderr: '', msg: 'non-zero return code', failed: true }), { command: 'command -v nosuch', rc: 127, output: 'nosuch: not found' });
    assert.deepEqual(observationOf({ argv: [], shown: 'systemctl status x' }, { rc: 2, msg: "[Errno 2] No such file or directory: b'systemctl'", failed: true }).output, "[Errno 2] No such file or directory: b'systemctl'");
  });
});

describe('failure observations in results', () => {
  const defaults: RunnerDefaults = { forks: 4, timeoutS: 5, check: false, diff: false, become: undefined };
  const call: PreparedCall = {
    module: 'ansible.builtin.service',
    shownArgs: { name: 'app' },
    secrets: ['s3cret-value'],
    run: (host) => Promise.resolve(host === 'b' ? { status: 'failed', result: { failed: true, msg: 'Could not find the requested service app' } } : { status: 'ok', result: { changed: false } }),
  };

  it('only failed hosts are observed; the output is masked, shown under the failure, and carried in --json', async () => {
    const observed: string[] = [];
    const r = await runOnHosts('all', ['a', 'b'], call, (h) => hostFacts(h, {}), defaults, {}, Date.now, undefined, (host) => {
      observed.push(host);
      return Promise.resolve([{ command: 'systemctl status app --no-pager', rc: 4, output: 'Unit app.service could not be found (token s3cret-value)\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8' }]);
    });
    assert.deepEqual(observed, ['b']);
    const b = r.hosts.find((h) => h.host === 'b');
    assert.equal(b?.observations?.[0]?.rc, 4);
    assert.doesNotMatch(JSON.stringify(r), /s3cret-value/);
    assert.equal(r.hosts.find((h) => h.host === 'a')?.observations, undefined);
    const plain = formatPlain(r, { columns: 100 });
    assert.match(plain, /Could not find the requested service app\n {4}observed on the host:\n {6}\$ systemctl status app --no-pager {2}\(rc 4\)\n {8}Unit app.service could not be found \(token \*{8}\)/);
    assert.match(plain, /line 6\n {8}… 2 more lines/);
    const json = formatJsonLines(r).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { host?: string; observations?: unknown[] });
    assert.equal(json.find((l) => l.host === 'b')?.observations?.length, 1);
    assert.equal(json.find((l) => l.host === 'a')?.observations, undefined);
  });

  it('an observer that throws leaves the failure as it was', async () => {
    const r = await runOnHosts('all', ['b'], call, (h) => hostFacts(h, {}), defaults, {}, Date.now, undefined, () => Promise.reject(new Error('boom')));
    assert.equal(r.failed[0], 'b');
    assert.equal(r.hosts[0]?.observations, undefined);
    assert.match(String(r.host('b')?.msg), /Could not find/);
  });

  it('localhost through the library: on by default, off with { observe: false } on the call or the session', async () => {
    const dir = join(tmpdir(), 'ftl-observe-no-such-dir-4711');
    const lib = await automation({ audit: false, stateFile: false });
    try {
      const on = await lib.target('localhost').command({ cmd: 'ftl-no-such-command-93', chdir: dir });
      assert.deepEqual(on.hosts[0]?.observations?.map((o) => o.command), [`ls -ld ${dir}`, 'command -v ftl-no-such-command-93']);
      assert.match(on.hosts.at(0)?.observations?.at(0)?.output ?? '', /No such file or directory/);
      const off = await lib.target('localhost').command({ cmd: 'ftl-no-such-command-93', chdir: dir }, { observe: false });
      assert.equal(off.hosts[0]?.observations, undefined);
      const check = await lib.target('localhost').command({ cmd: 'ftl-no-such-command-93', chdir: dir }, { check: true });
      assert.equal(check.failed.length, 1, 'a missing chdir fails in check mode too');
      assert.equal(check.hosts[0]?.observations, undefined, 'nothing ran in check mode: nothing to look at');
    } finally {
      await lib.close();
    }
    const quiet = await automation({ audit: false, stateFile: false, observe: false });
    try {
      const r = await quiet.target('localhost').command({ cmd: 'ftl-no-such-command-93' });
      assert.equal(r.failed.length, 1);
      assert.equal(r.hosts[0]?.observations, undefined);
    } finally {
      await quiet.close();
    }
  });
});
