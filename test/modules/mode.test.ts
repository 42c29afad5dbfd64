import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../src/base/errors.js';
import type { ModuleDoc } from '../../src/base/module-types.js';
import { looksLikeDecimalMode, refuseDecimalMode } from '../../src/modules/mode.js';
import { ftl } from '../helpers/ftl.js';

test('a mode written as decimal digits is told apart from an 0o literal', () => {
  for (const n of [644, 755, 600, 640, 660, 664, 666, 700, 750, 775, 777, 444, 440, 555, 1777, 2755, 400, 500, 200]) assert.ok(looksLikeDecimalMode(n), `${String(n)} is refused`);
  for (const n of [0o644, 0o755, 0o600, 0o640, 0o664, 0o660, 0o400, 0o444, 0o500, 0o700, 0o750, 0o770, 0o775, 0o777, 0o1777, 0o2755, 0o4755, 0, 8, 99, 420.5, -644])
    assert.ok(!looksLikeDecimalMode(n), `${String(n)} (0o${n.toString(8)}) is accepted`);
});

const doc = (type: string | undefined): ModuleDoc => ({ shortName: 'file', options: [{ name: 'mode', aliases: [], type, required: false, noLog: false }] }) as unknown as ModuleDoc;

test('refused for a mode option of type raw or str, with both ways to write it; an int-typed mode is left alone', () => {
  assert.throws(
    () => {
      refuseDecimalMode('file', { path: '/x', mode: 644 }, doc('raw'));
    },
    (e: unknown) => e instanceof UsageError && e.code === 'FTL_BAD_ARGS' && e.message === "mode 644 is a decimal number: write '0644' or 0o644" && /0o1204/.test(e.hint),
  );
  assert.throws(() => {
    refuseDecimalMode('copy', { mode: 1777 }, doc('str'));
  }, /mode 1777 is a decimal number: write '1777' or 0o1777/);
  refuseDecimalMode('file', { mode: 0o644 }, doc('raw'));
  refuseDecimalMode('file', { mode: '644' }, doc('raw'));
  refuseDecimalMode('thing', { mode: 644 }, doc('int'));
});

test('mode: 644 in the REPL is refused before any host is reached; 0o644 goes on to the host', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-mode-'));
  try {
    // An address nobody answers: reaching it would show as unreachable.
    const inv = join(dir, 'hosts.ini');
    writeFileSync(inv, 'web01 ansible_host=192.0.2.1 ansible_ssh_timeout=1\n');
    const r = await ftl(['-i', inv], { input: "ftl.web01.file({ path: '/tmp/x', state: 'touch', mode: 644 })\nftl.web01.copy({ dest: '/tmp/x', content: 'some text', mode: 0o644 })\n" });
    const out = r.stdout + r.stderr;
    assert.match(out, /✘ mode 644 is a decimal number: write '0644' or 0o644/);
    // Only the second call went out to the host.
    assert.equal(out.match(/✘ unreachable\s+web01 \(1\)/g)?.length, 1, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
