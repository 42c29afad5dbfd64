import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ftl, jsonLines } from '../helpers/ftl.js';

describe('ftl run on localhost (no inventory)', () => {
  it('ping prints one result and exits 0', async () => {
    const r = await ftl(['run', 'localhost', 'ping']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ok\s+localhost \(1\)/);
    assert.match(r.stdout, /ping: pong/);
  });
  it('command cmd=uptime, and --json prints one JSON line per host then a summary', async () => {
    const r = await ftl(['run', 'localhost', 'command', 'cmd=uptime', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const [host, summary] = jsonLines(r.stdout);
    assert.ok(host !== undefined && summary !== undefined, r.stdout);
    assert.equal(host.host, 'localhost');
    assert.equal(host.status, 'changed');
    const result = host.result as { rc: number; stdout: string; stdout_lines: string[] };
    assert.equal(result.rc, 0);
    assert.match(result.stdout, /load average/);
    assert.deepEqual(result.stdout_lines, [result.stdout]);
    assert.deepEqual(summary.summary, { changed: 1 });
  });
  it('a failing host exits 2; free-form words are the command', async () => {
    const r = await ftl(['run', 'localhost', 'command', 'false']);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /failed\s+localhost \(1\)/);
    assert.match(r.stdout, /rc=1 non-zero return code/);
  });
  it('bad input is one line naming the thing and the fix, exit 1', async () => {
    const cases: [string[], RegExp][] = [
      [['run', 'localhost', 'pnig'], /no module 'pnig'; did you mean 'ping'/],
      [['run', 'localhost', 'stat', 'paht=/etc'], /unknown option 'paht' for stat; did you mean 'path'\?/],
      [['run', 'webz', 'ping'], /no host matches 'webz'/],
      [['run', 'localhost', 'debug', 'msg=hi'], /ansible\.builtin\.debug is a playbook action .* console\.log/],
      [['run', '-i', '/nope.yml', 'all', 'ping'], /inventory source \/nope\.yml does not exist/],
      [['run', 'localhost', 'ping', '--forks', 'x'], /--forks must be a positive whole number, not 'x'/],
    ];
    for (const [args, re] of cases) {
      const r = await ftl(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    }
  });
  it('--become runs the module as another user through sudo', async (t) => {
    const probe = await ftl(['run', 'localhost', 'command', 'cmd=true', '--become', 'nobody']);
    if (probe.code !== 0 && /sudo|password/i.test(probe.stdout + probe.stderr)) {
      t.skip('sudo -n -u nobody is not allowed for this user here');
      return;
    }
    const r = await ftl(['run', 'localhost', 'command', 'cmd=whoami', '--become', 'nobody', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((jsonLines(r.stdout)[0]?.result as { stdout: string }).stdout, 'nobody');
    const plain = await ftl(['run', 'localhost', 'command', 'cmd=whoami', '--json']);
    assert.notEqual((jsonLines(plain.stdout)[0]?.result as { stdout: string }).stdout, 'nobody');
  });
  it('ansible_become_flags replace sudo\'s -H: with -E, sudo keeps the caller\'s HOME', async (t) => {
    const home = async (extra: string[]): Promise<string> => {
      const r = await ftl(['run', 'localhost', '-m', 'command', '-a', 'printenv HOME', '-b', '--become-user', 'nobody', '--json', ...extra]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      return (jsonLines(r.stdout)[0]?.result as { stdout: string }).stdout;
    };
    const probe = await ftl(['run', 'localhost', 'command', 'cmd=true', '--become', 'nobody']);
    if (probe.code !== 0) {
      t.skip('sudo -n -u nobody is not allowed for this user here');
      return;
    }
    const own = process.env.HOME ?? '';
    assert.notEqual(await home([]), own, '-H (the default) gives nobody its own HOME');
    assert.equal(await home(['-e', 'ansible_become_flags=-E']), own);
  });
  it('without Ansible the native modules still run, and an Ansible module says how to get it', async () => {
    const env = { FTL_NO_ANSIBLE: '1' };
    const ok = await ftl(['run', 'localhost', 'stat', 'path=/'], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /exists: dir/);
    const missing = await ftl(['run', 'localhost', 'lineinfile', 'path=/tmp/x', 'line=a'], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no module 'lineinfile' \(this controller has only the native modules: apt-get install ansible-core/);
  });
  it('in a pipe every line of output is printed, nothing cut (seq 1 100)', async () => {
    const r = await ftl(['run', 'localhost', 'command', 'cmd=seq 1 100']);
    assert.equal(r.code, 0, r.stderr);
    const numbers = r.stdout.split('\n').filter((l) => /^\s+\d+$/.test(l)).map((l) => Number(l.trim()));
    assert.deepEqual(numbers, Array.from({ length: 100 }, (_, i) => i + 1));
    assert.doesNotMatch(r.stdout, /more line|\.show|_\.host/);
    assert.equal(r.stderr, '', 'no progress line without a terminal');
  });
  it('hints in errors work in the shell (ftl doc MODULE), and ftl doc shows a module', async () => {
    const bad = await ftl(['run', 'localhost', 'stat', 'path=/', 'get_checksum=maybe']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /ftl doc stat/);
    assert.doesNotMatch(bad.stderr, /(^|[\s(])\.doc /);
    const doc = await ftl(['doc', 'stat']);
    assert.equal(doc.code, 0, doc.stderr);
    assert.match(doc.stdout, /stat/);
    assert.match(doc.stdout, /get_checksum/);
  });
  it('ftl gate build prints the gate path and hash', async () => {
    const r = await ftl(['gate', 'build']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\.ftl\/gates\/([0-9a-f]{16})-[0-9a-f]{16}\.pyz\nhash \1 · \d+ bytes/);
  });
});

describe('the REPL with piped input', () => {
  it('evaluates lines in order, prints plain results and one-line errors, exit code says a call failed', async () => {
    const input = [
      'ftl.local.ping()',
      '$.ok',
      "ftl.local.command({ cmd: 'echo hello' })",
      '_.host("localhost").stdout',
      'ftl.nosuch.ping()',
      "ftl.local.command({ cmd: 'false' })",
      '.check on',
      "ftl.local.file({ path: '/tmp/ftl-piped-check', state: 'touch' })",
      '.settings',
    ].join('\n');
    const r = await ftl([], { input });
    assert.match(r.stdout, /ping: pong/);
    assert.match(r.stdout, /\[ 'localhost' \]/);
    assert.match(r.stdout, /'hello'/);
    assert.match(r.stdout, /✘ no host or group 'nosuch'/);
    assert.match(r.stdout, /failed\s+localhost/);
    assert.match(r.stdout, /check\s+on/);
    assert.equal(r.code, 1, 'the first trouble (a bad name) decides the exit code');
  });
  it('no input ends the session: bad patterns, bad args, thrown errors and rejections are one line each', async () => {
    const input = ["ftl['web[']", "ftl['all:&'].ping()", 'ftl.local.ping(5)', "throw new Error('mine')", "Promise.reject(new Error('rejected'))", 'ftl.local.ping()', '{ a: '].join('\n');
    const r = await ftl([], { input });
    assert.match(r.stdout, /\[ftl target web\[: no host matches 'web\['\]/);
    assert.match(r.stdout, /✘ no host matches 'all:&'/);
    assert.match(r.stdout, /✘ ping takes an object of options/);
    assert.match(r.stdout, /✘ Error: mine\n✘ Error: rejected/);
    assert.match(r.stdout, /ping: pong/, 'lines after the errors still ran');
    assert.match(r.stdout, /✘ the input ended inside an unfinished statement/);
    assert.equal(r.stderr, '');
  });
  it('a line whose promise never settles fails after -T with no call running, and the script goes on, exit 1', async () => {
    const input = ['ftl.local.ping()', 'new Promise(() => {})', "ftl.local.command({ cmd: 'echo after' })"].join('\n');
    const r = await ftl(['-T', '2'], { input, timeoutMs: 60_000 });
    assert.match(r.stdout, /ping: pong/);
    assert.match(r.stdout, /✘ line 2 did not finish: its promise has not settled after 2 s with no call running; going on with the next line/);
    assert.match(r.stdout, /after/, 'the line after it ran');
    assert.equal(r.code, 1);
  });
  it('every call prints its result when it ends, whatever the line does with it, once; $ is the last result, _ the last value', async () => {
    const input = [
      "for (const c of ['one', 'two', 'three']) await ftl.local.command({ cmd: `echo word-${c}` })",
      'const r = await ftl.local.ping()',
      'r.ok.length',
      '$.changed.length',
      '$.ok',
      "await Promise.all([ftl.local.command({ cmd: 'echo all-a' }), ftl.local.command({ cmd: 'echo all-b' })])",
      "p = ftl.local.command({ cmd: 'echo promised' })",
      'p.changed',
    ].join('\n');
    const r = await ftl([], { input });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual([...r.stdout.matchAll(/word-(\w+)/g)].map((m) => m[1]), ['one', 'two', 'three'], 'each turn of the loop printed, once, in order');
    assert.match(r.stdout, /ping: pong\n1 ok in .*\n1\n0\n\[ 'localhost' \]\n/, 'r.ok.length, then $ still the ping after a plain expression');
    assert.equal([...r.stdout.matchAll(/all-[ab]/g)].length, 2);
    assert.equal([...r.stdout.matchAll(/promised/g)].length, 1);
    assert.match(r.stdout, /promised\n1 changed in .*\n\[ 'localhost' \]/, "a call's promise answers for its result once settled");
    assert.doesNotMatch(r.stdout, /RunResult|pattern:/, 'no raw inspect of results');
  });
  it('exits 0 when every line succeeded, and --json gives JSON lines', async () => {
    const r = await ftl(['--json'], { input: 'ftl.local.ping()\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(jsonLines(r.stdout)[0]?.status, 'ok');
  });
});
