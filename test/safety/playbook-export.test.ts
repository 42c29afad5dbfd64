import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { AuditEntry } from '../../src/run/audit.js';
import { sessionPlaybook } from '../../src/run/playbook-export.js';
import { ftl } from '../helpers/ftl.js';

const root = mkdtempSync(join(tmpdir(), 'ftl-export-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

let t = 0;
function entry(over: Partial<AuditEntry> & { changed?: string[]; ok?: string[] }): AuditEntry {
  const changed = over.changed ?? [];
  const ok = over.ok ?? [];
  t++;
  return {
    event: 'call',
    timestamp: `2026-12-02T10:00:${String(t).padStart(2, '0')}.000Z`,
    session_id: 's1',
    user: 'ops',
    controller: 'ctl',
    pattern: 'web',
    hosts: [...changed, ...ok],
    module: 'ansible.builtin.file',
    params: {},
    check_mode: false,
    diff: false,
    become: null,
    policy: { decision: 'permitted' },
    success: true,
    duration: 0.1,
    results: [...changed.map((host) => ({ host, status: 'changed', changed: true, duration: 0.1 })), ...ok.map((host) => ({ host, status: 'ok', changed: false, duration: 0.1 }))],
    ...over,
  };
}

type Play = { hosts: string; gather_facts: boolean; become?: boolean; become_user?: string; tasks: Record<string, unknown>[] };

describe('a session as a playbook', () => {
  it('writes the changing calls in order, groups a pattern, leaves check mode and no-change out, and never writes a secret', () => {
    const entries = [
      entry({ params: { path: '/srv/app', state: 'directory', mode: '0750' }, changed: ['web1', 'web2'] }),
      entry({ module: 'ansible.builtin.copy', params: { dest: '/srv/app/on', content: 'yes' }, changed: ['web1'], ok: ['web2'] }),
      entry({ module: 'ansible.builtin.lineinfile', params: { path: '/etc/x', line: 'a' }, check_mode: true, changed: ['web1'] }),
      entry({ module: 'ansible.builtin.ping', params: {}, ok: ['web1', 'web2'] }),
      entry({ pattern: 'db', module: 'ansible.builtin.user', params: { name: 'app', password: '********' }, become: 'root', changed: ['db1'] }),
      entry({ pattern: 'db', module: 'ansible.builtin.command', params: { _raw_params: 'psql -c "alter role app password \'********\'"' }, become: 'root', changed: ['db1'] }),
      entry({ pattern: 'db', module: 'ansible.builtin.shell', params: { _raw_params: 'echo hi', chdir: '/tmp' }, changed: ['db1'] }),
    ];
    const pb = sessionPlaybook(entries, 's1');
    assert.equal(pb.tasks, 5);
    assert.equal(pb.plays, 3);
    assert.ok(!pb.text.includes('********'), 'no mask, no secret');
    assert.ok(!pb.text.includes('lineinfile'), 'the check-mode call is left out');
    assert.ok(!pb.text.includes('ping'), 'the call that changed nothing is left out');
    assert.match(pb.text, /^# .*session s1: 5 calls/m);
    assert.match(pb.text, /^# +vault_password: task 3 \(user\), password$/m);
    assert.match(pb.text, /^# +vault_secret: task 4 \(command\)/m);
    const plays = parse(pb.text) as Play[];
    assert.deepEqual(plays.map((p) => [p.hosts, p.gather_facts, p.become, p.become_user, p.tasks.length]), [
      ['web', false, undefined, undefined, 2],
      ['db', false, true, 'root', 2],
      ['db', false, undefined, undefined, 1],
    ]);
    const [web, db, db2] = plays;
    assert.deepEqual(web?.tasks[0]?.['ansible.builtin.file'], { path: '/srv/app', state: 'directory', mode: '0750' });
    assert.match(String(web.tasks[0].name), /file path=\/srv\/app/);
    // 'yes' and '0750' stay strings for Ansible's YAML 1.1 too.
    assert.match(pb.text, /content: "yes"/);
    assert.match(pb.text, /mode: "0750"/);
    assert.deepEqual(db?.tasks[0]?.['ansible.builtin.user'], { name: 'app', password: '{{ vault_password }}' });
    assert.equal(db.tasks.at(1)?.['ansible.builtin.command'], 'psql -c "alter role app password \'{{ vault_secret }}\'"');
    assert.deepEqual(db2?.tasks[0]?.['ansible.builtin.shell'], { cmd: 'echo hi', chdir: '/tmp' });
  });

  it('a second secret of the same name gets its own variable', () => {
    const pb = sessionPlaybook([entry({ params: { password: '********' }, changed: ['a'] }), entry({ params: { password: '********' }, changed: ['a'] })], 's1');
    assert.deepEqual(pb.variables.map((v) => v.name), ['vault_password', 'vault_password_2']);
  });

  it('a session with only check-mode or unchanged calls is one clear error', () => {
    assert.throws(() => sessionPlaybook([entry({ check_mode: true, changed: ['a'] }), entry({ ok: ['a'] })], 's9'), /session s9 has no call that changed something/);
  });

  it('.export in the REPL writes the session; nothing to export and an unwritable file are one line each', async () => {
    const dir = join(root, 'repl');
    const env = { FTL_AUDIT_DIR: join(dir, 'audit') };
    const file = join(dir, 'empty.yml');
    const none = await ftl([], { input: `ftl.local.ping()\n.export ${file}\n`, env });
    assert.match(none.stdout + none.stderr, /this session has no call that changed something/);
    assert.equal(existsSync(file), false, 'nothing written');
    const out = join(dir, 'session.yml');
    const target = join(dir, 'made');
    const r = await ftl([], {
      input: [
        `ftl.local.file({ path: '${target}', state: 'directory' })`,
        `ftl.local.copy({ dest: '${target}/a', content: 'x' }, { check: true })`,
        `ftl.local.copy({ dest: '${target}/b', content: 'y' })`,
        `.export ${join(dir, 'no', 'such', 'dir.yml')}`,
        `.export ${out}`,
        '',
      ].join('\n'),
      env,
    });
    const errLine = (r.stdout + r.stderr).split('\n').filter((l) => l.includes('cannot write the playbook'));
    assert.equal(errLine.length, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /wrote .*session\.yml: 2 tasks in 1 play/);
    const plays = parse(readFileSync(out, 'utf8')) as Play[];
    assert.deepEqual(plays[0]?.tasks.map((x) => Object.keys(x)[1]), ['ansible.builtin.file', 'ansible.builtin.copy']);
    assert.equal(plays[0].hosts, 'localhost');
  });
});
