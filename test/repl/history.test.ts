import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryFile, holdsSecret } from '../../src/repl/history.js';

describe('history', () => {
  it('spots lines that hold secrets', () => {
    assert.equal(holdsSecret("ftl.db.user({ name: 'x', password: 'hunter2' })"), true);
    assert.equal(holdsSecret("ftl.addHost('h', { ansible_become_pass: 'x' })"), true);
    assert.equal(holdsSecret("ftl.web.uri({ url: 'http://x', url_password: 'y' })"), true);
    assert.equal(holdsSecret("ftl.web.mymod({ sekrit: 'y' })", new Set(['sekrit'])), true);
    assert.equal(holdsSecret("ftl.web.ping()"), false);
    assert.equal(holdsSecret("ftl.web.command({ cmd: 'uptime' })"), false);
  });

  it('keeps entries across sessions, newest first, in a private file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-hist-'));
    try {
      const path = join(dir, 'sub', 'history');
      const h = new HistoryFile(path);
      assert.deepEqual(h.load(), []);
      h.append('ftl.web.ping()');
      h.append('ftl.db.command({ cmd: "uptime" })');
      h.append('multi\nline');
      assert.deepEqual(new HistoryFile(path).load(), ['ftl.db.command({ cmd: "uptime" })', 'ftl.web.ping()']);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(readFileSync(path, 'utf8').split('\n').length, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
