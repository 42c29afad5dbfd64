import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PolicyError } from '../../src/base/errors.js';
import { fnmatch } from '../../src/base/fnmatch.js';
import { evaluatePolicy, loadPolicy, type PolicySubject } from '../../src/run/policy.js';

const dir = mkdtempSync(join(tmpdir(), 'ftl-policy-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function subject(over: Partial<PolicySubject> & { envs?: Record<string, string> }): PolicySubject {
  const envs = over.envs ?? {};
  return {
    module: 'ansible.builtin.ping',
    shortName: 'ping',
    hosts: ['web01', 'web02', 'db01'],
    params: {},
    check: false,
    ...over,
    environmentOf: (h) => envs[h],
  };
}

describe('fnmatch, as Python fnmatchcase', () => {
  it('*, ?, sets and negated sets; case-sensitive; whole string', () => {
    assert.equal(fnmatch('web01', 'web*'), true);
    assert.equal(fnmatch('Web01', 'web*'), false);
    assert.equal(fnmatch('web01', 'web0?'), true);
    assert.equal(fnmatch('web1', 'web0?'), false);
    assert.equal(fnmatch('web3', 'web[1-3]'), true);
    assert.equal(fnmatch('web4', 'web[!1-3]'), true);
    assert.equal(fnmatch('a.b', 'a?b'), true);
    assert.equal(fnmatch('/etc/passwd', '/etc/*'), true);
    assert.equal(fnmatch('x[', 'x['), true, 'an unclosed [ is literal');
    assert.equal(fnmatch('rm -rf /', 'rm -rf*'), true);
  });
});

describe('policy files as FTL2 writes them', () => {
  it('a directory is read in sorted order; the first deny wins; shell, command and raw are one', () => {
    const pol = join(dir, 'layered');
    mkdirSync(pol);
    writeFileSync(join(pol, '10-production.yaml'), 'rules:\n  - decision: deny\n    match:\n      module: shell\n      environment: prod\n    reason: No shell on production\n');
    writeFileSync(join(pol, '00-base.yaml'), "rules:\n  - decision: deny\n    match:\n      module: file\n      param.path: '/etc/*'\n    reason: Hands off /etc\n");
    writeFileSync(join(pol, 'README.txt'), 'not a policy');
    const rules = loadPolicy(pol);
    assert.deepEqual(rules.map((r) => r.id), ['00-base.yaml#1', '10-production.yaml#1']);
    const prod = { envs: { db01: 'prod' } };
    for (const m of ['ansible.builtin.shell', 'ansible.builtin.command', 'raw']) {
      const v = evaluatePolicy(rules, subject({ ...prod, module: m, shortName: m.replace('ansible.builtin.', '') }));
      assert.ok(v !== undefined, m);
      assert.equal(v.decision, 'deny', m);
      assert.equal(v.reason, 'No shell on production');
      assert.deepEqual(v.hosts, ['db01']);
    }
    assert.equal(evaluatePolicy(rules, subject({ module: 'ansible.builtin.shell', shortName: 'shell', envs: { db01: 'staging' } })), undefined);
    const etc = evaluatePolicy(rules, subject({ module: 'ansible.builtin.file', shortName: 'file', params: { path: '/etc/motd' } }));
    assert.equal(etc?.rule, '00-base.yaml#1');
    assert.equal(evaluatePolicy(rules, subject({ module: 'ansible.builtin.file', shortName: 'file', params: { path: '/srv/x' } })), undefined);
  });

  it('confirm with hosts_over and changing; a deny anywhere wins over an earlier confirm', () => {
    const f = join(dir, 'confirm.yml');
    writeFileSync(f, "rules:\n  - decision: confirm\n    match: { hosts_over: 2, changing: true }\n    reason: big change\n  - decision: deny\n    match: { host: 'db*', module: 'user' }\n    reason: no users on db\n");
    const rules = loadPolicy(f);
    assert.equal(evaluatePolicy(rules, subject({}))?.decision, 'confirm');
    assert.equal(evaluatePolicy(rules, subject({ check: true })), undefined, 'check mode is not changing');
    assert.equal(evaluatePolicy(rules, subject({ hosts: ['web01', 'web02'] })), undefined, 'not over 2 hosts');
    assert.equal(evaluatePolicy(rules, subject({ module: 'ansible.builtin.user', shortName: 'user' }))?.decision, 'deny');
  });

  it('param.cmd matches free-form text too; values are stringified', () => {
    const f = join(dir, 'cmd.yaml');
    writeFileSync(f, "rules:\n  - decision: deny\n    match: { param.cmd: 'rm -rf*' }\n    reason: no\n  - decision: deny\n    match: { param.mode: '07*' }\n    reason: world\n");
    const rules = loadPolicy(f);
    assert.equal(evaluatePolicy(rules, subject({ params: { _raw_params: 'rm -rf /tmp/x' } }))?.rule, 'cmd.yaml#1');
    assert.equal(evaluatePolicy(rules, subject({ params: { mode: '0644' } })), undefined);
    assert.equal(evaluatePolicy(rules, subject({ params: { mode: '0777' } }))?.rule, 'cmd.yaml#2');
    assert.equal(evaluatePolicy(rules, subject({ params: { cmd: ['rm', '-rf'] } })), undefined, 'a list is matched as its JSON text');
  });

  it('an empty file is an empty policy; bad files are one-line errors naming the file and rule', () => {
    writeFileSync(join(dir, 'empty.yaml'), '');
    assert.deepEqual(loadPolicy(join(dir, 'empty.yaml')), []);
    const cases: [string, RegExp][] = [
      ['rules:\n  - decision: allow\n    match: { module: ping }\n', /rule 1 has decision "allow"; ftl takes deny or confirm/],
      ['rules:\n  - decision: deny\n    match: { modul: ping }\n', /unknown match key 'modul'/],
      ['rules:\n  - decision: confirm\n    match: { hosts_over: many }\n', /hosts_over must be a whole number/],
      ['rules: {}\n', /rules: must be a list/],
      ['rules: [\n', /policy .*bad\.yaml/],
    ];
    for (const [text, re] of cases) {
      writeFileSync(join(dir, 'bad.yaml'), text);
      assert.throws(() => loadPolicy(join(dir, 'bad.yaml')), (e: unknown) => e instanceof PolicyError && e.code === 'FTL_POLICY_FILE' && re.test(e.message), text);
    }
    assert.throws(() => loadPolicy(join(dir, 'nope')), /does not exist/);
  });
});
