import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { cleanup, render } from 'ink-testing-library';
import type { HostResult, HostStatus, RunResultData } from '../../src/base/types.js';
import { REPL_CUT } from '../../src/ui/format.js';
import { ResultTable } from '../../src/ui/ResultTable.js';

function host(name: string, status: HostStatus, result: Record<string, unknown>, durationMs = 120): HostResult {
  return { host: name, status, result, startedMs: 0, durationMs };
}

function call(module: string, hosts: HostResult[], durationMs = 1234): RunResultData {
  return { pattern: 'web', module, args: {}, startedAt: new Date(0), durationMs, hosts };
}

/** The table as a person sees it, one string per line, right ends trimmed. */
function lines(result: RunResultData, columns = 100): string[] {
  const { lastFrame } = render(<ResultTable result={result} columns={columns} cut={REPL_CUT} />);
  return stripVTControlCharacters(lastFrame() ?? '')
    .split('\n')
    .map((l) => l.trimEnd());
}

describe('ResultTable', () => {
  afterEach(cleanup);

  it('folds hosts with the same outcome into one row with the count, and ends with the summary', () => {
    const names = ['web01', 'web02', 'web03', 'web04', 'web05'];
    const out = lines(call('ansible.builtin.ping', names.map((n, i) => host(n, 'ok', { ping: 'pong' }, 100 + i))));
    assert.equal(out.length, 2);
    assert.match(out[0] ?? '', /^✔ ok\s+web\[01-05\] \(5\)\s+ping: pong\s+100–104 ms$/);
    assert.equal(out[1], '5 ok in 1.2 s');
  });

  it('puts trouble first: failed, unreachable and cancelled before changed and ok', () => {
    const out = lines(
      call('ansible.builtin.command', [
        host('web01', 'changed', { stdout: 'up 3 days', rc: 0 }),
        host('web02', 'changed', { stdout: 'up 3 days', rc: 0 }),
        host('web03', 'failed', { rc: 2, stderr: 'No such file', failed: true }),
        host('web04', 'unreachable', { msg: 'cannot connect to web04: connection refused', unreachable: true }),
        host('web05', 'cancelled', { msg: 'cancelled' }),
      ]),
    );
    assert.match(out[0] ?? '', /^✘ failed\s+web03 \(1\)\s+rc=2 No such file/);
    assert.match(out[1] ?? '', /^✘ unreachable\s+web04 \(1\)\s+cannot connect to web04: connection refused/);
    assert.match(out[2] ?? '', /^⏹ cancelled\s+web05 \(1\)\s+cancelled/);
    assert.match(out[3] ?? '', /^✔ changed\s+web\[01-02\] \(2\)\s+up 3 days/);
    assert.equal(out[4], '1 failed, 1 unreachable, 1 cancelled, 2 changed in 1.2 s');
  });

  it('hosts whose outputs differ get rows of their own', () => {
    const out = lines(call('ansible.builtin.command', [host('a1', 'changed', { stdout: 'x' }), host('a2', 'changed', { stdout: 'y' }), host('a3', 'changed', { stdout: 'x' })]));
    assert.match(out.join('\n'), /a\[1,3\] \(2\)\s+x/);
    assert.match(out.join('\n'), /a2 \(1\)\s+y/);
  });

  it('trims long output and says how to see it whole', () => {
    const stdout = Array.from({ length: 12 }, (_, i) => `line ${String(i + 1)}`).join('\n');
    const out = lines(call('ansible.builtin.command', [host('db01', 'changed', { stdout })]));
    const text = out.join('\n');
    assert.match(text, /line 10$/m);
    assert.doesNotMatch(text, /line 11/);
    assert.match(text, /… 2 more lines: \.show db01/);
  });

  it('shows a diff under its row, and stderr when not empty', () => {
    const result = call('ansible.builtin.lineinfile', [
      host('web01', 'changed', { msg: 'line replaced', stderr: 'a warning', diff: { before: 'port=80\n', after: 'port=8080\n', before_header: 'app.conf', after_header: 'app.conf' } }),
      host('web02', 'changed', { msg: 'line replaced', stderr: 'a warning', diff: { before: 'port=80\n', after: 'port=8080\n', before_header: 'app.conf', after_header: 'app.conf' } }),
    ]);
    const { lastFrame } = render(<ResultTable result={result} columns={100} cut={REPL_CUT} />);
    const frame = lastFrame() ?? '';
    const out = stripVTControlCharacters(frame).split('\n').map((l) => l.trimEnd());
    assert.match(out[0] ?? '', /^✔ changed\s+web\[01-02\] \(2\)\s+line replaced/);
    assert.deepEqual(out.slice(1, 7).map((l) => l.trim()), ['stderr:', 'a warning', '--- app.conf', '+++ app.conf', '@@ -1 +1 @@', '-port=80']);
  });

  it('keeps to the width it is given', () => {
    const out = lines(call('ansible.builtin.command', [host('db01', 'changed', { stdout: 'z'.repeat(300) })]), 60);
    for (const l of out) assert.ok(l.length <= 60, `${String(l.length)} columns: ${l}`);
    assert.match(out.join('\n'), /z+…/);
  });
});
