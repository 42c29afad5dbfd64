// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareSteps, openNativeGate, type NativeGate, type Step } from './native-gate.js';

// touch and explicit times put the clock into the diff: the values differ between runs, their presence does not.
const TIMES = { volatile: ['mtime', 'atime'] };

describe('native file returns what ansible returns', () => {
  let gate: NativeGate;
  let dir: string;
  before(async () => {
    gate = await openNativeGate();
    dir = mkdtempSync(join(tmpdir(), 'ftl-native-file-'));
  });
  after(async () => {
    await gate.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reset = (): void => {
    const w = join(dir, 'w');
    rmSync(w, { recursive: true, force: true });
    mkdirSync(join(w, 'full', 'inner'), { recursive: true });
    writeFileSync(join(w, 'full', 'a'), 'a\n');
    writeFileSync(join(w, 'full', 'inner', 'b'), 'b\n');
    writeFileSync(join(w, 'plain'), 'plain\n');
    chmodSync(join(w, 'plain'), 0o644);
    writeFileSync(join(w, 'bin'), Buffer.from([1, 0, 2]));
    mkdirSync(join(w, 'tree', 'x'), { recursive: true });
    writeFileSync(join(w, 'tree', 'x', 'f'), 'f\n');
  };

  it('directories, files, touch, absent, modes, owners, and the mistakes', async () => {
    const w = join(dir, 'w');
    const notThere = (p: string) => () => {
      assert.equal(existsSync(p), false, `${p} left alone in check mode`);
    };
    const steps: Step[] = [
      { label: 'directory, check mode', module: 'file', args: { path: join(w, 'd1', 'd2'), state: 'directory', mode: '0750' }, check: true, after: notThere(join(w, 'd1')) },
      { label: 'directory, nested', module: 'file', args: { path: join(w, 'd1', 'd2'), state: 'directory', mode: '0750' } },
      { label: 'directory again: idempotent', module: 'file', args: { path: join(w, 'd1', 'd2'), state: 'directory', mode: '0750' } },
      { label: 'directory with diff', module: 'file', args: { path: join(w, 'd3'), state: 'directory' }, diff: true },
      { label: 'mode as an int', module: 'file', args: { path: join(w, 'plain'), mode: 0o600 } },
      { label: 'symbolic mode', module: 'file', args: { path: join(w, 'plain'), mode: 'u+x,g=rw,o-rwx' }, diff: true },
      { label: 'symbolic mode again: idempotent', module: 'file', args: { path: join(w, 'plain'), mode: 'u+x,g=rw,o-rwx' } },
      { label: 'mode in check mode', module: 'file', args: { path: join(w, 'bin'), mode: '0700', state: 'file' }, check: true, diff: true, after: () => {
        assert.equal(statSync(join(w, 'bin')).mode & 0o777, 0o644);
      } },
      { label: 'owner and group unchanged', module: 'file', args: { path: join(w, 'plain'), owner: 'root', group: '0' } },
      { label: 'owner change in check mode', module: 'file', args: { path: join(w, 'plain'), owner: 'nobody' }, check: true, diff: true },
      { label: 'unknown owner in check mode', module: 'file', args: { path: join(w, 'plain'), owner: 'no-such-user-ftl' }, check: true },
      { label: 'unknown group', module: 'file', args: { path: join(w, 'plain'), group: 'no-such-group-ftl' } },
      { label: 'bad mode', module: 'file', args: { path: join(w, 'plain'), mode: 'xyz' } },
      { label: 'touch, check mode', module: 'file', args: { path: join(w, 'new'), state: 'touch' }, check: true, after: notThere(join(w, 'new')) },
      { label: 'touch a new file', module: 'file', args: { path: join(w, 'new'), state: 'touch', mode: 'u=rw,g=r,o=r' }, normalise: TIMES },
      { label: 'touch with fixed times', module: 'file', args: { path: join(w, 'new'), state: 'touch', modification_time: '202001021530.00', access_time: 'preserve' }, normalise: TIMES },
      { label: 'fixed times again: idempotent', module: 'file', args: { path: join(w, 'new'), state: 'touch', modification_time: '202001021530.00', access_time: 'preserve' } },
      { label: 'file that is absent', module: 'file', args: { path: join(w, 'missing'), state: 'file' } },
      { label: 'state guessed from the path', module: 'file', args: { path: join(w, 'full') } },
      { label: 'directory over a file', module: 'file', args: { path: join(w, 'plain'), state: 'directory' } },
      { label: 'recurse needs directory', module: 'file', args: { path: join(w, 'plain'), state: 'file', recurse: true } },
      { label: 'src needs link or hard', module: 'file', args: { path: join(w, 'plain'), src: '/etc/hosts' } },
      { label: 'recurse sets modes below', module: 'file', args: { path: join(w, 'tree'), state: 'directory', recurse: true, mode: 'a+rX' } },
      { label: 'recurse again: idempotent', module: 'file', args: { path: join(w, 'tree'), state: 'directory', recurse: true, mode: 'a+rX' } },
      { label: 'absent, check mode, with diff', module: 'file', args: { path: join(w, 'full'), state: 'absent' }, check: true, diff: true },
      { label: 'absent', module: 'file', args: { path: join(w, 'full'), state: 'absent' } },
      { label: 'absent again: idempotent', module: 'file', args: { path: join(w, 'full'), state: 'absent' } },
      { label: 'a bad state', module: 'file', args: { path: join(w, 'x'), state: 'gone' } },
      { label: 'no path', module: 'file', args: { state: 'touch' } },
    ];
    await compareSteps(gate, steps, reset);
    assert.equal(existsSync(join(w, 'full')), false);
    assert.equal(statSync(join(w, 'd1', 'd2')).mode & 0o777, 0o750);
  });

  it('symbolic and hard links', async () => {
    const w = join(dir, 'w');
    const steps: Step[] = [
      { label: 'link, check mode', module: 'file', args: { path: join(w, 'ln'), src: join(w, 'plain'), state: 'link' }, check: true, after: () => {
        assert.equal(existsSync(join(w, 'ln')), false);
      } },
      { label: 'link', module: 'file', args: { path: join(w, 'ln'), src: join(w, 'plain'), state: 'link' } },
      { label: 'link again: idempotent', module: 'file', args: { path: join(w, 'ln'), src: join(w, 'plain'), state: 'link' } },
      { label: 'relative link, re-pointed', module: 'file', args: { path: join(w, 'ln'), src: 'bin', state: 'link' }, diff: true },
      { label: 'link to a missing source', module: 'file', args: { path: join(w, 'ln2'), src: join(w, 'nothing'), state: 'link' } },
      { label: 'forced link to a missing source', module: 'file', args: { path: join(w, 'ln2'), src: join(w, 'nothing'), state: 'link', force: true } },
      { label: 'file over a link is refused', module: 'file', args: { path: join(w, 'plain'), src: join(w, 'bin'), state: 'link' } },
      { label: 'a link over a non-empty directory', module: 'file', args: { path: join(w, 'full'), src: join(w, 'bin'), state: 'link', force: true } },
      { label: 'a link without src', module: 'file', args: { path: join(w, 'ln3'), state: 'link' } },
      { label: 'hard link', module: 'file', args: { path: join(w, 'hard'), src: join(w, 'plain'), state: 'hard' } },
      { label: 'hard link again: idempotent', module: 'file', args: { path: join(w, 'hard'), src: join(w, 'plain'), state: 'hard' } },
      { label: 'hard link over a different file', module: 'file', args: { path: join(w, 'bin'), src: join(w, 'plain'), state: 'hard' } },
      { label: 'state file follows a link', module: 'file', args: { path: join(w, 'ln'), state: 'file', mode: '0640' } },
      { label: 'absent removes the link only', module: 'file', args: { path: join(w, 'ln'), state: 'absent' } },
    ];
    await compareSteps(gate, steps, reset);
    assert.equal(lstatSync(join(w, 'hard')).nlink, 2);
  });
});
