// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * Gates on SSH hosts (real sshd): a gate file whose bytes are not the build's is replaced
 * before it can run, and that is said once; 100 MB of output is cut for that call alone;
 * an interpreter that never answers fails the call at its timeout and leaves nothing
 * running on the host.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { zipSync } from 'fflate';
import { Warnings, type Warning } from '../../src/base/warnings.js';
import { gateBuild } from '../../src/hosts/gate-build.js';
import { hostPaths } from '../../src/lab/files.js';
import { automation, type Ftl } from '../../src/run/automation.js';
import { withLab } from '../helpers/lab.js';
import { coreOf } from '../../src/run/ftl-object.js';

const MiB = 1024 * 1024;

function running(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', marker], { encoding: 'utf8' }).trim().split('\n').filter((l) => l !== '' && !l.includes('pgrep'));
  } catch {
    return [];
  }
}

async function gone(marker: string): Promise<string[]> {
  for (let i = 0; i < 150 && running(marker).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  return running(marker);
}

test('gates on lab hosts: damaged files, big outputs, hung interpreters', { timeout: 600_000 }, async (t) => {
  await withLab(
    2,
    async (lab) => {
      const build = await gateBuild();
      const remoteGate = (host: string): string => join(hostPaths(lab.host(host)).home, '.ftl', `gate-${build.hash}.pyz`);
      const withFtl = async <T>(fn: (ftl: Ftl) => Promise<T>, warnings?: Warnings): Promise<T> => {
        const ftl = await automation({ inventory: lab.inventoryPath, ...(warnings === undefined ? {} : { warnings }) });
        try {
          return await fn(ftl);
        } finally {
          await ftl.close();
        }
      };

      await t.test('a gate file replaced or cut short on the host is never run: it is redeployed, said once', async () => {
        assert.deepEqual(await withFtl(async (ftl) => (await ftl.run('lab01', 'ping')).ok), ['lab01']);
        const file = remoteGate('lab01');
        const original = readFileSync(file);
        assert.equal(original.length, build.size);
        const mark = join(lab.dir, 'tampered-gate-ran');
        const damages: [string, () => void][] = [
          [
            'replaced',
            () => {
              writeFileSync(file, zipSync({ '__main__.py': Buffer.from(`open(${JSON.stringify(mark)}, "w").write("ran")\n`) }));
            },
          ],
          [
            'cut short',
            () => {
              truncateSync(file, 1000);
            },
          ],
        ];
        for (const [damage, apply] of damages) {
          apply();
          const said: Warning[] = [];
          const ok = await withFtl(async (ftl) => {
            const a = await ftl.run('lab01', 'ping');
            const b = await ftl.run('lab01', 'ping');
            return [...a.ok, ...b.ok];
          }, new Warnings((w) => said.push(w)));
          assert.deepEqual(ok, ['lab01', 'lab01'], damage);
          assert.equal(existsSync(mark), false, `${damage}: the damaged file never ran`);
          assert.deepEqual(readFileSync(file), original, `${damage}: the build's bytes are back`);
          assert.deepEqual(said, [{ host: 'lab01', message: 'gate on lab01 was damaged; redeployed' }], `${damage}: said once`);
        }
      });

      await t.test('100 MB of stdout is cut for that call; a concurrent call on the same host succeeds', async () => {
        await withFtl(async (ftl) => {
          const [big, ping] = await Promise.all([
            ftl.run('lab01', 'shell', { cmd: 'head -c 100000000 /dev/zero | tr "\\0" y' }, { timeout: 240 }),
            ftl.run('lab01', 'ping', {}, { timeout: 240 }),
          ]);
          assert.deepEqual(ping.ok, ['lab01']);
          assert.deepEqual(big.changed, ['lab01'], JSON.stringify(big.host('lab01')?.msg));
          const r = big.host('lab01') ?? {};
          assert.equal(r.truncated, true);
          assert.equal((r.stdout as string).length, 16 * MiB);
          assert.equal(r.stdout_truncated_bytes, 100_000_000 - 16 * MiB);
          assert.deepEqual((await ftl.run('lab01', 'ping')).ok, ['lab01'], 'the host stays reachable');
        });
      });

      const marker = `ftl-hang-${String(process.pid)}-${String(Date.now())}`;
      const sleeper = join(lab.dir, `${marker}-sleep`);
      symlinkSync(execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim(), sleeper);
      const hang = join(lab.dir, `${marker}-python`);
      writeFileSync(hang, `#!/bin/sh\n${sleeper} 86400\n`, { mode: 0o755 });
      const hungCall = async (ftl: Ftl): Promise<{ took: number; msg: string; unreachable: string[] }> => {
        coreOf(ftl).inventory.addHost('lab02', { ansible_python_interpreter: hang });
        const t0 = Date.now();
        const r = await ftl.run('lab02', 'ping', {}, { timeout: 5 });
        return { took: Date.now() - t0, msg: String(r.host('lab02')?.msg), unreachable: r.unreachable };
      };

      await t.test('an interpreter that never answers the probe fails at -T 5 and leaves nothing on the host', async () => {
        assert.equal(existsSync(remoteGate('lab02')), false, 'no gate on lab02 yet: the probe asks the interpreter its version');
        const r = await withFtl(hungCall);
        assert.deepEqual(r.unreachable, ['lab02'], r.msg);
        assert.ok(r.took < 15_000, `failed after ${String(r.took)} ms`);
        assert.deepEqual(await gone(marker), [], 'the interpreter and what it started are gone');
      });

      await t.test('an interpreter that never answers Hello fails at -T 5 and leaves nothing on the host', async () => {
        assert.deepEqual(await withFtl(async (ftl) => (await ftl.run('lab02', 'ping')).ok), ['lab02'], 'deployed with the real interpreter');
        const r = await withFtl(hungCall);
        assert.deepEqual(r.unreachable, ['lab02'], r.msg);
        assert.match(r.msg, /did not answer Hello within 5 s/);
        assert.ok(r.took < 15_000, `failed after ${String(r.took)} ms`);
        assert.deepEqual(await gone(marker), [], 'the interpreter and what it started are gone');
        assert.deepEqual(await withFtl(async (ftl) => (await ftl.run('lab02', 'ping')).ok), ['lab02'], 'the host is fine with its own interpreter');
      });
    },
    { ownHomes: true },
  );
});
