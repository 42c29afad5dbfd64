/**
 * Local gates: a gate file whose bytes are not the build's is never run (it is built
 * anew, and that is said once), and a start whose interpreter never answers ends at the
 * call's timeout with nothing of it left running.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { Warnings, type Warning } from '../../src/base/warnings.js';
import { automation } from '../../src/run/automation.js';
import { coreOf } from '../../src/run/ftl-object.js';

// A home and a temp dir of this file's own: the gate cache (~/.ftl/gates) and the become
// copies are this test's to damage, never those of anyone else on the machine.
const root = mkdtempSync(join(tmpdir(), 'ftl-local-gate-'));
chmodSync(root, 0o755);
process.env.HOME = join(root, 'home');
process.env.TMPDIR = join(root, 'tmp');
mkdirSync(process.env.HOME);
mkdirSync(process.env.TMPDIR, { mode: 0o1777 });
chmodSync(process.env.TMPDIR, 0o1777);

/** A zipapp that leaves a mark when it runs: what a tampered gate would be. */
function markingZip(mark: string): Uint8Array {
  return zipSync({ '__main__.py': Buffer.from(`open(${JSON.stringify(mark)}, "w").write("ran")\n`) });
}

function cachedGate(): string {
  const dir = join(root, 'home', '.ftl', 'gates');
  const [name] = readdirSync(dir).filter((n) => n.endsWith('.pyz'));
  assert.ok(name !== undefined, 'the gate is cached');
  return join(dir, name);
}

function running(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', marker], { encoding: 'utf8' }).trim().split('\n').filter((l) => l !== '' && !l.includes('pgrep'));
  } catch {
    return [];
  }
}

async function gone(marker: string): Promise<string[]> {
  for (let i = 0; i < 100 && running(marker).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  return running(marker);
}

describe('local gates', { timeout: 180_000 }, () => {
  const shared = join(root, 'shared');
  before(() => {
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o777);
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('a cached gate file that was replaced or cut short is never run: it is built anew, and that is said once', async () => {
    const first = await automation();
    try {
      assert.deepEqual((await first.run('localhost', 'ping')).ok, ['localhost']);
    } finally {
      await first.close();
    }
    const file = cachedGate();
    const original = readFileSync(file);
    const mark = join(shared, 'tampered-ran');
    for (const damage of ['replaced', 'cut short']) {
      if (damage === 'replaced') writeFileSync(file, markingZip(mark));
      else truncateSync(file, 100);
      const said: Warning[] = [];
      const ftl = await automation({ warnings: new Warnings((w) => said.push(w)) });
      try {
        assert.deepEqual((await ftl.run('localhost', 'ping')).ok, ['localhost'], damage);
        assert.deepEqual((await ftl.run('localhost', 'ping')).ok, ['localhost']);
      } finally {
        await ftl.close();
      }
      assert.equal(existsSync(mark), false, `${damage}: the damaged file never ran`);
      assert.deepEqual(readFileSync(file), original, `${damage}: the build's bytes are back`);
      assert.deepEqual(
        said.map((w) => w.message),
        [`the gate file on this controller (${file}) was damaged; rebuilt`],
        `${damage}: said once`,
      );
    }
  });

  it("the become user's copy is checked at every start, and replaced when it is not the build's", { skip: userInfo().uid !== 0 && 'needs sudo to nobody without a password (root here)' }, async () => {
    const ftl = await automation();
    try {
      assert.deepEqual((await ftl.run('localhost', 'ping', {}, { become: 'nobody' })).ok, ['localhost']);
      const dirs = readdirSync(join(root, 'tmp')).filter((n) => n.startsWith('ftl-gate-'));
      const copies = dirs.flatMap((d) => readdirSync(join(root, 'tmp', d)).map((n) => join(root, 'tmp', d, n)));
      assert.equal(copies.length, 1, 'one readable copy');
      const copy = copies[0] ?? '';
      const mark = join(shared, 'copy-ran');
      writeFileSync(copy, markingZip(mark));
      await coreOf(ftl).gates.closeAll();
      assert.deepEqual((await ftl.run('localhost', 'ping', {}, { become: 'nobody' })).ok, ['localhost']);
      assert.equal(existsSync(mark), false, 'the tampered copy never ran');
      assert.deepEqual(readFileSync(copy), readFileSync(cachedGate()));
    } finally {
      await ftl.close();
    }
  });

  it('an interpreter that never answers fails the call at its timeout and leaves nothing running', async () => {
    const marker = `ftl-hang-${String(process.pid)}-${String(Date.now())}`;
    const sleeper = join(root, `${marker}-sleep`);
    symlinkSync(execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim(), sleeper);
    const python = join(root, `${marker}-python`);
    writeFileSync(python, `#!/bin/sh\n${sleeper} 86400\n`, { mode: 0o755 });
    const ftl = await automation();
    try {
      coreOf(ftl).inventory.addHost('localhost', { ansible_connection: 'local', ansible_python_interpreter: python });
      const t0 = Date.now();
      const r = await ftl.run('localhost', 'ping', {}, { timeout: 5 });
      const took = Date.now() - t0;
      assert.deepEqual(r.unreachable, ['localhost'], JSON.stringify(r.host('localhost')));
      assert.match(String(r.host('localhost')?.msg), /did not answer Hello within 5 s/);
      assert.ok(took < 15_000, `failed after ${String(took)} ms, not at the 5 s timeout`);
      assert.deepEqual(await gone(marker), [], 'the interpreter and what it started are gone');
    } finally {
      await ftl.close();
    }
  });
});
