import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/exec.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A script outside the repository, with ftl installed as a dependency (the built package, as npm links it). */
async function runScript(source: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-lib-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'ftl'), 'dir');
    writeFileSync(join(dir, 'script.mjs'), source);
    return await run(process.execPath, [join(dir, 'script.mjs')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("import { automation } from 'ftl' (the library)", () => {
  it('gives scripts the same ftl object as the REPL: calls, results, errors', async () => {
    const out = await runScript(`
      import { automation, RunResult, FtlError } from 'ftl';
      const ftl = await automation();
      try {
        const r = await ftl.local.command({ cmd: 'echo from-a-script' });
        const py = await ftl.local.shell({ cmd: 'readlink -f /proc/$PPID/exe' });
        let bad = 'no error';
        try { await ftl.local.pnig(); } catch (e) { bad = e instanceof FtlError ? e.code + ': ' + e.message : String(e); }
        console.log(JSON.stringify({
          isRunResult: r instanceof RunResult,
          changed: r.changed.length,
          stdout: r.host('localhost').stdout,
          gatePython: py.host('localhost').stdout,
          bad,
        }));
      } finally {
        await ftl.close();
      }
    `);
    const got = JSON.parse(out.trim()) as { isRunResult: boolean; changed: number; stdout: string; gatePython: string; bad: string };
    assert.equal(got.isRunResult, true);
    assert.equal(got.changed, 1);
    assert.equal(got.stdout, 'from-a-script');
    // As Ansible's implicit localhost: the controller's Python, not whatever python3 is first on PATH.
    assert.equal(got.gatePython, realpathSync('/usr/bin/python3'));
    assert.match(got.bad, /no module 'pnig'; did you mean 'ping'/);
  });
});
