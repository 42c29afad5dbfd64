import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ftl } from '../helpers/ftl.js';

describe('ftl with its inventory parse cache, through the real CLI', () => {
  it('an edit of the inventory or of a group_vars file is seen on the next start (same size, same mtime: the content tells)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ftl-parse-cache-cli-'));
    try {
      const dir = join(home, 'project');
      mkdirSync(join(dir, 'group_vars'), { recursive: true });
      let y = 'all:\n  children:\n    web:\n      hosts:\n';
      for (let i = 0; i < 100; i++) y += `        web${String(i).padStart(3, '0')}:\n          ansible_host: 10.0.0.${String(i)}\n`;
      const inv = join(dir, 'inv.yml');
      writeFileSync(inv, y);
      // Big enough to be cached as ftl caches by default.
      writeFileSync(join(dir, 'group_vars', 'web.yml'), `port: 8080\n${'# padding\n'.repeat(300)}`);
      const env = { HOME: home, FTL_NO_ANSIBLE: '1' };
      const host = async (name: string): Promise<Record<string, unknown>> => {
        const r = await ftl(['inventory', '-i', inv, '--host', name], { env, cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
        return JSON.parse(r.stdout) as Record<string, unknown>;
      };
      assert.deepEqual(await host('web007'), { ansible_host: '10.0.0.7', port: 8080 });
      const cache = join(home, '.ftl', 'cache', 'inventory');
      assert.equal(readdirSync(cache).length, 2, 'the inventory and the group_vars file are cached');
      assert.deepEqual(await host('web007'), { ansible_host: '10.0.0.7', port: 8080 });
      for (const [file, from, to] of [
        [inv, 'ansible_host: 10.0.0.7\n', 'ansible_host: 10.0.9.7\n'],
        [join(dir, 'group_vars', 'web.yml'), 'port: 8080', 'port: 9090'],
      ] as const) {
        const st = statSync(file);
        writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));
        utimesSync(file, st.atime, st.mtime);
      }
      assert.deepEqual(await host('web007'), { ansible_host: '10.0.9.7', port: 9090 });
      // Several ftl processes starting at once on a changed inventory: each writes its entry by renaming a
      // complete file into place, so all read the same and what is left is whole.
      writeFileSync(inv, readFileSync(inv, 'utf8').replace('10.0.0.8\n', '10.0.8.8\n'));
      const outs = await Promise.all([1, 2, 3, 4].map(() => ftl(['inventory', '-i', inv, '--list'], { env, cwd: dir })));
      for (const o of outs) {
        assert.equal(o.code, 0, o.stderr);
        assert.equal(o.stdout, outs[0]?.stdout);
      }
      assert.match(outs[0]?.stdout ?? '', /"10\.0\.8\.8"/);
      assert.deepEqual(readdirSync(cache).filter((n) => !n.endsWith('.json')), [], 'no temporary file left');
      for (const n of readdirSync(cache)) JSON.parse(readFileSync(join(cache, n), 'utf8'));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
