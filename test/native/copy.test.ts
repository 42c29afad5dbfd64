// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareSteps, openNativeGate, type NativeGate, type Step } from './native-gate.js';

// Named differences, all of them paths or names that differ by design:
// - src and the diff's after_header: Ansible names its uploaded temp file, ftl its own temp file;
// - backup_file: the name holds the writing process's pid and the time.
const TEMP_PATHS = { volatile: ['src', 'after_header', 'backup_file'] };

describe('native copy (content) returns what ansible returns', () => {
  let gate: NativeGate;
  let dir: string;
  before(async () => {
    gate = await openNativeGate();
    dir = mkdtempSync(join(tmpdir(), 'ftl-native-copy-'));
  });
  after(async () => {
    await gate.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reset = (): void => {
    const w = join(dir, 'w');
    rmSync(w, { recursive: true, force: true });
    mkdirSync(join(w, 'sub'), { recursive: true });
    writeFileSync(join(w, 'old'), 'old text\n', { mode: 0o640 });
    writeFileSync(join(w, 'target'), 'target\n');
    symlinkSync(join(w, 'target'), join(w, 'link'));
  };

  it('writes, is idempotent, keeps modes, backs up, honours check and diff mode', async () => {
    const w = join(dir, 'w');
    const steps: Step[] = [
      { label: 'a new file, check mode with diff', module: 'copy', args: { content: 'hello\n', dest: join(w, 'new') }, check: true, diff: true, after: () => {
        assert.equal(existsSync(join(w, 'new')), false, 'check mode wrote nothing');
      } },
      { label: 'a new file', module: 'copy', args: { content: 'hello\n', dest: join(w, 'new') } },
      { label: 'the same again: unchanged', module: 'copy', args: { content: 'hello\n', dest: join(w, 'new') } },
      { label: 'the same, new mode', module: 'copy', args: { content: 'hello\n', dest: join(w, 'new'), mode: '0600' } },
      { label: 'the same, new mode, check mode', module: 'copy', args: { content: 'hello\n', dest: join(w, 'new'), mode: '0644' }, check: true },
      { label: 'new content keeps the old mode, with diff', module: 'copy', args: { content: 'changed\n', dest: join(w, 'old') }, diff: true },
      { label: 'new content with mode, owner, group', module: 'copy', args: { content: 'x', dest: join(w, 'new'), mode: 'u=rw,go=', owner: 'root', group: 'root' } },
      { label: 'backup', module: 'copy', args: { content: 'v2\n', dest: join(w, 'old'), backup: true } },
      { label: 'force off leaves a file alone', module: 'copy', args: { content: 'other', dest: join(w, 'old'), force: false } },
      { label: 'check mode on a change', module: 'copy', args: { content: 'v3\n', dest: join(w, 'old') }, check: true, after: () => {
        assert.equal(readFileSync(join(w, 'old'), 'utf8'), 'v2\n');
      } },
      { label: 'a list is written as JSON', module: 'copy', args: { content: [1, 'two', { three: 3 }], dest: join(w, 'json') } },
      { label: 'through a link, following', module: 'copy', args: { content: 'via link\n', dest: join(w, 'link'), follow: true } },
      { label: 'over a link, not following', module: 'copy', args: { content: 'replaces link\n', dest: join(w, 'link') } },
      { label: 'a directory as dest', module: 'copy', args: { content: 'x', dest: join(w, 'sub') } },
      { label: 'a directory path as dest', module: 'copy', args: { content: 'x', dest: join(w, 'sub') + '/' } },
      { label: 'a missing directory', module: 'copy', args: { content: 'x', dest: join(w, 'nope', 'f') } },
      { label: 'no dest', module: 'copy', args: { content: 'x' } },
      { label: 'no content', module: 'copy', args: { dest: join(w, 'f') } },
      { label: 'content and src', module: 'copy', args: { content: 'x', src: '/etc/hosts', dest: join(w, 'f') } },
      { label: 'an unknown option, on a write', module: 'copy', args: { content: 'x', dest: join(w, 'f2'), bogus: 1 } },
    ];
    await compareSteps(gate, steps.map((s) => ({ ...s, normalise: TEMP_PATHS })), reset);
    assert.equal(statSync(join(w, 'old')).mode & 0o777, 0o640, 'a rewritten file keeps its mode');
    assert.equal(readFileSync(join(w, 'target'), 'utf8'), 'via link\n');
    assert.deepEqual(readdirSync(w).filter((n) => n.includes('ftl-copy')), [], 'no temp file left behind');
  });

  it('src (a controller file) is refused with a clear message', async () => {
    const r = await gate.call({ module: 'copy', args: { src: '/etc/hosts', dest: join(dir, 'x') } });
    assert.equal(r.failed, true);
    assert.match(String(r.msg), /content/);
  });
});
