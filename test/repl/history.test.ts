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
    // String literals given to names that sound secret, in any casing or style.
    for (const line of ["var pw = 'hunter2'", 'const apiKey = "abc123"', 'let db_pass = `x`', "o.authToken = 'y'", "ftl.web.uri({ url: 'http://x', headers: { 'X-Api-Key': 'z' }, bearer_token: 'z' })", "const ghToken='t'"]) {
      assert.equal(holdsSecret(line), true, line);
    }
    for (const line of ["ftl.web.ini_file({ section: 'main', option: 'x', value: '1' })", "const monkey = 'banana'", "ftl.web.lineinfile({ path: '/etc/hosts', line: 'x' })", 'if (a == "b") x()']) {
      assert.equal(holdsSecret(line), false, line);
    }
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
