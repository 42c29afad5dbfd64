// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labUp, type Lab } from '../../src/lab/lab.js';
import { FTL_BIN } from '../helpers/ftl.js';
import { hasTmux, Terminal } from '../helpers/tmux.js';

/**
 * Real work in the REPL, in a real terminal (tmux) on three lab hosts: diffs on screen,
 * .apply, results of calls that are not the line's value, one line at a time, .show;
 * and `ftl run` on a terminal.
 */

/** The lines from `since` on (the screen as waitFor returns it). */
const count = (text: string, re: RegExp): number => [...text.matchAll(new RegExp(re.source, `${re.flags.replace('g', '')}g`))].length;

describe('real work in the REPL, on 3 lab hosts', { skip: hasTmux() ? false : 'tmux is not installed (apt-get install tmux)', timeout: 600_000 }, () => {
  let parent: string;
  let lab: Lab;
  let term: Terminal;
  let files: string;

  /** Types a line and presses Enter. */
  const line = (text: string): void => {
    term.type(text);
    term.keys('Enter');
  };

  before(async () => {
    parent = mkdtempSync(join(tmpdir(), 'ftl-repl-work-'));
    files = join(parent, 'files');
    mkdirSync(files);
    lab = await labUp({ count: 3, dir: join(parent, 'lab') });
    // PAGER=cat: .show's pager prints, so that the screen holds what it showed.
    term = new Terminal(`env -u SSH_AUTH_SOCK HOME=${join(parent, 'home')} NO_COLOR=1 PAGER=cat ${process.execPath} ${FTL_BIN} -i ${lab.inventoryPath}`, { height: 40 });
    await term.waitFor(/ftl all\(3\)> $/m);
    // Gates up before the tests: they then look at output, not at start-up.
    const at = term.mark();
    line('ftl.lab.ping()');
    await term.waitFor(/^3 ok in /m, { since: at });
  });

  after(async () => {
    term.kill();
    await lab.down();
    rmSync(parent, { recursive: true, force: true });
  });

  it('a check-mode lineinfile with .diff on shows the - and + lines, one diff for the three hosts that share it', async () => {
    const conf = join(files, 'shared.conf');
    writeFileSync(conf, 'a=1\nport=80\nb=2\n');
    const at = term.mark();
    line('.diff on');
    line(`ftl.lab.lineinfile({ path: '${conf}', regexp: '^port=', line: 'port=8080' }, { check: true })`);
    const screen = await term.waitFor(/^3 changed in .*\n.*> $/m, { since: at });
    assert.match(screen, /✔ changed\s+lab\[01-03\] \(3\)\s+line replaced/);
    assert.match(screen, new RegExp(`^\\s+--- ${conf} \\(content\\)\\n\\s+\\+\\+\\+ ${conf} \\(content\\)\\n\\s+@@ -1,3 \\+1,3 @@\\n\\s+ a=1\\n\\s+-port=80\\n\\s+\\+port=8080\\n\\s+ b=2$`, 'm'));
    assert.equal(count(screen, /^\s+-port=80$/m), 1, 'one diff for the three hosts');
    assert.equal(readFileSync(conf, 'utf8'), 'a=1\nport=80\nb=2\n', 'check mode changed nothing');
  });

  it('.apply runs the last check-mode call for real on exactly the hosts that would change', async () => {
    for (const [h, port] of [['lab01', 80], ['lab02', 80], ['lab03', 8080]] as const) writeFileSync(join(files, `${h}.conf`), `a=1\nport=${String(port)}\nb=2\n`);
    const untouched = statSync(join(files, 'lab03.conf')).mtimeMs;
    const at = term.mark();
    line(`ftl.lab.lineinfile({ path: '${files}/{{ inventory_hostname }}.conf', regexp: '^port=', line: 'port=8080' }, { check: true })`);
    await term.waitFor(/^2 changed, 1 ok in .*\n.*> $/m, { since: at });
    const a = term.mark();
    line('.apply');
    const screen = await term.waitFor(/^2 changed in .*\n.*> $/m, { since: a });
    assert.match(screen, /applying lineinfile\(.*\) for real on lab\[01-02\] \(2\)/);
    assert.doesNotMatch(screen.split('applying')[1] ?? '', /lab03/, 'lab03 was not in the real run');
    for (const h of ['lab01', 'lab02', 'lab03']) assert.equal(readFileSync(join(files, `${h}.conf`), 'utf8'), 'a=1\nport=8080\nb=2\n', h);
    assert.equal(statSync(join(files, 'lab03.conf')).mtimeMs, untouched, 'lab03 was not written');
    line('.diff off');
  });

  it('a for loop over three hosts prints three results, in order, and the prompt comes back clean', async () => {
    const at = term.mark();
    line("for (const h of ['lab01', 'lab02', 'lab03']) await ftl[h].command(`echo turn-${h}`)");
    const screen = await term.waitFor(/turn-lab03[^\n]*\n1 changed in .*\n.*> $/m, { since: at });
    assert.deepEqual([...screen.matchAll(/✔ changed\s+(lab0\d) \(1\)\s+turn-(lab0\d)/g)].map((m) => [m[1], m[2]]), [['lab01', 'lab01'], ['lab02', 'lab02'], ['lab03', 'lab03']]);
    assert.doesNotMatch(screen, /done · running|Ctrl-C cancels/, 'no progress line left on screen');
  });

  it('const r = await ftl.lab.ping() prints the result, and r.ok.length then prints the count', async () => {
    const at = term.mark();
    line('const r = await ftl.lab.ping()');
    await term.waitFor(/^3 ok in .*\n.*> $/m, { since: at });
    line('r.ok.length');
    const screen = await term.waitFor(/> r\.ok\.length\n3\n.*> $/m, { since: at });
    assert.equal(count(screen, /ping: pong/), 1, 'the result printed once');
  });

  it('a line typed while sleep 3 runs waits, then runs after it, shown at the prompt as typed', async () => {
    const at = term.mark();
    line("ftl.lab01.command('sleep 3')");
    await term.waitFor(/> ftl\.lab01\.command\('sleep 3'\)\n/, { since: at });
    line("'typed ' + 'meanwhile'");
    const screen = await term.waitFor(/'typed meanwhile'\n.*> $/m, { since: at });
    const result = screen.indexOf('1 changed in');
    const echoed = screen.indexOf("> 'typed ' + 'meanwhile'");
    assert.ok(result >= 0 && echoed > result, `the typed line comes after the call's result:\n${screen}`);
  });

  it('Ctrl-C during a loop cancels the running call, stops the loop and drops what was typed meanwhile', async () => {
    const at = term.mark();
    line("for (const h of ['lab01', 'lab02', 'lab03']) await ftl[h].command('sleep 30')");
    await term.waitFor(/running lab01/, { since: at, timeoutMs: 30_000 });
    line("'dropped ' + 'line'");
    term.keys('C-c');
    const screen = await term.waitFor(/^1 cancelled in .*\n(?:.*\n)*.*> $/m, { since: at });
    await new Promise((r) => setTimeout(r, 1000));
    const after = term.screen().split('\n').slice(at).join('\n');
    assert.doesNotMatch(after, /dropped line/, 'the line typed during the call did not run');
    assert.doesNotMatch(after, /lab02 \(1\)/, 'the loop did not go on to lab02');
    assert.match(screen, /⏹ cancelled\s+lab01 \(1\)/);
  });

  it('.show prints a 200-line output whole (the table shows the first lines and says how)', async () => {
    const at = term.mark();
    line("ftl.lab01.command('seq 1 200')");
    const table = await term.waitFor(/^1 changed in .*\n.*> $/m, { since: at });
    assert.match(table, /… 190 more lines: \.show lab01/);
    const s = term.mark();
    line('.show lab01');
    const screen = await term.waitFor(/^200\n(?:.*\n)*.*> $/m, { since: s });
    const numbers = screen.split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
    assert.deepEqual(numbers, Array.from({ length: 200 }, (_, i) => i + 1));
  });
});

describe('ftl run on a terminal', { skip: hasTmux() ? false : 'tmux is not installed (apt-get install tmux)', timeout: 300_000 }, () => {
  it('shows a live progress line while hosts run, then only the results', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'ftl-run-term-'));
    const lab = await labUp({ count: 2, dir: join(parent, 'lab') });
    const term = new Terminal(`env -u SSH_AUTH_SOCK HOME=${join(parent, 'home')} NO_COLOR=1 ${process.execPath} ${FTL_BIN} run -i ${lab.inventoryPath} lab command cmd='sleep 4'; sleep 600`);
    try {
      await term.waitFor(/… \d\/2 done · running lab0\d [\d.]+ s/);
      const screen = await term.waitFor(/^2 changed in /m);
      assert.match(screen, /✔ changed\s+lab\[01-02\] \(2\)/);
      assert.doesNotMatch(screen, /done · running/, 'the progress line was cleared before the results');
    } finally {
      term.kill();
      await lab.down();
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
