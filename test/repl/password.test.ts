// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labUp, type Lab } from '../../src/lab/lab.js';
import { FTL_BIN, jsonLines, type FtlRun } from '../helpers/ftl.js';
import { hasTmux, Terminal } from '../helpers/tmux.js';

/**
 * Passwords the REPL and `ftl run` ask for, against a lab host whose sshd takes
 * passwords, logging in as a throwaway user whose sudo wants its password. The
 * passwords must never show on screen, in history, in files under HOME or in the
 * process list.
 */
const asRoot = process.getuid?.() === 0;
const why = !hasTmux()
  ? 'SKIPPED LOUDLY: tmux is not installed (apt-get install tmux)'
  : !asRoot
    ? 'SKIPPED LOUDLY: needs root, to make a throwaway user with a password (useradd, chpasswd) that sshd can check'
    : false;

function processes(): string {
  return execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
}

/** Every file under dir, read as text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p));
    else if (st.isFile()) out.push({ path: p, text: readFileSync(p, 'latin1') });
  }
  return out;
}

/** ftl with stdin a pipe and no controlling terminal at all (setsid), as under cron or CI. */
function ftlWithoutTerminal(args: string[], input: string, home: string): Promise<FtlRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, NO_COLOR: '1' };
    delete env.SSH_AUTH_SOCK;
    const child = spawn(process.execPath, [FTL_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ftl ${args.join(' ')} did not finish; stdout: ${stdout}; stderr: ${stderr}`));
    }, 120_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('passwords asked for, never stored', { skip: why, timeout: 600_000 }, () => {
  const user = `ftlpw${String(randomInt(10_000, 99_999))}`;
  const password = `Pw-${randomBytes(8).toString('hex')}`;
  const wrong = `Wrong-${randomBytes(8).toString('hex')}`;
  const sudoers = `/etc/sudoers.d/ftl-test-${user}`;
  let parent: string;
  let home: string;
  let inventory: string;
  let lab: Lab;
  let term: Terminal | undefined;

  const secretsNowhere = (where: string, text: string): void => {
    assert.ok(!text.includes(password), `the password is not in ${where}`);
    assert.ok(!text.includes(wrong), `the wrong password is not in ${where}`);
  };

  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'ftl-pw-'));
    home = join(parent, 'home');
    execFileSync('useradd', ['-m', '-s', '/bin/sh', user]);
    execFileSync('chpasswd', { input: `${user}:${password}\n` });
    // sudo asks this user for its own password.
    writeFileSync(sudoers, `${user} ALL=(ALL) ALL\n`, { mode: 0o440 });
    lab = await labUp({ count: 1, dir: join(parent, 'lab'), passwordAuth: true });
    const h = lab.host('lab01');
    inventory = join(parent, 'inventory.yml');
    // No key and no password: keys fail, and the password is asked for.
    writeFileSync(
      inventory,
      [
        'pw:',
        '  hosts:',
        '    pw01:',
        `      ansible_host: ${h.address}`,
        `      ansible_port: ${String(h.port)}`,
        '  vars:',
        `    ansible_user: ${user}`,
        `    ansible_ssh_common_args: -o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes`,
        '    ansible_python_interpreter: /usr/bin/python3',
        '',
      ].join('\n'),
    );
  });

  after(async () => {
    term?.kill();
    await lab.down();
    rmSync(sudoers, { force: true });
    try {
      execFileSync('userdel', ['-r', '-f', user], { stdio: 'ignore' });
    } catch {
      // userdel complains about a missing mail spool; the user is gone all the same
    }
    rmSync(parent, { recursive: true, force: true });
  });

  it('the REPL asks for the SSH password with echo off: Ctrl-C cancels the call, a wrong one is asked again', async () => {
    const h = lab.host('lab01');
    const t = new Terminal(`env -u SSH_AUTH_SOCK HOME=${home} NO_COLOR=1 ${process.execPath} ${FTL_BIN} -i ${inventory}`);
    term = t;
    await t.waitFor(/ftl all\(1\)> $/m);
    const question = new RegExp(`SSH password for ${user}@${h.address.replace(/\./g, '\\.')}: $`, 'm');

    let at = t.mark();
    t.type('ftl.pw01.ping()');
    t.keys('Enter');
    await t.waitFor(question, { since: at });
    t.keys('C-c');
    await t.waitFor(/⏹ cancelled\s+pw01 \(1\)[\s\S]*> $/m, { since: at });

    at = t.mark();
    t.type('ftl.pw01.ping()');
    t.keys('Enter');
    await t.waitFor(question, { since: at });
    t.typeSecret(wrong);
    t.keys('Enter');
    await t.waitFor(/\(the last one was refused\): $/m, { since: at });
    t.typeSecret(password);
    t.keys('Enter');
    await t.waitFor(/✔ ok\s+pw01 \(1\)\s+ping: pong/, { since: at });
    secretsNowhere('the screen', t.screen());
    secretsNowhere('the process list', processes());
  });

  it('.become root asks for the become password when sudo wants one; an empty answer means the SSH password', async () => {
    const t = term;
    assert.ok(t !== undefined);
    const at = t.mark();
    t.type('.become root');
    t.keys('Enter');
    t.type("ftl.pw01.command({ cmd: 'id -un' })");
    t.keys('Enter');
    await t.waitFor(/BECOME password for pw01 \(sudo -u root\)\[defaults to SSH password\]: $/m, { since: at });
    t.typeSecret(wrong);
    t.keys('Enter');
    await t.waitFor(/BECOME password for pw01 \(sudo -u root\) \(the last one was refused\)\[defaults to SSH password\]: $/m, { since: at });
    t.keys('Enter');
    await t.waitFor(/✔ changed\s+pw01 \(1\)\s+root\b/, { since: at });
    secretsNowhere('the screen', t.screen());
    secretsNowhere('the process list (sudo -S reads it from stdin)', processes());
  });

  it('Ctrl-D leaves; the passwords are in no file under HOME, and history has the calls without them', async () => {
    const t = term;
    assert.ok(t !== undefined);
    t.keys('C-d');
    await Terminal.until('ftl has exited', () => t.exited(), 30_000);
    const history = readFileSync(join(home, '.ftl', 'history'), 'utf8');
    assert.match(history, /^ftl\.pw01\.ping\(\)$/m);
    assert.match(history, /^\.become root$/m);
    for (const f of filesUnder(home)) secretsNowhere(f.path, f.text);
  });

  it('without a terminal the question fails clearly, naming the fix', async () => {
    const r = await ftlWithoutTerminal(['-i', inventory, '--json'], 'ftl.pw01.ping()\n', home);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    const host = jsonLines(r.stdout)[0];
    assert.ok(host !== undefined, r.stdout);
    assert.equal(host.status, 'unreachable');
    assert.match(String((host.result as { msg?: unknown }).msg), /login was refused.*no terminal to ask it on.*put it in the inventory \(ansible_password/);
    const k = await ftlWithoutTerminal(['run', '-i', inventory, 'pw01', 'ping', '-k'], '', home);
    assert.equal(k.code, 1);
    assert.match(k.stderr, /SSH password is needed, and there is no terminal to ask it on/);
  });

  it('ftl run -k -K asks on the terminal before it runs', async () => {
    const t = new Terminal(`sh -c 'env -u SSH_AUTH_SOCK HOME=${home} NO_COLOR=1 ${process.execPath} ${FTL_BIN} run -i ${inventory} pw01 command cmd="id -un" --become -k -K; echo "EXIT=$?"'`);
    try {
      await t.waitFor(/^SSH password: $/m);
      t.typeSecret(password);
      t.keys('Enter');
      await t.waitFor(/^BECOME password\[defaults to SSH password\]: $/m);
      t.keys('Enter');
      const screen = await t.waitFor(/^EXIT=\d+$/m);
      assert.match(screen, /✔ changed\s+pw01 \(1\)\s+root\b/);
      assert.match(screen, /^EXIT=0$/m);
      secretsNowhere('the screen', screen);
    } finally {
      t.kill();
    }
  });
});
