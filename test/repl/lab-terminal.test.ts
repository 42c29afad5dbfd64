// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labUp, type Lab } from '../../src/lab/lab.js';
import { commandLine, isAlive, processTree } from '../../src/lab/procs.js';
import { FTL_BIN } from '../helpers/ftl.js';
import { hasTmux, Terminal } from '../helpers/tmux.js';

/**
 * The REPL in a real terminal (tmux) against five real sshd hosts of a lab, typed into
 * as a person would: completion, the result table, .gates, Ctrl-C and Ctrl-D.
 */

/** Everything running under the lab's sshd listeners: sessions, gates, modules. */
function underLab(lab: Lab): { pid: number; args: string }[] {
  return lab
    .status()
    .flatMap((h) => (h.pid === undefined ? [] : processTree(h.pid).slice(1)))
    .map((pid) => ({ pid, args: commandLine(pid).trim() }))
    .filter((p) => p.args !== '');
}

interface GateRow {
  host: string;
  state: string;
  python: string;
  pid: number;
  calls: number;
}

/** The rows of `.gates` as printed. */
function gateRows(screen: string): GateRow[] {
  const rows: GateRow[] = [];
  // host, state, build (the gate's hash), python, pid, uptime, calls, running
  for (const m of screen.matchAll(/^(lab\d\d)\s+(\w+)\s+[0-9a-f]{16}\s+(\d+\.\d+\.\d+)\s+(\d+)\s+\d+ (?:s|min|h)\s+(\d+)\s+\d+\s*$/gm)) {
    rows.push({ host: m[1] ?? '', state: m[2] ?? '', python: m[3] ?? '', pid: Number(m[4]), calls: Number(m[5]) });
  }
  return rows;
}

