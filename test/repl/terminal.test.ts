// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLine, processTree } from '../../src/lab/procs.js';
import { FTL_BIN } from '../helpers/ftl.js';
import { hasTmux, Terminal } from '../helpers/tmux.js';

/** The REPL on localhost in a real terminal (tmux), typed into as a person would. */
function processes(): string {
  return execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
}

/** Command lines of ftl's descendants: other tests on this machine may run their own sleeps. */
function descendants(root: number): string[] {
  return processTree(root)
    .slice(1)
    .map((p) => commandLine(p).trim());
}

describe('the REPL in a terminal, on localhost', { skip: hasTmux() ? false : 'tmux is not installed (apt-get install tmux)' }, () => {
  let home: string;
  let term: Terminal;
  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'ftl-home-'));
    term = new Terminal(`env HOME=${home} NO_COLOR=1 ${process.execPath} ${FTL_BIN}`);
    await term.waitFor(/ftl localhost\(1\)> $/m);
  });
  after(() => {
    term.kill();
    rmSync(home, { recursive: true, force: true });
  });

  it('completes targets, modules and options with Tab', async () => {
    term.type('ftl.local.metr');
    await term.tabUntil(/> ftl\.local\.metrics$/m);
    term.keys('C-u');
    await term.waitFor(/ftl localhost\(1\)> $/m);
    term.type('ftl.lo');
    await term.tabUntil(/> ftl\.local$/m);
    term.type('.pin');
    await term.tabUntil(/> ftl\.local\.ping$/m);
    term.type('({ da');
    await term.tabUntil(/> ftl\.local\.ping\(\{ data$/m);
    term.type(": 'hi' })");
    term.keys('Enter');
    await term.waitFor(/ok\s+localhost \(1\)\s+ping: hi/);
  });

  it('Ctrl-C cancels a running call, keeps the session, and the gate still works', async (t) => {
    term.type("ftl.local.command({ cmd: 'sleep 30' })");
    term.keys('Enter');
    const sleeping = (): boolean => descendants(term.pid()).includes('sleep 30');
    await Terminal.until('the module runs (sleep 30 under ftl in the process list)', sleeping);
    const at = term.mark();
    const t0 = Date.now();
    term.keys('C-c');
    await term.waitFor(/cancelled\s+localhost \(1\)/, { since: at });
    t.diagnostic(`back at the prompt ${String(Date.now() - t0)} ms after Ctrl-C`);
    await Terminal.until('the module process is killed', () => !sleeping(), 10_000);
    term.type('ftl.local.ping()');
    term.keys('Enter');
    await term.waitFor(/ping: pong/, { since: at });
  });

  it('Ctrl-C abandons a promise that never settles: the prompt and the line editor come back', async () => {
    const at = term.mark();
    term.type('new Promise(() => {})');
    term.keys('Enter');
    await new Promise((r) => setTimeout(r, 500));
    term.keys('C-c');
    await term.waitFor(/the line's promise had not settled: left behind, the prompt is back/, { since: at });
    term.type('ftl.local.ping({ data: "again" })');
    term.keys('Enter');
    await term.waitFor(/ping: again/, { since: at });
    term.type('1 + 1');
    term.keys('C-u');
    term.type('40 + 2');
    term.keys('Enter');
    await term.waitFor(/^42$/m, { since: at });
  });

  it('.export is a command at the terminal prompt too (every dot-command of the registry is)', async () => {
    const at = term.mark();
    term.type(`.export ${join(home, 'session.yml')}`);
    term.keys('Enter');
    await term.waitFor(/this session has no call that changed something/, { since: at });
  });

  // After .export: this call changes something, and .export's test wants a session without one.
  it('Ctrl-L while a call runs clears the screen at once, and the result that comes after stays on it', async () => {
    const at = term.mark();
    term.type("ftl.local.command({ cmd: 'sleep 2.01' })");
    term.keys('Enter');
    await term.waitFor(/running localhost/, { since: at });
    term.keys('C-l');
    await Terminal.until('the screen is cleared while the call still runs', () => !term.visible().includes('sleep 2.01'), 10_000);
    await Terminal.until('the result is on screen', () => /changed\s+localhost \(1\)\s+rc=0/.test(term.visible()));
    await Terminal.until('the prompt is back', () => /ftl localhost\(1\)> $/m.test(term.visible()));
    // A Ctrl-L kept for the prompt would clear the result away as the prompt came back.
    await new Promise((r) => setTimeout(r, 500));
    assert.match(term.visible(), /changed\s+localhost \(1\)\s+rc=0/);
  });

  it('Ctrl-D leaves and shuts the gate down', async () => {
    assert.match(processes(), new RegExp(`${home}/\\.ftl/gates/`), 'a gate runs');
    term.keys('C-d');
    await Terminal.until('ftl has exited', () => term.exited());
    await Terminal.until('no gate is left behind', () => !processes().includes(`${home}/.ftl/gates/`), 10_000);
  });
});
