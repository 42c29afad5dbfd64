import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { automation } from '../../src/run/automation.js';
import { ftl, jsonLines } from '../helpers/ftl.js';

const root = mkdtempSync(join(tmpdir(), 'ftl-audit-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

function lines(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== ''));
}

describe('the audit trail', () => {
  it('4 ftl processes writing at once leave only whole JSON lines (each over 100 KB), dir 0700 and files 0600', async () => {
    const dir = join(root, 'concurrent');
    const calls = 12;
    const script = (p: number): string =>
      Array.from({ length: calls }, (_, i) => `ftl.local.ping({ data: 'P${String(p)}C${String(i)}-' + 'x'.repeat(100000) })`).join('\n') + '\n';
    const runs = await Promise.all([0, 1, 2, 3].map((p) => ftl(['--json'], { input: script(p), env: { FTL_AUDIT_DIR: dir } })));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const all = lines(dir);
    assert.equal(all.length, 4 * calls);
    const seen = new Set<string>();
    for (const l of all) {
      const e = JSON.parse(l) as { params: { data: string }; session_id: string; results: { status: string }[] };
      const tag = /^(P\dC\d+)-x{100000}$/.exec(e.params.data)?.[1];
      assert.ok(tag !== undefined, 'the whole argument, untorn');
      seen.add(tag);
      assert.equal(e.results[0]?.status, 'ok');
    }
    assert.equal(seen.size, 4 * calls, 'every call once');
    assert.equal(new Set(all.map((l) => (JSON.parse(l) as { session_id: string }).session_id)).size, 4, 'a session id per process');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const f of readdirSync(dir)) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600);
  });

  it('the library records too (no_log masked), audit: false records nothing, and ftl audit shows and filters it', async () => {
    const dir = join(root, 'lib');
    const lib = await automation({ auditDir: dir });
    try {
      await lib.target('localhost').command({ cmd: 'echo one' });
      await lib.target('localhost').file({ path: join(root, 'made'), state: 'touch' }, { diff: true });
      await lib.target('localhost').get_url({ url: `file://${join(root, 'made')}`, dest: join(root, 'copy'), url_password: 'lib-secret-55', url_username: 'u', headers: { Authorization: 'Bearer tok-77' } });
    } finally {
      await lib.close();
    }
    const off = await automation({ auditDir: join(root, 'off'), audit: false });
    try {
      await off.target('localhost').ping();
    } finally {
      await off.close();
    }
    assert.throws(() => statSync(join(root, 'off')), /ENOENT/);
    const all = lines(dir);
    assert.equal(all.length, 3);
    const text = all.join('\n');
    assert.doesNotMatch(text, /lib-secret-55|tok-77/);
    const [cmd, file, get] = all.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(cmd !== undefined && file !== undefined && get !== undefined);
    for (const key of ['timestamp', 'session_id', 'user', 'controller', 'pattern', 'hosts', 'module', 'params', 'check_mode', 'diff', 'become', 'policy', 'results']) assert.ok(key in cmd, key);
    assert.equal(cmd.module, 'ansible.builtin.command');
    assert.deepEqual(cmd.results, [{ host: 'localhost', status: 'changed', changed: true, rc: 0, duration: (cmd.results as { duration: number }[])[0]?.duration, msg: 'one' }]);
    assert.ok((file.results as { diff?: unknown }[])[0]?.diff !== undefined, 'the diff the module produced');
    assert.equal((get.params as { url_password: string }).url_password, '********');
    assert.equal((get.params as { headers: { Authorization: string } }).headers.Authorization, '********');

    const table = await ftl(['audit', '--since', '1h'], { env: { FTL_AUDIT_DIR: dir } });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^time\s+user\s+hosts\s+module\s+mode\s+outcome$/m);
    assert.match(table.stdout, /localhost \(1\)\s+command\s+-\s+1 changed/);
    assert.match(table.stdout, /file\s+diff\s+1 changed/);
    assert.match(table.stdout, /\(3 calls\)/);
    const json = await ftl(['audit', '--json', '--host', 'local*'], { env: { FTL_AUDIT_DIR: dir } });
    assert.equal(jsonLines(json.stdout).length, 3);
    const none = await ftl(['audit', '--host', 'web*'], { env: { FTL_AUDIT_DIR: dir } });
    assert.match(none.stdout, /no calls recorded/);
  });

  it('--no-audit writes nothing', async () => {
    const dir = join(root, 'cli');
    const r = await ftl(['run', 'localhost', 'ping', '--no-audit'], { env: { FTL_AUDIT_DIR: dir } });
    assert.equal(r.code, 0, r.stderr);
    assert.throws(() => statSync(dir), /ENOENT/);
  });
});
