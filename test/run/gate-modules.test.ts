/**
 * The project record behind gateModules 'auto': what the last session ran, written once per
 * change, never into the project itself.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { moduleRecordPath, recordedModules, recordModules } from '../../src/run/gate-modules.js';

test("the 'auto' record: written under ~/.ftl when a session's modules change, left alone when they do not", (t) => {
  const root = mkdtempSync(join(tmpdir(), 'ftl-record-'));
  t.after(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const home = join(root, 'home');
  const project = join(root, 'project');
  mkdirSync(project);
  const path = moduleRecordPath(project, home);
  assert.ok(path.startsWith(join(home, '.ftl', 'projects')), path);

  recordModules([], project, home);
  assert.equal(existsSync(path), false, 'a session that ran nothing writes nothing');

  recordModules(['ansible.builtin.lineinfile', 'ansible.builtin.copy', 'ansible.builtin.copy'], project, home);
  assert.deepEqual(recordedModules(project, home), ['ansible.builtin.copy', 'ansible.builtin.lineinfile']);
  const first = readFileSync(path, 'utf8');

  recordModules(['ansible.builtin.copy', 'ansible.builtin.lineinfile'], project, home);
  assert.equal(readFileSync(path, 'utf8'), first, 'the same modules: the record is not rewritten (its time stays)');
  recordModules([], project, home);
  assert.equal(readFileSync(path, 'utf8'), first, 'a session that ran nothing keeps the last record');

  recordModules(['ansible.builtin.stat'], project, home);
  assert.deepEqual(recordedModules(project, home), ['ansible.builtin.stat'], 'other modules replace the record');
  assert.equal(existsSync(join(project, '.ftl')), false, 'nothing written into the project');
});
