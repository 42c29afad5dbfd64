import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostResult, RunResultData } from '../../src/base/types.js';
import { diffLineColor, resultDiff, unifiedDiff } from '../../src/ui/diff.js';
import { formatPlain, REPL_CUT } from '../../src/ui/format.js';
import { formatRange, groupOutcomes } from '../../src/ui/group.js';
import { formatHostWhole } from '../../src/ui/whole.js';

function call(module: string, hosts: HostResult[]): RunResultData {
  return { pattern: 'lab', module, args: {}, startedAt: new Date(0), durationMs: 10, hosts };
}
function host(name: string, result: Record<string, unknown>, durationMs = 5, status: HostResult['status'] = 'changed'): HostResult {
  return { host: name, status, result, startedMs: 0, durationMs };
}
/** What lineinfile returns with diff on. */
function lineinfileDiff(path: string, before: string, after: string): Record<string, unknown> {
  return { changed: true, msg: 'line replaced', diff: [{ before, after, before_header: `${path} (content)`, after_header: `${path} (content)` }, { before_header: `${path} (file attributes)`, after_header: `${path} (file attributes)` }] };
}

describe('unified diffs of module results', () => {
  it('gives the lines Python difflib gives: headers, hunk ranges, context of 3, nearby changes in one hunk', () => {
    assert.deepEqual(unifiedDiff('a=1\nport=80\nb=2\n', 'a=1\nport=8080\nb=2\n', 'x (content)', 'x (content)'), ['--- x (content)', '+++ x (content)', '@@ -1,3 +1,3 @@', ' a=1', '-port=80', '+port=8080', ' b=2']);
    const a = Array.from({ length: 20 }, (_, i) => String(i + 1));
    const b = [...a];
    b[1] = 'two';
    b.splice(15, 1);
    b.push('21');
    // Expected as difflib.unified_diff(a, b, 'b', 'a') prints it.
    assert.deepEqual(unifiedDiff(`${a.join('\n')}\n`, `${b.join('\n')}\n`, 'b', 'a'), [
      '--- b', '+++ a',
      '@@ -1,5 +1,5 @@', ' 1', '-2', '+two', ' 3', ' 4', ' 5',
      '@@ -13,8 +13,8 @@', ' 13', ' 14', ' 15', '-16', ' 17', ' 18', ' 19', ' 20', '+21',
    ]);
    assert.deepEqual(unifiedDiff('', 'new\nfile\n', 'b', 'a'), ['--- b', '+++ a', '@@ -0,0 +1,2 @@', '+new', '+file']);
    assert.deepEqual(unifiedDiff('same\n', 'same\n'), [], 'no change, no diff');
  });

  it('reads every shape Ansible modules return: a list, before/after dicts, prepared text, binary and size notes', () => {
    assert.deepEqual(resultDiff(lineinfileDiff('/etc/x', 'a\n', 'b\n')), ['--- /etc/x (content)', '+++ /etc/x (content)', '@@ -1 +1 @@', '-a', '+b']);
    // The file module: dicts, shown as sorted JSON.
    const file = resultDiff({ diff: { before: { path: '/d', state: 'absent' }, after: { path: '/d', state: 'directory' } } });
    assert.ok(file.includes('-    "state": "absent"') && file.includes('+    "state": "directory"'), file.join('\n'));
    assert.deepEqual(resultDiff({ diff: { prepared: '--- a\n+++ b\n+x\n' } }), ['--- a', '+++ b', '+x']);
    assert.deepEqual(resultDiff({ diff: [{ src_binary: 1 }, { dst_larger: 104448 }] }), ['(diff skipped: the source file looks binary)', '(diff skipped: the destination file is larger than 104448 bytes)']);
    assert.deepEqual(resultDiff({ changed: false }), []);
  });

  it('colours as a terminal diff does: headers bold, hunks cyan, removals red, additions green', () => {
    assert.deepEqual(['--- a', '+++ b', '@@ -1 +1 @@', '-x', '+y', ' z'].map(diffLineColor), ['bold', 'bold', 'cyan', 'red', 'green', undefined]);
  });
});

