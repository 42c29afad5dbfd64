import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FTL_BIN } from '../helpers/ftl.js';

/** The REPL in a real terminal (tmux), typed into as a person would. */
const SESSION = `ftl-test-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

function screen(): string {
  return tmux('capture-pane', '-p', '-J', '-t', SESSION, '-S', '-200');
}

async function waitFor(re: RegExp, timeoutMs = 30_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const s = screen();
    if (re.test(s)) return s;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${String(re)}; screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function processes(): string {
  return execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
}

let hasTmux = true;
try {
  execFileSync('tmux', ['-V']);
} catch {
  hasTmux = false;
}

describe('the REPL in a terminal', { skip: hasTmux ? false : 'tmux is not installed (apt-get install tmux)' }, () => {
  let home: string;
  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'ftl-home-'));
    tmux('new-session', '-d', '-s', SESSION, '-x', '150', '-y', '50', `env HOME=${home} NO_COLOR=1 ${process.execPath} ${FTL_BIN}`);
    await waitFor(/ftl localhost\(1\)> $/m);
  });
  after(() => {
    try {
      tmux('kill-session', '-t', SESSION);
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('completes targets, modules and options with Tab', async () => {
    tmux('send-keys', '-t', SESSION, 'ftl.lo', 'Tab');
    await waitFor(/> ftl\.local$/m);
    tmux('send-keys', '-t', SESSION, '.pin', 'Tab');
    await waitFor(/> ftl\.local\.ping$/m);
    tmux('send-keys', '-t', SESSION, '({ da', 'Tab');
    await waitFor(/> ftl\.local\.ping\(\{ data$/m);
    tmux('send-keys', '-t', SESSION, ": 'hi' })", 'Enter');
    await waitFor(/ok\s+localhost \(1\)\s+ping: hi/);
  });

  it('Ctrl-C cancels a running call, keeps the session, and the gate still works', async () => {
    tmux('send-keys', '-t', SESSION, "ftl.local.command({ cmd: 'sleep 30' })", 'Enter');
    await waitFor(/sleep 30/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.match(processes(), /^sleep 30$/m, 'the module is running');
    const t0 = Date.now();
    tmux('send-keys', '-t', SESSION, 'C-c');
    await waitFor(/cancelled\s+localhost \(1\)/, 5000);
    assert.ok(Date.now() - t0 < 3000, `back in ${Date.now() - t0} ms`);
    await new Promise((r) => setTimeout(r, 300));
    assert.doesNotMatch(processes(), /^sleep 30$/m, 'the module process was killed');
    tmux('send-keys', '-t', SESSION, 'ftl.local.ping()', 'Enter');
    await waitFor(/ping: pong/);
  });

  it('Ctrl-D leaves and shuts the gate down', async () => {
    assert.match(processes(), new RegExp(`${home}/\\.ftl/gates/`), 'a gate runs');
    tmux('send-keys', '-t', SESSION, 'C-d');
    const t0 = Date.now();
    while (Date.now() - t0 < 10_000 && processes().includes(`${home}/.ftl/gates/`)) await new Promise((r) => setTimeout(r, 100));
    assert.doesNotMatch(processes(), new RegExp(`${home}/\\.ftl/gates/`), 'no gate is left behind');
  });
});
