// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs) — here: npm pack and install
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

describe('the packed package, as a TypeScript user gets it', { timeout: 600_000 }, () => {
  it('a consumer written in the README call style typechecks with no casts; a type error is caught', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'check-package.mjs'), 'types'], { cwd: root, encoding: 'utf8', timeout: 540_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /typecheck the README call style \(strict, no casts\) ok/);
    assert.match(r.stdout, /a type error in a consumer is caught ok/);
  });
});
