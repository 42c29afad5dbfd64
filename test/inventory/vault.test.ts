// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { automation } from '../../src/run/automation.js';
import { run } from '../helpers/exec.js';
import { FTL_BIN, ftl, jsonLines, type FtlRun } from '../helpers/ftl.js';

/**
 * Vault through real parts: values and files encrypted by the real ansible-vault, read by
 * ftl with the password given every way Ansible takes it, compared with ansible-inventory,
 * used in module args (the value arrives intact) and masked in everything ftl prints.
 */
const tag = randomBytes(4).toString('hex');
const PASSWORD = `vault-pw-${tag}`;
const PROD_PASSWORD = `prod-pw-${tag}`;
const SECRETS = {
  db: `Db-Secret-${tag}!`,
  token: `tok-${tag}-123`,
  user: `user-pass-${tag}`,
  host: `h1-only-${tag}`,
  extra: `extra-${tag}`,
  prod: `prod-${tag}`,
};

function vault(args: string[]): Promise<string> {
  return run('ansible-vault', args, {}, 60_000);
}

/** encrypt_string's output for name: value, indented to sit at `indent` in a YAML mapping. */
async function vaulted(name: string, value: string, indent: string, pwFile: string, vaultId = 'default'): Promise<string> {
  const out = await vault(['encrypt_string', '--vault-id', `${vaultId}@${pwFile}`, '--encrypt-vault-id', vaultId, value, '--name', name]);
  return out.trimEnd().split('\n').map((l) => `${indent}${l}`).join('\n');
}

function noSecretIn(what: string, text: string): void {
  for (const [k, v] of Object.entries(SECRETS)) assert.ok(!text.includes(v), `the ${k} secret shows in ${what}:\n${text}`);
}

function ftlWithoutTerminal(args: string[], cwd: string): Promise<FtlRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FTL_BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end('');
  });
}

