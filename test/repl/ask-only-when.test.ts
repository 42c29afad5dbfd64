// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labUp, type Lab } from '../../src/lab/lab.js';
import { FTL_BIN, ftl } from '../helpers/ftl.js';
import { hasTmux, Terminal } from '../helpers/tmux.js';

/**
 * A password is asked for only when the server takes one: real sshd lab hosts that take
 * keys only fail at once without a question (terminal and pipe); hosts that take passwords
 * ask once for all of them. The same terminal session checks the small REPL fixes (typo
 * suggestions, Ctrl-L, .editor and Ctrl-C, the prompt after addHost, folded host text as a
 * target, a numeric mode refused before any host is touched).
 */
const asRoot = process.getuid?.() === 0;
const noTmux = hasTmux() ? false : 'SKIPPED LOUDLY: tmux is not installed (apt-get install tmux)';

/** What the terminal shows now (the visible pane only, not the scrollback). */
function visible(t: Terminal): string {
  return execFileSync('tmux', ['capture-pane', '-p', '-J', '-t', t.name], { encoding: 'utf8' });
}

function inventory(lab: Lab, file: string, vars: string[], prefix: string): void {
  const lines = [`${prefix}:`, '  hosts:'];
  lab.hosts.forEach((h, i) => {
    lines.push(`    ${prefix}0${String(i + 1)}:`, `      ansible_host: ${h.address}`, `      ansible_port: ${String(h.port)}`);
  });
  lines.push('  vars:', ...vars.map((v) => `    ${v}`), `    ansible_ssh_common_args: -o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes`, '    ansible_python_interpreter: /usr/bin/python3', '');
  writeFileSync(file, lines.join('\n'));
}

describe('a host that takes keys only is never asked for a password', { skip: noTmux, timeout: 600_000 }, () => {
  let parent: string;
  let lab: Lab;
  let inv: string;
  let stranger: string;
  let home: string;
  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'ftl-keys-only-'));
    home = join(parent, 'home');
    mkdirSync(home);
    // The lab's sshd: PasswordAuthentication no, KbdInteractiveAuthentication no.
    lab = await labUp({ count: 3, dir: join(parent, 'lab') });
    stranger = join(parent, 'stranger_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    inv = join(parent, 'inventory.yml');
    inventory(lab, inv, [`ansible_user: ${lab.user}`, `ansible_ssh_private_key_file: ${stranger}`], 'keys');
  });
  after(async () => {
    await lab.down();
    rmSync(parent, { recursive: true, force: true });
  });

  it('in a terminal: one folded row naming the key tried and what the server takes, no question, the prompt back', async () => {
    const t = new Terminal(`env -u SSH_AUTH_SOCK HOME=${home} NO_COLOR=1 ${process.execPath} ${FTL_BIN} -i ${inv}`);
    try {
      await t.waitFor(/ftl all\(3\)> $/m, { timeoutMs: 120_000 });
      const at = t.mark();
      t.type('ftl.keys.ping()');
      t.keys('Enter');
      const screen = await t.waitFor(/3 unreachable in .*\n.*ftl all\(3\)> $/m, { since: at, timeoutMs: 180_000 });
      assert.match(screen, /✘ unreachable\s+keys\[01-03\] \(3\)/);
      // Wrapped in the table's column (the time, or a folded row's range of times like
      // "784–845 ms", sits beside its first line): read as one text.
      const said = screen.replace(/\s+\d+(\.\d+)?(–\d+(\.\d+)?)? m?s\s+/g, ' ').replace(/\s+/g, ' ');
      assert.match(said, new RegExp(`${lab.user}'s login was refused \\(tried key ${stranger}\\); the server accepts keys only \\(it takes no password, so none is asked: install that key there \\(ssh-copy-id\\)`));
      assert.doesNotMatch(screen, /password for/i);
    } finally {
      t.kill();
    }
  });

  it('in a pipe: the same, and the exit code says unreachable', async () => {
    const r = await ftl(['-i', inv], { input: 'ftl.keys.ping()\n', env: { SSH_AUTH_SOCK: '', HOME: home, COLUMNS: '200' }, timeoutMs: 180_000 });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stdout, /✘ unreachable keys\[01-03\] \(3\)/);
    assert.match(r.stdout.replace(/\s+/g, ' '), /login was refused \(tried key \S*stranger_key\); the server accepts keys only \(it takes no password, so none is asked/);
    assert.doesNotMatch(r.stdout + r.stderr, /no terminal to ask|password for/i);
  });
});

