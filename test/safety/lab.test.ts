// @tier full: real sshd lab hosts and tmux
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PolicyError } from '../../src/base/errors.js';
import { hostPaths } from '../../src/lab/files.js';
import { labUp, type Lab } from '../../src/lab/lab.js';
import { automation } from '../../src/run/automation.js';
import { FTL_BIN, ftl } from '../helpers/ftl.js';
import { hasTmux, Terminal } from '../helpers/tmux.js';

/**
 * Safety on a live fleet, against 4 real sshd hosts (each with a home of its own, so a
 * file under ~ is per host): the audit line of a call, FTL2 policy directories, confirm
 * rules in a pipe and in a terminal, canary, fail-fast and serial.
 */
describe('safe on a live fleet: 4 lab hosts', { timeout: 900_000 }, () => {
  let parent: string;
  let lab: Lab;
  let audit: string;
  let prodInv: string;
  const homes = (): string[] => lab.hosts.map((h) => hostPaths(h).home);
  /** The hosts whose home has the file now. */
  const withFile = (name: string): string[] => lab.hosts.filter((h) => existsSync(join(hostPaths(h).home, name))).map((h) => h.name);
  const auditLines = (): Record<string, unknown>[] =>
    readdirSync(audit).flatMap((f) =>
      readFileSync(join(audit, f), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
  const env = (): NodeJS.ProcessEnv => ({ FTL_AUDIT_DIR: audit, SSH_AUTH_SOCK: '' });

  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'ftl-safety-lab-'));
    audit = join(parent, 'audit');
    lab = await labUp({ count: 4, dir: join(parent, 'lab'), ownHomes: true });
    for (const h of homes()) mkdirSync(join(h, '.ansible', 'tmp'), { recursive: true, mode: 0o700 });
    // lab01 is production, as its inventory says (a second source, merged as Ansible merges them).
    prodInv = join(parent, 'prod.yml');
    writeFileSync(prodInv, 'prod:\n  hosts:\n    lab01:\n      ftl_environment: prod\n');
  });

  after(async () => {
    await lab.down();
    rmSync(parent, { recursive: true, force: true });
  });

  it('the audit line of a call on 4 hosts has every field, with no_log values masked, and the diff', async () => {
    const lib = await automation({ inventory: lab.inventoryPath, auditDir: audit });
    try {
      await lib.target('lab').copy({ content: 'v1\n', dest: '~/audited.txt' });
      await lib.target('lab').copy({ content: 'v2\n', dest: '~/audited.txt' }, { diff: true });
      await lib.target('lab').get_url({ url: 'http://127.0.0.1:9/none', dest: '~/never.txt', url_password: 'lab-nolog-8812', url_username: 'me', timeout: 1 });
    } finally {
      await lib.close();
    }
    const [, diffed, secret] = auditLines();
    assert.ok(diffed !== undefined && secret !== undefined);
    assert.equal(diffed.pattern, 'lab');
    assert.deepEqual(diffed.hosts, ['lab01', 'lab02', 'lab03', 'lab04']);
    assert.equal(diffed.module, 'ansible.builtin.copy');
    assert.equal(diffed.diff, true);
    assert.equal(diffed.check_mode, false);
    assert.equal(typeof diffed.session_id, 'string');
    assert.equal(typeof diffed.user, 'string');
    assert.equal(typeof diffed.controller, 'string');
    assert.deepEqual(diffed.policy, { decision: 'permitted' });
    const results = diffed.results as { host: string; status: string; changed: boolean; duration: number; diff?: { before: string; after: string }[] }[];
    assert.deepEqual(results.map((r) => [r.host, r.status, r.changed]), [
      ['lab01', 'changed', true],
      ['lab02', 'changed', true],
      ['lab03', 'changed', true],
      ['lab04', 'changed', true],
    ]);
    for (const r of results) {
      assert.ok(r.duration > 0);
      // The new content is the call's no_log option (copy's content): masked in the diff too.
      assert.deepEqual(r.diff?.map((d) => [d.before, d.after]), [['v1\n', '********']], 'the diff the call produced');
    }
    const text = JSON.stringify(secret);
    assert.doesNotMatch(text, /lab-nolog-8812/);
    assert.equal((secret.params as { url_password: string }).url_password, '********');
    const failed = secret.results as { status: string; msg?: string }[];
    assert.ok(failed.every((r) => r.status === 'failed' && typeof r.msg === 'string'), JSON.stringify(failed));
  });

  it('an FTL2 policy directory (deny shell on env prod) denies with its reason and touches no host; exit 5', async () => {
    const pol = join(parent, 'policies');
    mkdirSync(pol);
    writeFileSync(join(pol, '00-base.yaml'), "rules:\n  - decision: deny\n    match:\n      module: file\n      param.path: '/etc/*'\n    reason: Hands off /etc\n");
    writeFileSync(join(pol, '10-production.yaml'), 'rules:\n  - decision: deny\n    match:\n      module: shell\n      environment: prod\n    reason: No shell commands on production\n');
    const r = await ftl(['run', '-i', lab.inventoryPath, '-i', prodInv, '--policy', pol, 'lab', '-m', 'shell', '-a', 'touch ~/denied.txt'], { env: env() });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stderr, /shell on lab01 denied by policy rule 10-production\.yaml#1: No shell commands on production; no host was touched/);
    assert.deepEqual(withFile('denied.txt'), []);
    // command counts as shell; FTL_POLICY works as --policy; the decision is in the audit.
    const c = await ftl(['run', '-i', lab.inventoryPath, '-i', prodInv, 'lab', '-a', 'touch denied.txt'], { env: { ...env(), FTL_POLICY: pol } });
    assert.equal(c.code, 5, c.stdout + c.stderr);
    assert.deepEqual(withFile('denied.txt'), []);
    const denied = auditLines().filter((e) => (e.policy as { decision: string }).decision === 'denied');
    assert.equal(denied.length, 2);
    const [first] = denied;
    assert.ok(first !== undefined);
    assert.deepEqual(first.policy, { decision: 'denied', rule: '10-production.yaml#1', reason: 'No shell commands on production' });
    assert.equal(first.environment, 'prod');
    assert.deepEqual(first.results, [], 'no host result: none was touched');
    // Without the prod host, shell runs.
    const ok = await ftl(['run', '-i', lab.inventoryPath, '-i', prodInv, '--policy', pol, 'lab:!prod', '-m', 'shell', '-a', 'touch ~/allowed.txt'], { env: env() });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.deepEqual(withFile('allowed.txt'), ['lab02', 'lab03', 'lab04']);
    // The library: a PolicyError with its code and rule.
    const lib = await automation({ inventory: [lab.inventoryPath, prodInv], policy: pol, auditDir: audit });
    try {
      await assert.rejects(lib.target('lab01').file({ path: '/etc/ftl-x', state: 'touch' }), (e: unknown) => e instanceof PolicyError && e.code === 'FTL_POLICY_DENIED' && e.rule === '00-base.yaml#1' && e.reason === 'Hands off /etc');
    } finally {
      await lib.close();
    }
  });

  it('a confirm rule refuses in a pipe without --yes (exit 5, nothing changed on any host), and --yes goes on', async () => {
    const pol = join(parent, 'confirm.yaml');
    writeFileSync(pol, 'rules:\n  - decision: confirm\n    match:\n      hosts_over: 2\n      changing: true\n    reason: more than 2 hosts at once\n');
    const call = "ftl.lab.file({ path: '~/confirmed.txt', state: 'touch' })\n";
    const piped = await ftl(['-i', lab.inventoryPath, '--policy', pol], { input: call, env: env() });
    assert.equal(piped.code, 5, piped.stdout + piped.stderr);
    assert.match(piped.stdout + piped.stderr, /file on 4 hosts \(lab\[01-04\]\) needs a confirmation: policy rule confirm\.yaml#1 asks for a confirmation: more than 2 hosts at once; nothing was run/);
    const run = await ftl(['run', '-i', lab.inventoryPath, '--policy', pol, 'lab', '-m', 'file', '-a', 'path=~/confirmed.txt state=touch'], { env: env() });
    assert.equal(run.code, 5, run.stdout + run.stderr);
    assert.deepEqual(withFile('confirmed.txt'), []);
    // Check mode is not changing: no question.
    const check = await ftl(['-i', lab.inventoryPath, '--policy', pol, '--check'], { input: call, env: env() });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.deepEqual(withFile('confirmed.txt'), []);
    const yes = await ftl(['-i', lab.inventoryPath, '--policy', pol, '--yes'], { input: call, env: env() });
    assert.equal(yes.code, 0, yes.stdout + yes.stderr);
    assert.deepEqual(withFile('confirmed.txt'), ['lab01', 'lab02', 'lab03', 'lab04']);
    const decisions = auditLines()
      .filter((e) => e.module === 'ansible.builtin.file' && (e.params as { path?: string }).path === '~/confirmed.txt')
      .map((e) => (e.policy as { decision: string }).decision);
    assert.deepEqual(decisions, ['refused', 'refused', 'permitted', 'confirmed']);
  });

  it('canary 1 with a failing first host touches no other host; failFast stops new hosts; serial batches run in order', async () => {
    const lib = await automation({ inventory: lab.inventoryPath, auditDir: audit });
    try {
      const failOnLab01 = "test {{ inventory_hostname }} != lab01 && touch ~/{{ marker }}";
      const canary = await lib.target('lab').shell({ cmd: failOnLab01 }, { canary: 1, vars: { marker: 'canary.txt' } });
      assert.deepEqual(canary.failed, ['lab01']);
      assert.deepEqual(canary.skipped, ['lab02', 'lab03', 'lab04']);
      assert.deepEqual(withFile('canary.txt'), []);
      const good = await lib.target('lab').shell({ cmd: 'touch ~/canary-ok.txt' }, { canary: 1 });
      assert.deepEqual(good.changed, ['lab01', 'lab02', 'lab03', 'lab04']);

      const fast = await lib.target('lab').shell({ cmd: failOnLab01 }, { failFast: true, forks: 1, vars: { marker: 'fast.txt' } });
      assert.deepEqual(fast.failed, ['lab01']);
      assert.deepEqual(fast.skipped, ['lab02', 'lab03', 'lab04']);
      assert.deepEqual(withFile('fast.txt'), []);

      const serial = await lib.target('lab').shell({ cmd: 'date +%s%N > ~/serial.txt; sleep 0.2; date +%s%N >> ~/serial.txt' }, { serial: 2 });
      assert.deepEqual(serial.changed, ['lab01', 'lab02', 'lab03', 'lab04']);
      const span = (h: string): [bigint, bigint] => {
        const home = homes()[lab.hosts.findIndex((x) => x.name === h)] ?? '';
        const [a = '0', b = '0'] = readFileSync(join(home, 'serial.txt'), 'utf8').trim().split('\n');
        return [BigInt(a), BigInt(b)];
      };
      const endFirst = [span('lab01')[1], span('lab02')[1]].reduce((x, y) => (x > y ? x : y));
      assert.ok(span('lab03')[0] > endFirst && span('lab04')[0] > endFirst, 'the second batch started after the first ended, on the hosts');
    } finally {
      await lib.close();
    }
    const r = await ftl(['run', '-i', lab.inventoryPath, 'lab', '-m', 'shell', '-a', 'test {{ inventory_hostname }} != lab01 && touch ~/cli-canary.txt', '--canary', '1', '--json'], { env: env() });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /"status":"skipped"/);
    assert.deepEqual(withFile('cli-canary.txt'), []);
  });

  it('in a terminal, the guard and a confirm rule ask for the host count; any other answer runs nothing; p previews in check mode', { skip: hasTmux() ? false : 'tmux is not installed' }, async () => {
    const home = join(parent, 'home');
    mkdirSync(home, { recursive: true });
    const pol = join(parent, 'ruled.yaml');
    writeFileSync(pol, "rules:\n  - decision: confirm\n    match:\n      module: file\n      param.path: '~/ruled*'\n    reason: ruled files need a yes\n");
    const term = new Terminal(`env -u SSH_AUTH_SOCK HOME=${home} FTL_AUDIT_DIR=${audit} NO_COLOR=1 ${process.execPath} ${FTL_BIN} -i ${lab.inventoryPath} --policy ${pol}`);
    try {
      await term.waitFor(/ftl all\(4\)> $/m);
      term.type('.guard 3');
      term.keys('Enter');
      await term.waitFor(/guard 3: a changing call on more than 3 hosts asks first/);
      let at = term.mark();
      term.type("ftl.lab.file({ path: '~/guarded.txt', state: 'touch' })");
      term.keys('Enter');
      await term.waitFor(/⚠ file on 4 hosts: lab\[01-04\]\n\s+a changing call on more than 3 hosts/, { since: at });
      await term.waitFor(/type 4 to run it on 4 hosts, p to preview it in check mode; anything else cancels: $/m, { since: at });
      term.type('3');
      term.keys('Enter');
      await term.waitFor(/not confirmed; nothing was run/, { since: at });
      await term.waitFor(/ftl all\(4\)> $/m, { since: at });
      assert.deepEqual(withFile('guarded.txt'), []);

      at = term.mark();
      term.type("ftl.lab.file({ path: '~/guarded.txt', state: 'touch' })");
      term.keys('Enter');
      await term.waitFor(/anything else cancels: $/m, { since: at });
      term.type('p');
      term.keys('Enter');
      // The preview: check mode says what would change, and the question comes back.
      await term.waitFor(/changed\s+lab04 \(1\)[\s\S]*preview in check mode: nothing was changed[\s\S]*anything else cancels: $/m, { since: at });
      assert.deepEqual(withFile('guarded.txt'), []);
      term.type('4');
      term.keys('Enter');
      await term.waitFor(/4 changed in/, { since: at });
      await term.waitFor(/ftl all\(4\)> $/m, { since: at });
      assert.deepEqual(withFile('guarded.txt'), ['lab01', 'lab02', 'lab03', 'lab04']);
      // The prompt still works as before: a plain call.
      at = term.mark();
      term.type('ftl.lab01.ping()');
      term.keys('Enter');
      await term.waitFor(/ok\s+lab01 \(1\)/, { since: at });
      term.type('.guard off');
      term.keys('Enter');
      await term.waitFor(/guard off/);
      // With the guard off, a policy confirm rule still asks, saying its rule and reason.
      at = term.mark();
      term.type("ftl.lab.file({ path: '~/ruled.txt', state: 'touch' })");
      term.keys('Enter');
      await term.waitFor(/policy rule ruled\.yaml#1 asks for a confirmation: ruled files need a yes\n.*anything else cancels: $/m, { since: at });
      term.type('yes');
      term.keys('Enter');
      await term.waitFor(/not confirmed; nothing was run/, { since: at });
      assert.deepEqual(withFile('ruled.txt'), []);
      at = term.mark();
      term.type("ftl.lab.file({ path: '~/ruled.txt', state: 'touch' })");
      term.keys('Enter');
      await term.waitFor(/anything else cancels: $/m, { since: at });
      term.type('4');
      term.keys('Enter');
      await term.waitFor(/4 changed in/, { since: at });
      assert.deepEqual(withFile('ruled.txt'), ['lab01', 'lab02', 'lab03', 'lab04']);
    } finally {
      term.kill();
    }
    const guarded = auditLines().filter((e) => (e.params as { path?: string }).path === '~/guarded.txt');
    assert.deepEqual(
      guarded.map((e) => [(e.policy as { decision: string }).decision, e.check_mode]),
      [
        ['declined', false],
        ['permitted', true],
        ['confirmed', false],
      ],
    );
  });
});
