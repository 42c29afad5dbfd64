// @tier full: real sshd lab hosts
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostPaths } from '../../src/lab/files.js';
import { automation } from '../../src/run/automation.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { labUp, type Lab } from '../../src/lab/lab.js';
import { ftl, jsonLines } from '../helpers/ftl.js';

/**
 * Failure observations through real gates on 2 sshd lab hosts: a failed service call shows
 * what systemctl and journalctl say there (the lab has no systemd, and that is what they
 * say), a copy into a missing directory shows ls and df, --json carries them, the audit
 * line has them short; --no-observe and check mode gather none.
 */
describe('failure observations on lab hosts', { timeout: 300_000 }, () => {
  let parent: string;
  let lab: Lab;
  let audit: string;
  const env = (): NodeJS.ProcessEnv => ({ FTL_AUDIT_DIR: audit, SSH_AUTH_SOCK: '' });

  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'ftl-observe-lab-'));
    audit = join(parent, 'audit');
    lab = await labUp({ count: 2, dir: join(parent, 'lab'), ownHomes: true });
  });

  after(async () => {
    await lab.down();
    rmSync(parent, { recursive: true, force: true });
  });

  it('a failed service call shows systemctl status and the journal under the failure, and the audit line has them', async () => {
    const r = await ftl(['run', '-i', lab.inventoryPath, 'lab01', 'service', 'name=ftl-no-such-unit', 'state=started'], { env: env() });
    assert.equal(r.code, 2, r.stderr);
    const [head, under] = r.stdout.split('observed on the host:');
    assert.ok(under !== undefined, r.stdout);
    assert.match(head ?? '', /✘ failed lab01 \(1\)/);
    assert.match(head ?? '', /ftl-no-such-unit/, 'the failure text is still there, above the observations');
    assert.match(under, /^ {6}\$ systemctl status ftl-no-such-unit --no-pager {2}\(rc \d+\)\n {8}\S/m, 'what systemctl says there, indented under its command');
    assert.match(under, /^ {6}\$ journalctl -u ftl-no-such-unit -n 20 --no-pager/m);
    const line = readdirSync(audit).flatMap((f) => readFileSync(join(audit, f), 'utf8').split('\n').filter((l) => l !== '')).map((l) => JSON.parse(l) as { results: { observations?: { command: string; rc: number; output: string }[] }[] }).at(-1);
    const obs = line?.results[0]?.observations;
    assert.deepEqual(obs?.map((o) => o.command), ['systemctl status ftl-no-such-unit --no-pager', 'journalctl -u ftl-no-such-unit -n 20 --no-pager']);
    assert.ok(obs.every((o) => !o.output.includes('\n') && o.output.length <= 200), 'short: one line each');
  });

  it('a copy into a missing directory shows ls of the path and its parent, and df; --json carries them; --no-observe none', async () => {
    const dest = '/tmp/ftl-observe-missing-7781/sub/app.conf';
    const args = ['run', '-i', lab.inventoryPath, 'lab', '-m', 'copy', '-a', `content=hello-there dest=${dest}`];
    const plain = await ftl(args, { env: env() });
    assert.equal(plain.code, 2, plain.stderr);
    assert.match(plain.stdout, /✘ failed lab\[01-02\] \(2\)|✘ failed lab0[12] \(1\)/);
    assert.match(plain.stdout, /Destination directory \/tmp\/ftl-observe-missing-7781\/sub does not exist/);
    assert.match(plain.stdout, /\$ ls -laZ \/tmp\/ftl-observe-missing-7781\/sub\/app.conf {2}\(rc 2\)\n {8}ls: cannot access/);
    assert.match(plain.stdout, /\$ ls -laZ \/tmp\/ftl-observe-missing-7781\/sub {2}\(rc 2\)/);
    assert.match(plain.stdout, /\$ df -P \/tmp\n {8}Filesystem +1024-blocks/);
    assert.match(plain.stdout, /\$ df -Pi \/tmp\n {8}Filesystem +Inodes/);

    const json = await ftl([...args, '--json'], { env: env() });
    assert.equal(json.code, 2, json.stderr);
    const hosts = jsonLines(json.stdout).filter((l) => l.host !== undefined) as { host: string; observations?: { command: string; rc: number; output: string }[] }[];
    assert.equal(hosts.length, 2);
    for (const h of hosts) {
      assert.deepEqual(h.observations?.map((o) => [o.command, o.rc]), [[`ls -laZ ${dest}`, 2], ['ls -laZ /tmp/ftl-observe-missing-7781/sub', 2], ['df -P /tmp', 0], ['df -Pi /tmp', 0]], h.host);
    }

    const quiet = await ftl([...args, '--no-observe'], { env: env() });
    assert.equal(quiet.code, 2, quiet.stderr);
    assert.match(quiet.stdout, /does not exist/);
    assert.doesNotMatch(quiet.stdout, /observed on the host|ls -laZ|df -P/);
  });

  it('a command fails: chdir and command -v are looked at; in check mode nothing is', async () => {
    const args = ['run', '-i', lab.inventoryPath, 'lab02', '-m', 'command', '-a', 'ftl-nothing-here-42 --go chdir=/tmp/ftl-no-dir-42', '--json'];
    const real = await ftl(args, { env: env() });
    const [h] = jsonLines(real.stdout) as { observations?: { command: string; output: string }[] }[];
    assert.deepEqual(h?.observations?.map((o) => o.command), ['ls -ld /tmp/ftl-no-dir-42', 'command -v ftl-nothing-here-42']);
    assert.match(h.observations[1]?.output ?? '', /not found/);
    const check = await ftl([...args, '--check'], { env: env() });
    assert.equal(check.code, 2, check.stdout);
    const [c] = jsonLines(check.stdout) as { status: string; observations?: unknown }[];
    assert.equal(c?.status, 'failed');
    assert.equal(c.observations, undefined);
  });

  it('record 3 calls, the 2nd failing on lab02; fix it; ftl replay skips call 1, re-runs call 2 on lab02 only (its named secret from --secret), skips call 3', async () => {
    const file = join(parent, 'session.jsonl');
    const token = 'tok-replay-5521';
    const home = (i: number): string => { const h = lab.hosts[i]; assert.ok(h !== undefined); return hostPaths(h).home; };
    mkdirSync(join(home(0), 'sub'), { recursive: true });
    process.env.FTL_REPLAY_TOKEN = token;
    const rec = await automation({ inventory: lab.inventoryPath, auditDir: audit, record: file, secrets: ['FTL_REPLAY_TOKEN'], observe: false });
    try {
      await rec.target('lab').copy({ content: 'one\n', dest: '~/r1.txt' });
      const two = await rec.target('lab').copy({ content: rec.secrets.FTL_REPLAY_TOKEN, dest: '~/sub/r2.txt' });
      assert.deepEqual(two.failed, ['lab02']);
      await rec.target('lab').copy({ content: 'three\n', dest: '~/r3.txt' });
    } finally {
      await rec.close();
      delete process.env.FTL_REPLAY_TOKEN;
    }
    assert.doesNotMatch(readFileSync(file, 'utf8'), new RegExp(token), 'the secret is recorded by name only');
    mkdirSync(join(home(1), 'sub'), { recursive: true });
    const r = await ftl(['replay', file, '-i', lab.inventoryPath, '--secret', 'FTL_REPLAY_TOKEN'], { env: { ...env(), FTL_REPLAY_TOKEN: token } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /↩ call 1: ansible\.builtin\.copy on lab skipped: already succeeded on lab\[01-02\] \(2\)/);
    assert.match(r.stdout, /↩ call 2: ansible\.builtin\.copy on lab: already succeeded on lab01 \(1\), run again on lab02 \(1\)\n✔ changed lab02 \(1\)/);
    assert.match(r.stdout, /↩ call 3: ansible\.builtin\.copy on lab skipped/);
    assert.match(r.stdout, /3 calls, 1 run, 2 skipped/);
    assert.equal(readFileSync(join(home(1), 'sub', 'r2.txt'), 'utf8'), token, 'the value came from the replaying session');
    const last = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number; hosts: string[]; replayed?: boolean }).at(-1);
    assert.deepEqual([last?.seq, last?.hosts, last?.replayed], [2, ['lab02'], true]);
    writeFileSync(join(parent, 'bad.jsonl'), `${readFileSync(file, 'utf8')}{"event":\n`);
    const bad = await ftl(['replay', join(parent, 'bad.jsonl'), '-i', lab.inventoryPath], { env: env() });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^ftl: \S+bad\.jsonl: line 5 is not JSON/m);
  });
});