describe('the REPL in a terminal, on 5 lab hosts', { skip: hasTmux() ? false : 'tmux is not installed (apt-get install tmux)', timeout: 600_000 }, () => {
  let parent: string;
  let home: string;
  let lab: Lab;
  let term: Terminal;
  let gatePids: number[] = [];

  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'ftl-repl-lab-'));
    home = join(parent, 'home');
    lab = await labUp({ count: 5, dir: join(parent, 'lab') });
    // No agent: only the lab's key, as the inventory says.
    term = new Terminal(`env -u SSH_AUTH_SOCK HOME=${home} NO_COLOR=1 ${process.execPath} ${FTL_BIN} -i ${lab.inventoryPath}`);
    await term.waitFor(/ftl all\(5\)> $/m);
  });

  after(async () => {
    term.kill();
    await lab.down();
    rmSync(parent, { recursive: true, force: true });
  });

  it('completes groups, hosts and local after ftl.', async () => {
    const at = term.mark();
    term.type('ftl.la');
    // Two Tabs: readline lists what starts with "la".
    await term.tabUntil(/^lab\s+lab01\s+lab02\s+lab03\s+lab04\s+lab05\b/m, at);
    term.clearLine();
    term.type('ftl.lo');
    await term.tabUntil(/> ftl\.local$/m, at);
    term.clearLine();
  });

  it('completes module short names and collection namespaces after a target, and a collection\'s modules', async () => {
    const at = term.mark();
    term.type('ftl.lab.pin');
    await term.tabUntil(/> ftl\.lab\.ping$/m, at);
    term.clearLine();
    term.type('ftl.lab.comm');
    // A module (command) and a namespace (community) side by side.
    await term.tabUntil(/^command\s+community\s*$/m, at);
    term.clearLine();
    term.type('ftl.lab.community.gen');
    await term.tabUntil(/> ftl\.lab\.community\.general$/m, at);
    term.type('.ini_f');
    await term.tabUntil(/> ftl\.lab\.community\.general\.ini_file$/m, at);
    term.clearLine();
  });

  it('completes option names inside the call and choices after option: \'', async () => {
    const at = term.mark();
    term.type('ftl.lab.stat({ get_ch');
    await term.tabUntil(/> ftl\.lab\.stat\(\{ get_checksum$/m, at);
    term.clearLine();
    term.type("ftl.lab.file({ path: '/tmp/x', state: '");
    await term.tabUntil(/^absent\s+directory\s+file\s+hard\s+link\s+touch\s*$/m, at);
    term.type('di');
    await term.tabUntil(/> ftl\.lab\.file\(\{ path: '\/tmp\/x', state: 'directory$/m, at);
    term.clearLine();
  });

  it('completes dot-commands and their arguments', async () => {
    const at = term.mark();
    term.type('.ta');
    await term.tabUntil(/> \.target$/m, at);
    term.type(' lab0');
    await term.tabUntil(/^lab01\s+lab02\s+lab03\s+lab04\s+lab05\s*$/m, at);
    term.clearLine();
    term.type('.doc community.general.ini_');
    await term.tabUntil(/> \.doc community\.general\.ini_file$/m, at);
    term.clearLine();
  });

  it('renders a call as a table: one folded row for the 5 hosts and a summary line; .gates shows the SSH gates', async () => {
    const at = term.mark();
    term.type('ftl.lab.ping()');
    term.keys('Enter');
    // The Ink table: status, folded host set with its count, the key output and the time (quickest–slowest) on one line.
    await term.waitFor(/✔ ok\s+lab\[01-05\] \(5\)\s+ping: pong\s+(?:\d+(?:\.\d)?(?: m?s)?–)?\d+(?:\.\d)? m?s\s*$/m, { since: at });
    await term.waitFor(/^5 ok in \d+(?:\.\d)? m?s$/m, { since: at });

    const g = term.mark();
    term.type('.gates');
    term.keys('Enter');
    const screen = await term.waitFor(/^lab05\s+ready.*\n.*> $/m, { since: g });
    const rows = gateRows(screen);
    assert.deepEqual(
      rows.map((r) => r.host),
      ['lab01', 'lab02', 'lab03', 'lab04', 'lab05'],
      'one gate per host, listed by host',
    );
    const under = underLab(lab);
    for (const r of rows) {
      assert.equal(r.state, 'ready');
      assert.ok(r.calls >= 1, `${r.host} counted its call`);
      // The pid is the gate's own, a python process under that lab host's sshd.
      const gate = under.find((p) => p.pid === r.pid);
      assert.ok(gate !== undefined, `${r.host}'s gate pid ${String(r.pid)} runs under a lab sshd`);
      assert.match(gate.args, /python.*gate-[0-9a-f]+\.pyz/);
    }
    gatePids = rows.map((r) => r.pid);
  });

  it('the prompt shows check mode and become loudly', async () => {
    const at = term.mark();
    term.type('.check on');
    term.keys('Enter');
    await term.waitFor(/ftl all\(5\)\s+CHECK\s+> $/m, { since: at });
    term.type('.become root');
    term.keys('Enter');
    await term.waitFor(/ftl all\(5\)\s+CHECK\s+BECOME root\s+> $/m, { since: at });
    term.type('.check off');
    term.keys('Enter');
    term.type('.become off');
    term.keys('Enter');
    await term.waitFor(/become off\n.*ftl all\(5\)> $/m, { since: at });
  });

  it('Ctrl-C during a call on 5 hosts: what finished is shown, the rest cancelled, the modules killed, the gates still answer', async (t) => {
    const flag = join(parent, 'first');
    const sleeps = (): number[] => underLab(lab).filter((p) => p.args === 'sleep 30').map((p) => p.pid);
    const at = term.mark();
    // One host wins the mkdir and finishes at once; the other four sleep.
    term.type(`ftl.lab.shell({ cmd: 'mkdir ${flag} 2>/dev/null && echo quick || exec sleep 30' })`);
    term.keys('Enter');
    await Terminal.until('four hosts run sleep 30 under the lab sshds', () => sleeps().length === 4, 60_000);
    const t0 = Date.now();
    term.keys('C-c');
    const screen = await term.waitFor(/^4 cancelled, 1 changed in .*\n.*> $/m, { since: at });
    t.diagnostic(`back at the prompt ${String(Date.now() - t0)} ms after Ctrl-C`);
    assert.match(screen, /⏹ cancelled\s+lab\S+ \(4\)\s+cancelled/);
    assert.match(screen, /✔ changed\s+lab0\d \(1\)\s+quick/);
    await Terminal.until('no sleep is left on any host', () => sleeps().length === 0, 10_000);

    const p = term.mark();
    term.type('ftl.lab.ping()');
    term.keys('Enter');
    await term.waitFor(/^5 ok in /m, { since: p });
    term.type('.gates');
    term.keys('Enter');
    const after = await term.waitFor(/^lab05\s+ready.*\n.*> $/m, { since: p });
    assert.deepEqual(
      gateRows(after)
        .map((r) => r.pid)
        .sort(),
      [...gatePids].sort(),
      'the same gates, not new ones',
    );
  });

  it('Ctrl-D leaves and leaves nothing behind: no gate, no module, no SSH session on the hosts, no process here', async () => {
    const ftlPid = term.pid();
    assert.ok(underLab(lab).some((p) => /gate-[0-9a-f]+\.pyz/.test(p.args)), 'gates run before');
    term.keys('C-d');
    await Terminal.until('ftl has exited', () => term.exited(), 30_000);
    assert.equal(isAlive(ftlPid), false);
    // sshd forks a process per connection; when every connection is closed only the listeners are left.
    await Terminal.until('the lab sshds serve no session', () => underLab(lab).length === 0, 10_000);
    for (const pid of gatePids) assert.equal(isAlive(pid), false, `gate ${String(pid)} is gone`);
    // (tmux's server keeps the command line of the client that started it: the harness, not ftl.)
    const here = processTree(1)
      .map((pid) => commandLine(pid))
      .filter((args) => args.includes(home) && !args.startsWith('tmux'));
    assert.deepEqual(here, [], `no process uses the test HOME ${home}`);
  });
});
