// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * .watch and .top in a real terminal (tmux) against two real sshd hosts: a change prints
 * above the prompt and the half-typed line survives it; the live panel has a row for every
 * host, sorts on a key, and any other key gives back a working prompt; leaving the REPL
 * leaves nothing running on the hosts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labUp, type Lab } from '../../src/lab/lab.js';
import { commandLine, processTree, waitGone } from '../../src/lab/procs.js';
import { FTL_BIN } from '../helpers/ftl.js';
import { hasTmux, Terminal } from '../helpers/tmux.js';

function underLab(lab: Lab): { pid: number; args: string }[] {
  return lab
    .status()
    .flatMap((h) => (h.pid === undefined ? [] : processTree(h.pid).slice(1)))
    .map((pid) => ({ pid, args: commandLine(pid).trim() }))
    .filter((p) => p.args !== '');
}

describe('.watch and .top in a terminal, on 2 lab hosts', { skip: hasTmux() ? false : 'tmux is not installed (apt-get install tmux)', timeout: 300_000 }, () => {
  let parent: string;
  let lab: Lab;
  let term: Terminal;
  let watched: string;

  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'ftl-events-term-'));
    watched = join(parent, 'etc-app');
    mkdirSync(watched);
    writeFileSync(join(watched, 'app.conf'), 'a=1\n');
    lab = await labUp({ count: 2, dir: join(parent, 'lab') });
    term = new Terminal(`env -u SSH_AUTH_SOCK HOME=${join(parent, 'home')} NO_COLOR=1 ${process.execPath} ${FTL_BIN} -i ${lab.inventoryPath}`, { width: 120, height: 40 });
    await term.waitFor(/ftl all\(2\)> $/m);
  });

  after(async () => {
    term.kill();
    await lab.down();
    rmSync(parent, { recursive: true, force: true });
  });

  it('.watch prints a change above the prompt, and the half-typed line is still there to finish', async () => {
    let at = term.mark();
    term.type(`.watch ${watched} lab01`);
    term.keys('Enter');
    await term.waitFor(/watching .* on 1 host \(lab01\)/, { since: at });
    await term.waitFor(/> $/m, { since: at });
    at = term.mark();
    term.type('ftl.lab.pi');
    await term.waitFor(/> ftl\.lab\.pi$/m, { since: at });
    const t = new Date();
    utimesSync(join(watched, 'app.conf'), t, t);
    // The change, then the prompt again with what was typed on it.
    const screen = await term.waitFor(/^⟳ lab01 modified\s+\S+app\.conf\n.*> ftl\.lab\.pi$/m, { since: at, timeoutMs: 30_000 });
    assert.equal(screen.match(/⟳ lab01 modified/g)?.length, 1, `one change, for lab01 only:\n${screen}`);
    assert.doesNotMatch(screen, /lab02 modified/);
    term.type('ng()');
    term.keys('Enter');
    await term.waitFor(/✔ ok\s+lab\[01-02\] \(2\)\s+ping: pong/, { since: at });
    // The watched host's gate restarted: said, and the watch is back on the new gate.
    at = term.mark();
    term.type('.gates restart lab01');
    term.keys('Enter');
    await term.waitFor(/⟳ lab01: the watch stopped \(.*\); it starts again with the host's next gate/, { since: at, timeoutMs: 60_000 });
    await term.waitFor(/⟳ lab01: the watch runs again \(a new gate\)/, { since: at, timeoutMs: 60_000 });
    at = term.mark();
    term.type('.watch off');
    term.keys('Enter');
    await term.waitFor(/stopped 1 watch/, { since: at });
  });

  it('.top shows a row per host, sorts on a key, and any other key gives back a working prompt', async () => {
    let at = term.mark();
    term.type('.top');
    term.keys('Enter');
    // Both rows with numbers (the first samples come within a second or two).
    const row = (h: string): RegExp => new RegExp(`^${h}\\s+\\d+\\.\\d%\\s+\\d+\\.\\d\\d\\s+\\d+\\.\\d% \\S+/\\S+\\s+\\d+\\.\\d%\\s+\\S+/\\S+\\s*$`, 'm');
    await term.waitFor(row('lab01'), { since: at, timeoutMs: 60_000 });
    await term.waitFor(row('lab02'), { since: at, timeoutMs: 60_000 });
    assert.match(term.screen(), /HOST▼\s+CPU\s+LOAD\s+MEM/);
    term.keys('m');
    await term.waitFor(/HOST\s+CPU\s+LOAD\s+MEM▼/, { since: at });
    // Drawn in place: one header on the screen since .top, however many refreshes.
    await new Promise((r) => setTimeout(r, 2500));
    const panel = term.screen().split('\n').slice(at).join('\n');
    assert.equal(panel.match(/^HOST/gm)?.length, 1, `the panel is redrawn in place:\n${panel}`);
    term.keys('q');
    await term.waitFor(/any other key leaves\n.*> $/m, { since: at });
    at = term.mark();
    term.type('6 * 7');
    term.keys('Enter');
    await term.waitFor(/^42$/m, { since: at });
    // The metrics streams were stopped when the panel was left.
    at = term.mark();
    term.type('await ftl.listen(3000)');
    term.keys('Enter');
    await term.waitFor(/^\[\]$/m, { since: at, timeoutMs: 30_000 });
  });

  it('leaving the REPL leaves nothing running on the hosts', async () => {
    // A watch still running at the end.
    const at = term.mark();
    term.type(`.watch ${watched}`);
    term.keys('Enter');
    await term.waitFor(/watching .* on 2 hosts/, { since: at });
    const before = underLab(lab);
    assert.ok(before.length > 0, 'gates run under sshd while the session does');
    term.keys('C-d');
    await Terminal.until('the REPL exits', () => term.exited(), 30_000);
    assert.ok(await waitGone(before.map((p) => p.pid), 15_000), `still running: ${JSON.stringify(underLab(lab))}`);
  });
});