describe('hosts that take passwords ask once for all; the small REPL fixes', { skip: noTmux || (!asRoot && 'SKIPPED LOUDLY: needs root, to make a throwaway user with a password that sshd can check'), timeout: 900_000 }, () => {
  const user = `ftlask${String(randomInt(10_000, 99_999))}`;
  const password = `Pw-${randomBytes(8).toString('hex')}`;
  let parent: string;
  let home: string;
  let inv: string;
  let lab: Lab;
  let term: Terminal | undefined;

  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'ftl-ask-once-'));
    home = join(parent, 'home');
    mkdirSync(home);
    execFileSync('useradd', ['-m', '-s', '/bin/sh', user]);
    execFileSync('chpasswd', { input: `${user}:${password}\n` });
    lab = await labUp({ count: 3, dir: join(parent, 'lab'), passwordAuth: true });
    inv = join(parent, 'inventory.yml');
    inventory(lab, inv, [`ansible_user: ${user}`], 'pw');
  });

  after(async () => {
    term?.kill();
    await lab.down();
    try {
      execFileSync('userdel', ['-r', '-f', user], { stdio: 'ignore' });
    } catch {
      // userdel complains about a missing mail spool; the user is gone all the same
    }
    rmSync(parent, { recursive: true, force: true });
  });

  it('three hosts, one question', async () => {
    const t = new Terminal(`env -u SSH_AUTH_SOCK HOME=${home} NO_COLOR=1 ${process.execPath} ${FTL_BIN} -i ${inv}`);
    term = t;
    await t.waitFor(/ftl all\(3\)> $/m, { timeoutMs: 120_000 });
    const at = t.mark();
    t.type('ftl.pw.ping()');
    t.keys('Enter');
    await t.waitFor(new RegExp(`SSH password for ${user}@[\\d.]+: $`, 'm'), { since: at, timeoutMs: 120_000 });
    t.typeSecret(password);
    t.keys('Enter');
    const screen = await t.waitFor(/✔ ok\s+pw\[01-03\] \(3\)\s+ping: pong[\s\S]*> $/m, { since: at, timeoutMs: 300_000 });
    assert.equal(screen.match(/SSH password for/g)?.length, 1, screen);
    assert.ok(!t.screen().includes(password));
  });

  it('folded host text is a target; the prompt follows addHost and removeHost', async () => {
    const t = term;
    assert.ok(t !== undefined);
    let at = t.mark();
    t.type("ftl['pw[01-02]'].ping()");
    t.keys('Enter');
    await t.waitFor(/✔ ok\s+pw\[01-02\] \(2\)\s+ping: pong[\s\S]*ftl all\(3\)> $/m, { since: at, timeoutMs: 120_000 });
    at = t.mark();
    t.type("ftl.addHost('extra01', { ansible_host: '127.0.0.1' })");
    t.keys('Enter');
    await t.waitFor(/ftl all\(4\)> $/m, { since: at });
    at = t.mark();
    t.type("ftl.removeHost('extra01')");
    t.keys('Enter');
    await t.waitFor(/ftl all\(3\)> $/m, { since: at });
  });

  it('mode: 644 is refused and no host is touched', async () => {
    const t = term;
    assert.ok(t !== undefined);
    const path = join(tmpdir(), `ftl-mode-${randomBytes(4).toString('hex')}`);
    const at = t.mark();
    t.type(`ftl.pw.file({ path: '${path}', state: 'touch', mode: 644 })`);
    t.keys('Enter');
    await t.waitFor(/✘ mode 644 is a decimal number: write '0644' or 0o644[\s\S]*> $/m, { since: at });
    // The lab's hosts share this machine's files: a touched host would have made it.
    assert.ok(!existsSync(path));
  });

  it("a mistyped dot-command gets a did-you-mean; .editor then Ctrl-C leaves the REPL usable; Ctrl-L clears the screen", async () => {
    const t = term;
    assert.ok(t !== undefined);
    let at = t.mark();
    t.type('.hots');
    t.keys('Enter');
    const typo = await t.waitFor(/✘ no command \.hots; did you mean \.hosts.*\n.*> $/m, { since: at });
    assert.doesNotMatch(typo, /Invalid REPL keyword/);
    at = t.mark();
    t.type('.editor');
    t.keys('Enter');
    await t.waitFor(/Entering editor mode/, { since: at });
    t.type('const x = 1');
    t.keys('C-c');
    await t.waitFor(/\(Ctrl-D or \.exit leaves\)\n.*> $/m, { since: at });
    t.type('40 + 2');
    t.keys('Enter');
    await t.waitFor(/^42$/m, { since: at });
    assert.match(visible(t), /ping: pong|42/);
    t.type('"still here"');
    t.keys('C-l');
    await Terminal.until('Ctrl-L cleared the screen', () => /^ftl all\(3\)> "still here"/.test(visible(t)) && !/42/.test(visible(t)), 30_000);
  });
});
