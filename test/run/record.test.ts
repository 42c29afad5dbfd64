import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretValues } from '../../src/base/secrets.js';
import { Secret } from '../../src/base/secret-value.js';
import { readRecord, recordedParams, replayArgs, replayPlan, type RecordLine } from '../../src/run/record.js';
import { automation } from '../../src/run/automation.js';

const dir = mkdtempSync(join(tmpdir(), 'ftl-record-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function line(seq: number, module: string, params: unknown, outcomes: Record<string, boolean>, extra: Partial<RecordLine> = {}): RecordLine {
  return {
    event: 'call',
    version: 1,
    seq,
    timestamp: '2026-12-02T00:00:00.000Z',
    session_id: 's',
    pattern: 'lab',
    hosts: Object.keys(outcomes),
    module,
    params,
    check_mode: false,
    diff: false,
    become: null,
    success: Object.values(outcomes).every(Boolean),
    actions: Object.entries(outcomes).map(([host, success]) => ({ module, host, params, success, changed: success, status: success ? 'changed' : 'failed', duration: 0.1, timestamp: 0 })),
    ...extra,
  };
}

describe('record files', () => {
  it('a missing or corrupt file is one line naming the file and the line', () => {
    assert.throws(() => readRecord(join(dir, 'none.jsonl')), /none\.jsonl: no such record file/);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify(line(1, 'ping', {}, { a: true }))}\n{"event":"call","seq":2,"pat\n`);
    assert.throws(() => readRecord(bad), /bad\.jsonl: line 2 is not JSON \(a torn or edited line\?\): \{"event":"call","seq":2,"pat/);
    writeFileSync(bad, `\n{"event":"audit"}\n`);
    assert.throws(() => readRecord(bad), /bad\.jsonl: line 2 is not a recorded call: event is "audit", not "call"/);
    writeFileSync(bad, `{"event":"call","seq":1,"pattern":"x","module":"ping"}\n`);
    assert.throws(() => readRecord(bad), /line 1 is not a recorded call: no actions list/);
  });

  it('the plan: per call, the hosts where it succeeded; later lines of the same call count, other args do not', () => {
    const plan = replayPlan([
      line(1, 'copy', { dest: '/a' }, { a: true, b: true }),
      line(2, 'command', { _raw_params: 'x' }, { a: true, b: false }),
      line(3, 'file', { path: '/c' }, { a: true, b: true }),
      // A replay re-ran call 2 on b, and it failed again; then again, and it succeeded.
      line(2, 'command', { _raw_params: 'x' }, { b: false }, { replayed: true }),
      line(2, 'command', { _raw_params: 'x' }, { b: true }, { replayed: true }),
      // The same seq with other args (an edited file) is not this call.
      line(3, 'file', { path: '/other' }, { a: false }, { replayed: true }),
    ]);
    assert.deepEqual(plan.map((s) => [s.seq, s.call.module, [...s.succeeded].sort()]), [
      [1, 'copy', ['a', 'b']],
      [2, 'command', ['a', 'b']],
      [3, 'file', ['a', 'b']],
    ]);
    const failedAgain = replayPlan([line(1, 'command', 'x', { a: true, b: true }), line(1, 'command', 'x', { a: false }, { replayed: true })]);
    assert.deepEqual([...(failedAgain[0]?.succeeded ?? [])], ['b'], 'a host that failed on a later run is to do again');
    // Key order does not make args different.
    const reordered = replayPlan([line(1, 'copy', { a: 1, b: 2 }, { x: false }), line(1, 'copy', { b: 2, a: 1 }, { x: true })]);
    assert.deepEqual([...(reordered[0]?.succeeded ?? [])], ['x']);
  });

  it('args: a named secret is recorded by name and read again from the session; a masked value cannot be replayed', () => {
    const known = new SecretValues();
    known.add('pw-in-clear-123');
    const params = recordedParams({ content: new Secret('APP_TOKEN', 'tok-999'), note: 'uses pw-in-clear-123', n: [1, { x: new Secret('B', 'b-val') }] }, known);
    assert.deepEqual(params, { content: { $secret: 'APP_TOKEN' }, note: 'uses ********', n: [1, { x: { $secret: 'B' } }] });
    assert.doesNotMatch(JSON.stringify(params), /tok-999|b-val|pw-in-clear/);
    const step = replayPlan([line(1, 'copy', { content: { $secret: 'APP_TOKEN' }, dest: '/x' }, { a: false })])[0];
    assert.ok(step !== undefined);
    const back = replayArgs('r.jsonl', step, (name) => new Secret(name, `value-of-${name}`)) as { content: Secret; dest: string };
    assert.ok(Secret.is(back.content));
    assert.equal(back.content.reveal(), 'value-of-APP_TOKEN');
    const masked = replayPlan([line(4, 'copy', { content: '********', dest: '/x' }, { a: false })])[0];
    assert.ok(masked !== undefined);
    assert.throws(() => replayArgs('r.jsonl', masked, () => new Secret('x', 'y')), /r\.jsonl: call 4 \(copy on lab\) has a secret that was masked when it was recorded/);
  });

  it('localhost through the library: record, then replay skips what succeeded and runs what failed again, appending', async () => {
    const file = join(dir, 'local.jsonl');
    const flag = join(dir, 'flag');
    const rec = await automation({ audit: false, stateFile: false, record: file, observe: false });
    try {
      await rec.target('localhost').command({ cmd: 'true' });
      await rec.target('localhost').command({ cmd: `test -e ${flag}` });
    } finally {
      await rec.close();
    }
    assert.deepEqual(readRecord(file).map((l) => [l.seq, l.success]), [[1, true], [2, false]]);
    writeFileSync(flag, '');
    const rep = await automation({ audit: false, stateFile: false });
    const notes: string[] = [];
    try {
      const r = await rep.replay(file, { onNote: (l) => notes.push(l) });
      assert.deepEqual([r.skipped, r.ran, r.stoppedAt], [[1], [2], undefined]);
      const again = await rep.replay(file);
      assert.deepEqual([again.skipped, again.ran], [[1, 2], []], 'a second replay has nothing left to do');
    } finally {
      await rep.close();
    }
    assert.match(notes[0] ?? '', /^↩ call 1: ansible\.builtin\.command on localhost skipped: already succeeded on localhost \(1\)$/);
    assert.match(notes[1] ?? '', /^▶ call 2: ansible\.builtin\.command on localhost$/);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RecordLine);
    assert.deepEqual(lines.map((l) => [l.seq, l.success, l.replayed ?? false]), [[1, true, false], [2, false, false], [2, true, true]]);
  });
});
