// @tier full
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ftl, jsonLines } from '../helpers/ftl.js';

const root = mkdtempSync(join(tmpdir(), 'ftl-export-ansible-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

/** host → changed count, from ansible-playbook's PLAY RECAP. */
function recap(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of out.split('\n')) {
    const r = /^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)/.exec(line);
    if (r !== null) m.set(r[1] ?? '', Number(r[2]));
  }
  return m;
}

describe('a session exported from the audit runs under ansible-playbook', () => {
  it('passes --syntax-check, and --check on a fresh state reports the same hosts changed', async () => {
    const hosts = ['h1', 'h2', 'h3'];
    for (const h of hosts) mkdirSync(join(root, h));
    const inv = join(root, 'inventory.ini');
    writeFileSync(inv, `[all]\n${hosts.map((h) => `${h} ansible_connection=local ansible_python_interpreter=${process.env.FTL_TEST_PYTHON ?? '/usr/bin/python3'} base=${join(root, h)}`).join('\n')}\n`);
    const env = { FTL_AUDIT_DIR: join(root, 'audit') };
    const calls: string[][] = [
      ['all', '-m', 'copy', '-a', 'dest={{ base }}/a content=one'],
      ['h1:h2', '-m', 'lineinfile', '-a', 'path={{ base }}/b line=x create=true'],
      ['h3', '-m', 'file', '-a', 'path={{ base }}/c state=directory mode=0750'],
      ['all', '-m', 'ping'],
      ['all', '-m', 'copy', '-a', 'dest={{ base }}/d content=yes', '--check'],
    ];
    const changed = new Map<string, number>();
    const sessions: string[] = [];
    for (const c of calls) {
      const r = await ftl(['run', '-i', inv, ...c, '--json'], { env });
      assert.equal(r.code, 0, r.stderr);
    }
    const audit = await ftl(['audit', '--json'], { env });
    for (const e of jsonLines(audit.stdout) as { session_id: string; check_mode: boolean; results: { host: string; changed: boolean }[] }[]) {
      sessions.push(e.session_id);
      if (e.check_mode) continue;
      for (const r of e.results) if (r.changed) changed.set(r.host, (changed.get(r.host) ?? 0) + 1);
    }
    assert.equal(sessions.length, calls.length);
    assert.deepEqual([...changed].sort(), [['h1', 2], ['h2', 2], ['h3', 2]]);

    const pbFile = join(root, 'session.yml');
    const ex = await ftl(['audit', 'export', '--session', ...sessions, '-o', pbFile], { env });
    assert.equal(ex.code, 0, ex.stderr);
    assert.match(ex.stderr, /wrote .*session\.yml: 3 tasks in 3 plays/);
    const text = readFileSync(pbFile, 'utf8');
    assert.ok(!text.includes('ping') && !text.includes('/d'), 'the unchanged and the check-mode calls are left out');
    // copy's content is no_log: masked in the audit, a variable in the playbook, supplied with -e.
    assert.match(text, /content: "\{\{ vault_content \}\}"/);
    assert.match(text, /^# +vault_content: task 1 \(copy\), content$/m);

    const syntax = spawnSync('ansible-playbook', ['-i', inv, pbFile, '--syntax-check'], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stdout + syntax.stderr);

    // A fresh state: what the session made is gone, so the check would make it again.
    for (const h of hosts) {
      rmSync(join(root, h), { recursive: true, force: true });
      mkdirSync(join(root, h));
    }
    const check = spawnSync('ansible-playbook', ['-i', inv, pbFile, '--check', '-e', 'vault_content=one'], { encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const got = recap(check.stdout);
    assert.deepEqual([...got].filter(([, n]) => n > 0).sort(), [...changed].sort(), check.stdout);

    const missing = await ftl(['audit', 'export', '--session', 'no-such-session', '-o', join(root, 'x.yml')], { env });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no call of session no-such-session/);
  });
});