describe('Ansible Vault: !vault values and encrypted vars files', { timeout: 600_000 }, () => {
  let dir: string;
  let pw: string;
  let inv: string;
  let inline: string;
  const J = (...p: string[]): string => join(dir, ...p);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ftl-vault-'));
    pw = J('pw.txt');
    writeFileSync(pw, `${PASSWORD}\n`);
    writeFileSync(J('prod.txt'), PROD_PASSWORD);
    writeFileSync(J('wrong.txt'), 'not-the-password');
    // A password script, as Ansible runs it: its stdout is the password.
    writeFileSync(J('pw-script.sh'), `#!/bin/sh\necho '${PASSWORD}'\n`);
    chmodSync(J('pw-script.sh'), 0o755);
    mkdirSync(J('project', 'group_vars', 'all'), { recursive: true });
    mkdirSync(J('project', 'host_vars'), { recursive: true });
    inv = J('project', 'inv.yml');
    writeFileSync(
      inv,
      [
        'all:',
        '  hosts:',
        '    h1:',
        '      ansible_connection: local',
        '      ansible_python_interpreter: /usr/bin/python3',
        '  children:',
        '    web:',
        '      hosts:',
        '        h2:',
        '          ansible_connection: local',
        '          ansible_python_interpreter: /usr/bin/python3',
        '      vars:',
        await vaulted('db_password', SECRETS.db, '        ', pw),
        '        plain: visible',
        '',
      ].join('\n'),
    );
    writeFileSync(J('project', 'group_vars', 'all', 'plain.yml'), 'app: demo\n');
    // A whole encrypted vars file in a group_vars directory.
    writeFileSync(J('project', 'group_vars', 'all', 'vault.yml'), `api_token: ${SECRETS.token}\nusers:\n  - name: alice\n    pass: ${SECRETS.user}\nport: 8080\n`);
    await vault(['encrypt', '--vault-password-file', pw, J('project', 'group_vars', 'all', 'vault.yml')]);
    // A plain host_vars file with a !vault value, and one labelled for another vault id.
    writeFileSync(J('project', 'host_vars', 'h1.yml'), `${await vaulted('h1_secret', SECRETS.host, '', pw)}\nh1_plain: x\n`);
    // -e @file of an encrypted file.
    writeFileSync(J('extra.yml'), `extra_secret: ${SECRETS.extra}\n`);
    await vault(['encrypt', '--vault-password-file', pw, J('extra.yml')]);
    inline = J('inline', 'inv.yml');
    mkdirSync(J('inline'));
    writeFileSync(inline, ['all:', '  hosts:', '    solo:', '      ansible_connection: local', '      plain: 1', await vaulted('solo_secret', SECRETS.db, '      ', pw), ''].join('\n'));
    mkdirSync(J('prod'));
    writeFileSync(J('prod', 'inv.yml'), ['all:', '  hosts:', '    p1:', '      ansible_connection: local', '      ansible_python_interpreter: /usr/bin/python3', await vaulted('prod_secret', SECRETS.prod, '      ', J('prod.txt'), 'prod'), ''].join('\n'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('ftl inventory --list and --host equal ansible-inventory with the same password file (-e @encrypted file too)', async () => {
    // Each pair at once: ansible-inventory takes seconds to start.
    const pairs = [[], ['-e', `@${J('extra.yml')}`]].flatMap((extra) => {
      const args = ['-i', inv, '--vault-password-file', pw, ...extra];
      return [['--list'], ['--host', 'h1'], ['--host', 'h2']].map((what) => [...what, ...args]);
    });
    await Promise.all(
      pairs.map(async (args) => {
        const [want, got] = await Promise.all([run('ansible-inventory', args, {}, 300_000), ftl(['inventory', ...args], { timeoutMs: 300_000 })]);
        assert.equal(got.code, 0, got.stderr);
        assert.deepEqual(JSON.parse(got.stdout), JSON.parse(want), args.join(' '));
      }),
    );
    // The encrypted file's values are shown decrypted (as ansible-inventory does), the !vault ones as vaulttext.
    const got = JSON.parse((await ftl(['inventory', '--host', 'h1', '-i', inv, '--vault-password-file', pw])).stdout) as Record<string, unknown>;
    assert.equal(got.api_token, SECRETS.token);
    assert.match(String((got.h1_secret as { __ansible_vault?: unknown }).__ansible_vault), /^\$ANSIBLE_VAULT;1\.1;AES256\n/);
  });

  it('vaulted values reach the module intact (file content equals the secret) and show nowhere in the output', async () => {
    const out = J('out-run.txt');
    const content = '{{ db_password }}|{{ api_token }}|{{ users[0].pass }}|{{ hostvars.h1.h1_secret }}|{{ extra_secret }}';
    for (const json of [false, true]) {
      rmSync(out, { force: true });
      const r = await ftl(['run', '-i', inv, 'h2', '-m', 'copy', '--args', JSON.stringify({ content, dest: out }), '--vault-password-file', pw, '-e', `@${J('extra.yml')}`, ...(json ? ['--json'] : [])]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(readFileSync(out, 'utf8'), `${SECRETS.db}|${SECRETS.token}|${SECRETS.user}|${SECRETS.host}|${SECRETS.extra}`);
      noSecretIn(json ? '--json output' : 'the table', r.stdout + r.stderr);
    }
    // A command that prints them: masked in the result.
    const echo = await ftl(['run', '-i', inv, 'h1', '-m', 'command', '-a', 'echo {{ db_password | default("none") }} {{ api_token }} {{ h1_secret }} {{ users[0].pass }}', '--vault-password-file', pw, '--json']);
    assert.equal(echo.code, 0, echo.stdout + echo.stderr);
    const result = jsonLines(echo.stdout)[0]?.result as { stdout?: string } | undefined;
    assert.equal(result?.stdout, 'none ******** ******** ********');
    noSecretIn('--json output', echo.stdout + echo.stderr);
  });

  it('the password from an executable script, from ANSIBLE_VAULT_PASSWORD_FILE, and from a labelled --vault-id', async () => {
    const out = J('out-script.txt');
    const script = await ftl(['run', '-i', inv, 'h1', '-m', 'copy', '-a', `content={{ api_token }} dest=${out}`, '--vault-password-file', J('pw-script.sh')]);
    assert.equal(script.code, 0, script.stdout + script.stderr);
    assert.equal(readFileSync(out, 'utf8'), SECRETS.token);
    const env = await ftl(['run', '-i', inv, 'h1', '-m', 'copy', '-a', `content={{ h1_secret }} dest=${out}`], { env: { ANSIBLE_VAULT_PASSWORD_FILE: pw } });
    assert.equal(env.code, 0, env.stdout + env.stderr);
    assert.equal(readFileSync(out, 'utf8'), SECRETS.host);
    const prod = await ftl(['run', '-i', J('prod', 'inv.yml'), 'p1', '-m', 'copy', '-a', `content={{ prod_secret }} dest=${out}`, '--vault-id', `prod@${J('prod.txt')}`]);
    assert.equal(prod.code, 0, prod.stdout + prod.stderr);
    assert.equal(readFileSync(out, 'utf8'), SECRETS.prod);
    noSecretIn('the output', script.stdout + script.stderr + env.stdout + env.stderr + prod.stdout + prod.stderr);
  });

  it('the library: automation({ vaultPasswordFiles }) and automation({ vaultPassword })', async () => {
    const out = J('out-lib.txt');
    for (const opts of [{ vaultPasswordFiles: [pw] }, { vaultPassword: PASSWORD }]) {
      rmSync(out, { force: true });
      const ftlObj = await automation({ inventory: inv, ...opts });
      try {
        const r = await ftlObj.run('h2', 'copy', { content: '{{ db_password }}', dest: out });
        assert.deepEqual(r.failed, []);
        assert.deepEqual(r.changed, ['h2']);
        assert.equal(readFileSync(out, 'utf8'), SECRETS.db);
        noSecretIn('the result', JSON.stringify(r));
      } finally {
        await ftlObj.close();
      }
    }
  });

  // No password source at all (an empty ANSIBLE_VAULT_PASSWORD_FILE is not that: Ansible reads it as the current directory, and so does ftl).
  const NO_VAULT_ENV: NodeJS.ProcessEnv = { ANSIBLE_VAULT_PASSWORD_FILE: undefined, ANSIBLE_VAULT_IDENTITY_LIST: undefined };

  it('without a password: a host whose variables need an encrypted file fails in one line naming it and the fix; exit 1', async () => {
    const r = await ftl(['run', '-i', inv, 'h1', '-m', 'ping'], { env: NO_VAULT_ENV });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^ftl: h1: \S+group_vars\/all\/vault\.yml is vault-encrypted and no vault password was given \(give the vault password with --vault-password-file FILE or --ask-vault-pass/);
    // Ansible fails the same host for the same reason.
    const a = await run('ansible', ['-i', inv, 'h1', '-m', 'ping'], NO_VAULT_ENV, 120_000, [0, 1, 2, 4]);
    assert.doesNotMatch(a, /SUCCESS/);
    const e = await ftl(['run', 'localhost', '-m', 'ping', '-e', `@${J('extra.yml')}`], { env: NO_VAULT_ENV });
    assert.equal(e.code, 1);
    assert.match(e.stderr, /extra\.yml is vault-encrypted and no vault password was given/);
    const i = await ftl(['inventory', '--list', '-i', inv], { env: NO_VAULT_ENV });
    assert.equal(i.code, 1);
    assert.match(i.stderr, /vault\.yml is vault-encrypted and no vault password was given/);
  });

  it('as in Ansible, a !vault value no password opens fails only where it is used: the host runs modules, a template of it fails with Ansible\'s words', async () => {
    const plain = await ftl(['run', '-i', inline, 'solo', '-m', 'ping', '--json'], { env: NO_VAULT_ENV });
    assert.equal(plain.code, 0, plain.stdout + plain.stderr);
    assert.equal(jsonLines(plain.stdout)[0]?.status, 'ok');
    const used = await ftl(['run', '-i', inline, 'solo', '-m', 'command', '-a', 'cmd="echo {{ solo_secret }}"', '--json'], { env: NO_VAULT_ENV });
    assert.equal(used.code, 2, used.stdout + used.stderr);
    const line = jsonLines(used.stdout)[0];
    assert.equal(line?.status, 'failed');
    assert.match(JSON.stringify(line.result), /Attempting to decrypt but no vault secrets found/);
    const ansible = await run('ansible', ['-i', inline, 'solo', '-m', 'command', '-a', 'echo {{ solo_secret }}'], NO_VAULT_ENV, 120_000, [0, 2]);
    assert.match(ansible, /Attempting to decrypt but no vault secrets found/, 'Ansible says the same');
    // A wrong password is the same: the value stays sealed until used.
    const wrong = await ftl(['run', '-i', inline, 'solo', '-m', 'ping', '--vault-password-file', J('wrong.txt')]);
    assert.equal(wrong.code, 0, wrong.stdout + wrong.stderr);
    // Used as a connection variable, it stops the host before anything runs, naming the variable.
    const conn = J('inline', 'conn.yml');
    writeFileSync(conn, ['all:', '  hosts:', '    cx:', '      ansible_connection: local', await vaulted('ansible_become_password', SECRETS.db, '      ', pw), ''].join('\n'));
    const c = await ftl(['run', '-i', conn, 'cx', '-m', 'ping'], { env: NO_VAULT_ENV });
    assert.equal(c.code, 1, c.stdout + c.stderr);
    assert.match(c.stderr, /^ftl: cx: ansible_become_password \(host cx\) in \S+conn\.yml line 5 is vault-encrypted and no vault password was given/);
    const ac = await run('ansible', ['-i', conn, 'cx', '-m', 'ping'], NO_VAULT_ENV, 120_000, [0, 2, 4]);
    assert.match(ac, /Attempting to decrypt but no vault secrets found/, 'Ansible refuses that host too');
    // An encrypted group_vars file: only its group's hosts fail; the others run, as with Ansible.
    const proj = J('sealed-group');
    mkdirSync(join(proj, 'group_vars', 'prod'), { recursive: true });
    writeFileSync(join(proj, 'inv.yml'), ['all:', '  children:', '    prod:', '      hosts:', '        p9:', '          ansible_connection: local', '    web:', '      hosts:', '        w9:', '          ansible_connection: local', ''].join('\n'));
    writeFileSync(join(proj, 'group_vars', 'prod', 'vault.yml'), `prod_token: ${SECRETS.token}\n`);
    await vault(['encrypt', '--vault-password-file', pw, join(proj, 'group_vars', 'prod', 'vault.yml')]);
    const web = await ftl(['run', '-i', join(proj, 'inv.yml'), 'w9', '-m', 'ping'], { env: NO_VAULT_ENV });
    assert.equal(web.code, 0, web.stdout + web.stderr);
    const prod = await ftl(['run', '-i', join(proj, 'inv.yml'), 'p9', '-m', 'ping'], { env: NO_VAULT_ENV });
    assert.equal(prod.code, 1, prod.stdout + prod.stderr);
    assert.match(prod.stderr, /^ftl: p9: \S+group_vars\/prod\/vault\.yml is vault-encrypted and no vault password was given/);
    const [aw, ap] = await Promise.all(['w9', 'p9'].map((h) => run('ansible', ['-i', join(proj, 'inv.yml'), h, '-m', 'ping'], NO_VAULT_ENV, 120_000, [0, 1, 2, 4])));
    assert.match(aw ?? '', /w9 \| SUCCESS/, 'Ansible runs w9');
    assert.doesNotMatch(ap ?? '', /SUCCESS/, 'and not p9');
    noSecretIn('the output', plain.stdout + used.stdout + used.stderr + c.stderr + prod.stderr);
  });

  it('a wrong password or a missing password file: a clear error naming the file; exit 1', async () => {
    const r = await ftl(['run', '-i', inv, 'h1', '-m', 'ping', '--vault-password-file', J('wrong.txt')]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^ftl: h1: \S+group_vars\/all\/vault\.yml cannot be decrypted: no vault password given fits it \(check the vault password/);
    const v = await ftl(['run', '-i', inline, 'solo', '-m', 'command', '-a', 'cmd="echo {{ solo_secret }}"', '--json', '--vault-password-file', J('wrong.txt')]);
    assert.equal(v.code, 2, v.stdout + v.stderr);
    assert.match(JSON.stringify(jsonLines(v.stdout)[0]?.result), /Decryption failed \(no vault secrets were found that could decrypt\)/, "a template of a value the password does not open: Ansible's words");
    const m = await ftl(['run', '-i', inv, 'h1', '-m', 'ping', '--vault-password-file', J('no-such-file')]);
    assert.equal(m.code, 1);
    assert.match(m.stderr, /vault password: The vault password file \S+no-such-file was not found/);
    noSecretIn('the errors', r.stderr + v.stderr + m.stderr);
  });

  it('--ask-vault-pass with no terminal to ask on says so', async () => {
    const r = await ftlWithoutTerminal(['run', '-i', inv, 'h1', '-m', 'ping', '--ask-vault-pass'], dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /Vault password is needed, and there is no terminal to ask it on/);
  });
});
