import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostResult, RunResultData } from '../../src/base/types.js';
import { groupOutcomes } from '../../src/ui/group.js';

function result(module: string, hosts: HostResult[]): RunResultData {
  return { pattern: 'all', module, args: {}, startedAt: new Date(0), durationMs: 10, hosts };
}

describe('grouping hosts by outcome', () => {
  it('raw output that ends in a newline folds with output that does not, and shows no blank line', () => {
    const rows = groupOutcomes(
      result('ansible.builtin.raw', [
        { host: 'web01', status: 'changed', result: { stdout: '6.1.0\n', rc: 0 }, startedMs: 0, durationMs: 5 },
        { host: 'web02', status: 'changed', result: { stdout: '6.1.0\r\n', rc: 0 }, startedMs: 0, durationMs: 7 },
      ]),
    );
    assert.deepEqual(
      rows.map((r) => [r.status, r.folded, r.summary, r.durationMs]),
      [['changed', 'web[01-02]', '6.1.0', 7]],
    );
  });

  it('failures come first, each distinct output its own row', () => {
    const rows = groupOutcomes(
      result('ansible.builtin.command', [
        { host: 'a1', status: 'changed', result: { stdout: 'x', rc: 0 }, startedMs: 0, durationMs: 1 },
        { host: 'a2', status: 'failed', result: { stderr: 'boom', rc: 2, msg: 'non-zero return code' }, startedMs: 0, durationMs: 1 },
        { host: 'a3', status: 'changed', result: { stdout: 'y', rc: 0 }, startedMs: 0, durationMs: 1 },
      ]),
    );
    assert.deepEqual(
      rows.map((r) => [r.status, r.folded, r.summary]),
      [
        ['failed', 'a2', 'rc=2 boom'],
        ['changed', 'a1', 'x'],
        ['changed', 'a3', 'y'],
      ],
    );
  });
});
