// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * The gate lifecycle and baked gates on real sshd hosts: an upgrade while a slow call runs
 * finishes that call on the old gate and leaves only the new ones on the hosts; a restart
 * and a drain from the REPL; `ftl gate remove` stops gates and removes ~/.ftl; a gate with
 * lineinfile baked in runs it on a fresh host with the gate upload only (no module source
 * sent), also with gateModules 'auto' from the project's last session; `ftl gate build
 * --modules` gives the same bytes twice, and a wrong module name one line with a suggestion.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostPaths } from '../../src/lab/files.js';
import type { Lab } from '../../src/lab/lab.js';
import { automation } from '../../src/run/automation.js';
import type { Ftl } from '../../src/run/ftl-types.js';
import { withLab } from '../helpers/lab.js';
import { ftl as runFtl } from '../helpers/ftl.js';

const HOSTS = ['lab01', 'lab02'];

/** The gate processes running from each host's own ~/.ftl, as ps on the host shows them. */
async function gatePids(ftl: Ftl): Promise<Map<string, number[]>> {
  const r = await ftl.target('lab').shell({ cmd: 'ps -u "$(id -u)" -o pid= -o args= | grep -F "$HOME/.ftl/gate-" || true' });
  const out = new Map<string, number[]>();
  for (const h of HOSTS) {
    const text = r.host(h)?.stdout;
    const stdout = typeof text === 'string' ? text : '';
    const pids = stdout
      .split('\n')
      .filter((l) => /\/gate-[0-9a-f]{16}\.pyz/.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[0]))
      .sort((a, b) => a - b);
    out.set(h, pids);
  }
  return out;
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function ftlDirs(lab: Lab): boolean[] {
  return lab.hosts.map((h) => existsSync(join(hostPaths(h).home, '.ftl')));
}

test('gate lifecycle and baked gates on lab hosts', { timeout: 240_000 }, async (t) => {
  await withLab(2, async (lab) => {
    const work = mkdtempSync(join(tmpdir(), 'ftl-lifecycle-'));
    // The controller's own ~/.ftl (gate cache, the 'auto' record) is a temp one for the ftl processes.
    const env = { HOME: join(work, 'home') };
    const ftl = await automation({ inventory: lab.inventoryPath });
    try {
      await t.test('.gates upgrade while a slow call runs: the call finishes, only new gates are left', async () => {
        assert.deepEqual((await ftl.target('lab').ping()).ok.sort(), HOSTS);
        const before = new Map(ftl.gates.list().map((g) => [g.host, g.pid]));
        const slow = ftl.target('lab').command({ cmd: 'sleep 3' });
        await until('the sleep to run on both gates', () => ftl.gates.list().filter((g) => g.running > 0).length === 2);
        const report = await ftl.gates.upgrade();
        assert.equal(report.done, 2);
        assert.equal(report.running, 2, 'the two sleeps were running on the old gates');
        assert.deepEqual(report.failed, []);
        const listed = ftl.gates.list();
        assert.deepEqual(listed.filter((g) => g.status === 'draining').map((g) => g.pid).sort(), [...before.values()].sort());
        const fresh = listed.filter((g) => g.status === 'ready');
        assert.equal(fresh.length, 2);
        for (const g of fresh) assert.notEqual(g.pid, before.get(g.host), 'a new gate process');
        // New calls go to the new gates while the old ones still run the sleep.
        const during = await ftl.target('lab').ping();
        assert.deepEqual(during.ok.sort(), HOSTS);
        const r = await slow;
        assert.deepEqual(r.changed.sort(), HOSTS, JSON.stringify(r.hosts));
        await ftl.gates.drained();
        assert.deepEqual(ftl.gates.list().map((g) => g.status), ['ready', 'ready']);
        const pids = await gatePids(ftl);
        for (const g of fresh) assert.deepEqual(pids.get(g.host), [g.pid], `only the new gate runs on ${g.host}`);
      });

      await t.test('.gates in the REPL: listed with build and running calls; restart, then a call works; drain one host', async () => {
        const input = ['await ftl.lab.ping()', '.gates', '.gates restart', 'await ftl.lab.ping()', '.gates', '.gates drain lab01', '.gates', '.gates bogus'].join('\n');
        const r = await runFtl(['-i', lab.inventoryPath], { input: `${input}\n`, env, cwd: work });
        const out = r.stdout + r.stderr;
        assert.match(out, /host\s+state\s+build\s+python\s+pid\s+uptime\s+calls\s+running/);
        const pidsOf = (table: string): string[] => [...table.matchAll(/^lab0\d\s+ready\s+[0-9a-f]{16}\s+\S+\s+(\d+)/gm)].map((m) => m[1] ?? '');
        const tables = out.split(/host\s+state\s+build.*\n/).slice(1);
        assert.equal(pidsOf(tables[0] ?? '').length, 2, out);
        assert.match(out, /^restarted 2$/m);
        assert.equal(pidsOf(tables[1] ?? '').length, 2, out);
        assert.notDeepEqual(pidsOf(tables[1] ?? ''), pidsOf(tables[0] ?? ''), 'new processes after the restart');
        assert.match(out, /^drained 1$/m);
        assert.deepEqual(pidsOf(tables[2] ?? '').length, 1, 'lab01 has no gate after its drain');
        assert.match(out, /\.gates takes restart, upgrade or drain, not 'bogus'/);
        assert.equal(out.match(/^\s*ping: pong$/gm)?.length, 2, `a ping before and after the restart: ${out}`);
      });

      await t.test('ftl gate remove stops the gates and leaves no ~/.ftl on the hosts, and says how many', async () => {
        assert.deepEqual(ftlDirs(lab), [true, true]);
        // This test's session still has its gates open there: the remove (another process) stops them.
        const r = await runFtl(['gate', 'remove', '-i', lab.inventoryPath, 'lab'], { env, cwd: work });
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /^removed ~\/\.ftl from 2 hosts · 2 gate processes stopped$/m);
        assert.deepEqual(ftlDirs(lab), [false, false]);
        const again = await runFtl(['gate', 'remove', '-i', lab.inventoryPath, 'lab'], { env, cwd: work });
        assert.match(again.stdout, /^removed ~\/\.ftl from 2 hosts · 0 gate processes stopped$/m);
      });

      await t.test('a gate with lineinfile baked in runs it on a fresh host with one upload, no module source sent', async () => {
        const baked = await automation({ inventory: lab.inventoryPath, gateModules: ['lineinfile'] });
        try {
          const file = join(work, 'baked-{{ inventory_hostname }}.txt');
          const r = await baked.target('lab').lineinfile({ path: file, line: 'baked', create: true });
          assert.deepEqual(r.changed.sort(), HOSTS, JSON.stringify(r.hosts));
          const stats = await baked.gates.stats();
          assert.equal(stats.gateUploads, 2, 'one gate upload per fresh host');
          assert.equal(stats.moduleSources, 0, 'lineinfile came out of the gate, not from the controller');
          for (const h of lab.hosts) {
            const mods = readdirSync(join(hostPaths(h).home, '.ftl', 'modules'));
            assert.ok(mods.some((m) => m.startsWith('ansible_builtin_lineinfile-')), `${h.name}: the baked source is in the module cache`);
          }
          assert.equal(readFileSync(join(work, 'baked-lab01.txt'), 'utf8'), 'baked\n');
        } finally {
          await baked.close();
        }
        // The same module without baking: the source goes to each fresh host (what the baked gate saved).
        await runFtl(['gate', 'remove', '-i', lab.inventoryPath, 'lab'], { env, cwd: work });
        const plain = await automation({ inventory: lab.inventoryPath });
        try {
          await plain.target('lab').lineinfile({ path: join(work, 'plain.txt'), line: 'plain', create: true });
          assert.equal((await plain.gates.stats()).moduleSources, 2);
        } finally {
          await plain.close();
        }
      });

      await t.test("gateModules 'auto' bakes what the project's last session ran", async () => {
        const first = await runFtl(['run', '-i', lab.inventoryPath, 'lab', '-m', 'lineinfile', '-a', `path=${work}/auto.txt line=one create=true`], { env, cwd: work });
        assert.equal(first.code, 0, first.stdout + first.stderr);
        const records = join(env.HOME, '.ftl', 'projects');
        const [id] = readdirSync(records);
        const record = JSON.parse(readFileSync(join(records, id ?? '', 'modules.json'), 'utf8')) as { modules: string[] };
        assert.deepEqual(record.modules, ['ansible.builtin.lineinfile']);
        await runFtl(['gate', 'remove', '-i', lab.inventoryPath, 'lab'], { env, cwd: work });
        const input = `await ftl.lab.lineinfile({ path: '${work}/auto.txt', line: 'two' })\nJSON.stringify(await ftl.gates.stats())\n`;
        const second = await runFtl(['-i', lab.inventoryPath, '--gate-modules', 'auto'], { input, env, cwd: work });
        assert.match(second.stdout, /"gateUploads":2,"moduleSources":0/, second.stdout + second.stderr);
      });
    } finally {
      await ftl.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});

test('ftl gate build --modules: the same modules give the same bytes; a wrong name is one line with a suggestion', { timeout: 120_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'ftl-gate-build-'));
  try {
    const env = { HOME: join(work, 'home') };
    const a = await runFtl(['gate', 'build', '--modules', 'lineinfile,community.general.ini_file', '-o', join(work, 'a.pyz')], { env, cwd: work });
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /baked: ansible\.builtin\.lineinfile, community\.general\.ini_file/);
    // A second build in another controller home: built anew from the sources, not copied from a cache.
    const b = await runFtl(['gate', 'build', '--modules', 'community.general.ini_file lineinfile', '-o', join(work, 'b.pyz')], { env: { HOME: join(work, 'home2') }, cwd: work });
    assert.equal(b.code, 0, b.stderr);
    assert.ok(readFileSync(join(work, 'a.pyz')).equals(readFileSync(join(work, 'b.pyz'))), 'identical bytes');
    const plain = await runFtl(['gate', 'build'], { env, cwd: work });
    assert.notEqual(/hash (\w+)/.exec(plain.stdout)?.[1], /hash (\w+)/.exec(a.stdout)?.[1], 'baking changes the hash');
    const wrong = await runFtl(['gate', 'build', '--modules', 'lineinfle'], { env, cwd: work });
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr.trim().split('\n').length, 1, wrong.stderr);
    assert.match(wrong.stderr, /no module 'lineinfle'; did you mean 'lineinfile'/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
