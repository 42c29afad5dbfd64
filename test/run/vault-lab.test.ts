// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labUp, type Lab } from '../../src/lab/lab.js';
import { run } from '../helpers/exec.js';
import { FTL_BIN, ftl, jsonLines } from '../helpers/ftl.js';
import { hasTmux, Terminal } from '../helpers/tmux.js';

/**
 * A vaulted group variable used as a module argument on a real SSH host: the file on the
 * host holds the secret, and nothing ftl prints (table, --json, errors), nor the REPL's
 * history, holds it. The vault password comes from a file, or is typed at --ask-vault-pass.
 */
const tag = randomBytes(6).toString('hex');
const SECRET = `Lab-Vault-Secret-${tag}`;
const PASSWORD = `lab-vault-pw-${tag}`;

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

describe('a vaulted variable reaches a lab host, and only the host', { timeout: 600_000 }, () => {
  let parent: string;
  let lab: Lab;
  let project: string;
  let pw: string;
  let home: string;
  let sources: string[];

  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'ftl-vault-lab-'));
    lab = await labUp({ count: 1, dir: join(parent, 'lab'), ownHomes: true });
    project = join(parent, 'project');
    home = join(parent, 'home');
    mkdirSync(join(project, 'group_vars'), { recursive: true });
    mkdirSync(home);
    pw = join(parent, 'pw.txt');
    writeFileSync(pw, PASSWORD);
    // The lab's own inventory, and a project source beside group_vars holding the vaulted value.
    writeFileSync(join(project, 'inv.yml'), 'all:\n  children:\n    lab:\n');
    const enc = await run('ansible-vault', ['encrypt_string', '--vault-password-file', pw, SECRET, '--name', 'db_password'], {}, 60_000);
    writeFileSync(join(project, 'group_vars', 'lab.yml'), `${enc.trimEnd()}\napp_dir: ${parent}\n`);
    sources = ['-i', lab.inventoryPath, '-i', join(project, 'inv.yml')];
  });

  after(async () => {
    await lab.down();
    rmSync(parent, { recursive: true, force: true });
  });

  const noSecret = (what: string, text: string): void => {
    assert.ok(!text.includes(SECRET), `the secret shows in ${what}:\n${text}`);
    assert.ok(!text.includes(PASSWORD), `the vault password shows in ${what}:\n${text}`);
  };

  it('copy content="{{ db_password }}" writes the secret on the host; the table and --json show it nowhere', async () => {
    const dest = join(parent, 'from-run.txt');
    const r = await ftl(['run', ...sources, 'lab', '-m', 'copy', '-a', `content="{{ db_password }}" dest=${dest} mode=0600`, '--vault-password-file', pw], { env: { HOME: home } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(dest, 'utf8'), SECRET);
    noSecret('ftl run (table)', r.stdout + r.stderr);
    const cat = await ftl(['run', ...sources, 'lab', '-m', 'command', '-a', `cat ${dest}`, '--vault-password-file', pw, '--json'], { env: { HOME: home } });
    assert.equal(cat.code, 0, cat.stdout + cat.stderr);
    assert.equal((jsonLines(cat.stdout)[0]?.result as { stdout?: string }).stdout, '********');
    noSecret('ftl run --json', cat.stdout + cat.stderr);
    // Wrong use of the secret in a module that fails: the error result is masked too.
    const bad = await ftl(['run', ...sources, 'lab', '-m', 'command', '-a', `ls /nonexistent-{{ db_password }}`, '--vault-password-file', pw, '--json'], { env: { HOME: home } });
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    noSecret('a failed result', bad.stdout + bad.stderr);
  });

  it('--ask-vault-pass asks on the terminal (ftl run, and the REPL whose history keeps no secret)', { skip: hasTmux() ? false : 'SKIPPED LOUDLY: tmux is not installed' }, async () => {
    const dest = join(parent, 'from-prompt.txt');
    const t = new Terminal(`sh -c 'HOME=${home} NO_COLOR=1 ${process.execPath} ${FTL_BIN} run ${sources.join(' ')} lab -m copy -a "content={{ db_password }} dest=${dest}" --ask-vault-pass; echo "EXIT=$?"'`);
    try {
      await t.waitFor(/^Vault password: $/m);
      t.typeSecret(PASSWORD);
      t.keys('Enter');
      const screen = await t.waitFor(/^EXIT=\d+$/m, { timeoutMs: 120_000 });
      assert.match(screen, /^EXIT=0$/m, screen);
      assert.match(screen, /changed\s+lab01/);
      noSecret('the screen', screen);
      assert.equal(readFileSync(dest, 'utf8'), SECRET);
    } finally {
      t.kill();
    }
    const repl = new Terminal(`env HOME=${home} NO_COLOR=1 ${process.execPath} ${FTL_BIN} ${sources.join(' ')} --ask-vault-pass`);
    try {
      await repl.waitFor(/^Vault password: $/m);
      repl.typeSecret(PASSWORD);
      repl.keys('Enter');
      await repl.waitFor(/> $/m, { timeoutMs: 120_000 });
      const at = repl.mark();
      repl.type(`await ftl.lab.command({ cmd: 'cat ${dest}' })`);
      repl.keys('Enter');
      const screen = await repl.waitFor(/lab01[\s\S]*\*{8}/, { since: at, timeoutMs: 120_000 });
      noSecret('the REPL screen', screen);
      repl.keys('C-d');
      await Terminal.until('the REPL has exited', () => repl.exited(), 30_000);
      noSecret('the REPL screen', repl.screen());
    } finally {
      repl.kill();
    }
    const files = filesUnder(home);
    assert.ok(files.some((f) => f.path.endsWith('history')), `the REPL wrote its history under ${home}`);
    for (const f of files) noSecret(f.path, f.text);
  });
});