describe('diffs folded across hosts', () => {
  it('hosts with the same diff share one row; a host whose diff differs is shown apart although its message is the same', () => {
    const same = lineinfileDiff('/etc/app.conf', 'port=80\n', 'port=8080\n');
    const other = lineinfileDiff('/etc/app.conf', 'port=81\n', 'port=8080\n');
    const rows = groupOutcomes(call('ansible.builtin.lineinfile', [host('lab01', same, 30), host('lab02', same, 90), host('lab03', other)]));
    assert.deepEqual(
      rows.map((r) => [r.folded, r.summary, r.diff.filter((l) => l.startsWith('-') && !l.startsWith('---'))]),
      [
        ['lab[01-02]', 'line replaced', ['-port=80']],
        ['lab03', 'line replaced', ['-port=81']],
      ],
    );
    const [first] = rows;
    assert.equal(first?.minMs, 30);
    assert.equal(first.durationMs, 90);
    const text = formatPlain(call('ansible.builtin.lineinfile', [host('lab01', same), host('lab02', same), host('lab03', same)]), { columns: 100 });
    assert.match(text, /^✔ changed lab\[01-03\] \(3\) 5 ms\n {4}line replaced\n {4}--- \/etc\/app\.conf \(content\)\n {4}\+\+\+ \/etc\/app\.conf \(content\)\n {4}@@ -1 \+1 @@\n {4}-port=80\n {4}\+port=8080\n3 changed in 10 ms\n$/);
  });

  it('a long diff is cut with how many lines are left and how to see them; with no cut (a pipe) it is whole', () => {
    const before = Array.from({ length: 100 }, (_, i) => `old ${String(i)}`).join('\n');
    const after = Array.from({ length: 100 }, (_, i) => `new ${String(i)}`).join('\n');
    const r = call('ansible.builtin.copy', [host('web01', { changed: true, diff: { before, after } })]);
    const cut = formatPlain(r, { columns: 100, cut: REPL_CUT });
    assert.match(cut, /… 163 more lines: \.show web01/);
    assert.doesNotMatch(cut, /new 99/);
    const whole = formatPlain(r, { columns: 100 });
    assert.match(whole, /\+new 99/);
    assert.doesNotMatch(whole, /more line/);
    const colored = formatPlain(r, { columns: 100, colors: true });
    assert.ok(colored.includes('\x1b[31m-old 0\x1b[0m'), 'removals red');
    assert.ok(colored.includes('\x1b[32m+new 0\x1b[0m'), 'additions green');
  });
});

describe('whole output', () => {
  it('a pipe gets every line of output, stderr shown under it when not empty', () => {
    const stdout = Array.from({ length: 100 }, (_, i) => String(i + 1)).join('\n');
    const text = formatPlain(call('ansible.builtin.command', [host('db01', { stdout, stderr: 'warning: low disk', rc: 0 })]), { columns: 100 });
    for (const n of [1, 50, 100]) assert.match(text, new RegExp(`^ {4}${String(n)}$`, 'm'));
    assert.match(text, /^ {4}stderr:\n {4}warning: low disk$/m);
  });

  it('.show text: stdout, stderr, diff and the rest of the result, nothing cut', () => {
    const stdout = Array.from({ length: 200 }, (_, i) => `row ${String(i + 1)}`).join('\n');
    const text = formatHostWhole(call('ansible.builtin.shell', [host('db01', { stdout, stderr: 'careful', rc: 0, cmd: 'x' })]), 'db01', false) ?? '';
    assert.match(text, /^✔ changed db01 · ansible\.builtin\.shell · 5 ms\nstdout:\nrow 1\n/);
    assert.match(text, /row 200\nstderr:\ncareful\nresult:\n/);
    assert.match(text, /"rc": 0/);
    assert.equal(formatHostWhole(call('x', []), 'nope', false), undefined);
  });

  it('folded rows show the quickest and the slowest time', () => {
    assert.equal(formatRange(80, 340), '80–340 ms');
    assert.equal(formatRange(900, 2100), '900 ms–2.1 s');
    assert.equal(formatRange(1200, 2100), '1.2–2.1 s');
    assert.equal(formatRange(40, 40), '40 ms');
  });
});
