// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Inventory } from '../../src/inventory/index.js';
import { withLab } from '../helpers/lab.js';
import { ftl, jsonLines } from '../helpers/ftl.js';

const SECRET = 'lab-secret-value-9931';

test('secrets on lab hosts: a bound secret reaches the module, appears nowhere in output; a persisted host survives into a new process', { timeout: 300_000 }, async () => {
  await withLab(2, async (lab) => {
    const work = mkdtempSync(join(tmpdir(), 'ftl-secrets-lab-'));
    try {
      const env = { HOME: join(lab.dir, 'home'), LAB_SECRET: SECRET };
      const out = join(work, 'out');
      mkdirSync(out);
      const bindings = join(work, 'bindings.yml');
      writeFileSync(bindings, "'ansible.builtin.copy':\n  content: LAB_SECRET\n");

      // A binding puts the secret into copy's content on every lab host: the files hold it, the output does not.
      const copy = await ftl(['run', '-i', lab.inventoryPath, 'lab', '-m', 'copy', '-a', `dest=${out}/{{ inventory_hostname }}.txt mode=0600`, '--secret-bindings', bindings, '--json'], { env, cwd: work });
      assert.equal(copy.code, 0, copy.stdout + copy.stderr);
      for (const h of ['lab01', 'lab02']) assert.equal(readFileSync(join(out, `${h}.txt`), 'utf8'), SECRET);
      assert.doesNotMatch(copy.stdout + copy.stderr, new RegExp(SECRET));
      const lines = jsonLines(copy.stdout);
      assert.deepEqual(lines.filter((l) => 'host' in l).map((l) => [l.host, l.status]), [['lab01', 'changed'], ['lab02', 'changed']]);
      assert.equal((lines.at(-1)?.args as Record<string, unknown>).content, '********');

      // In the REPL: a named secret as a module argument, echoed back, in a failing command's error, in a table and in --json.
      const script = [
        "await ftl.lab.command({ argv: ['echo', 'secret:', ftl.secrets.LAB_SECRET] })",
        "await ftl.lab.command({ argv: ['/nonexistent/' + ftl.secrets.LAB_SECRET.reveal()] })",
        `await ftl.lab.copy({ dest: '${out}/repl-{{ inventory_hostname }}.txt' })`,
        '_.args',
        "_.host('lab01')",
        '.secrets',
      ].join('\n');
      for (const json of [false, true]) {
        const repl = await ftl(['-i', lab.inventoryPath, '--secret', 'LAB_SECRET', '--secret-bindings', bindings, ...(json ? ['--json'] : [])], { input: `${script}\n`, env, cwd: work });
        const all = repl.stdout + repl.stderr;
        assert.doesNotMatch(all, new RegExp(SECRET), all);
        assert.match(repl.stdout, json ? /"stdout":"secret: \*{8}"/ : /secret: \*{8}/);
        assert.match(all, /nonexistent\/\*{8}/, 'the failing command names the path, masked');
        assert.match(repl.stdout, /LAB_SECRET\s+environment/);
        assert.match(repl.stdout, /binding ansible\.builtin\.copy: content ← LAB_SECRET/);
        for (const h of ['lab01', 'lab02']) assert.equal(readFileSync(join(out, `repl-${h}.txt`), 'utf8'), SECRET);
      }

      // A host added with persist, in one process, is in the inventory of the next (without -i).
      const vars = (await Inventory.load([lab.inventoryPath])).host('lab01')?.vars ?? {};
      const state = join(work, 'state.json');
      const add = `ftl.addHost('extra01', ${JSON.stringify(vars)}, ['provisioned'], { persist: true })\n`;
      const first = await ftl(['--state-file', state], { input: add, env, cwd: work });
      assert.equal(first.code, 0, first.stdout + first.stderr);
      const second = await ftl(['run', 'provisioned', '-m', 'command', '-a', 'echo from-extra01', '--state-file', state, '--json'], { env, cwd: work });
      assert.equal(second.code, 0, second.stdout + second.stderr);
      const hostLines = jsonLines(second.stdout).filter((l) => 'host' in l);
      assert.deepEqual(hostLines.map((l) => [l.host, l.status, (l.result as { stdout?: string }).stdout]), [['extra01', 'changed', 'from-extra01']]);
      const listed = await ftl(['state', 'list', '--state-file', state], { env, cwd: work });
      assert.match(listed.stdout, /extra01\s+127\.\S+\s+\d+\s+\S*\s*provisioned/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
