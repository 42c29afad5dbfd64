// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * Module sources the gate keeps on the host by hash are checked when loaded: a file whose
 * content does not hash to its name is treated as not there. The gate asks for the source
 * again (ModuleNotFound) or builds its import directory anew, and the call still runs
 * the module the controller sent.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnLocalGate } from '../../src/gate/local.js';
import { ensureGate } from '../../src/gate/pyz.js';
import { GateClient } from '../../src/gate/client.js';
import { gatePayload } from '../../src/hosts/gate-build.js';
import { buildModuleRequest } from '../../src/modules/request.js';
import { fixtureIndex, PYTHON } from '../modules/module-gate.js';

function files(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(suffix)) out.push(join(e.parentPath, e.name));
  }
  return out;
}

describe('module files kept on the host are checked by hash', { timeout: 120_000 }, () => {
  let home: string;
  let s: GateClient;
  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'ftl-module-cache-'));
    const build = await ensureGate({ cacheDir: join(home, 'gates'), extra: await gatePayload() });
    // A home of its own: the module cache is ~/.ftl/modules.
    s = await GateClient.open(spawnLocalGate(build.path, { python: PYTHON, env: { ...process.env, HOME: home } }), { host: 'localhost' });
  });
  after(async () => {
    await s.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('an edited or cut-short module source or import copy is never run; the call gets the real module', async () => {
    const index = await fixtureIndex();
    const found = index.resolve('ansible.builtin.ping');
    assert.ok(found !== undefined);
    const info = { ...found, native: false };
    const sent = new Set<string>();
    let resent = 0;
    const ping = async (): Promise<Record<string, unknown>> => {
      const req = buildModuleRequest(info, { data: 'intact' }, { check: false, diff: false, verbosity: 0, sentHashes: sent });
      let reply = await s.request(req.type, req.data, { timeoutMs: 60_000 });
      if (reply.type === 'ModuleNotFound' && req.withSource !== undefined) {
        resent++;
        const full = req.withSource();
        reply = await s.request(full.type, full.data, { timeoutMs: 60_000 });
      }
      assert.equal(reply.type, 'ModuleResult', JSON.stringify(reply.data));
      return reply.data;
    };
    assert.equal((await ping()).ping, 'intact');
    const modules = join(home, '.ftl', 'modules');
    const [source] = files(modules, '.py').filter((f) => /ping-[0-9a-f]{16}\.py$/.test(f));
    const [copy] = files(join(modules, 'lib'), 'ping.py');
    assert.ok(source !== undefined && copy !== undefined, 'the source and its import copy are kept');
    const original = readFileSync(source);
    // Runs before the module's own code, so a file that is run says so.
    const tamper = (path: string): void => {
      writeFileSync(path, Buffer.concat([Buffer.from('import json, sys\nprint(json.dumps({"ping": "tampered"}))\nsys.exit(0)\n'), readFileSync(path)]));
    };

    // The import copy alone: built anew from the kept source, nothing asked again.
    tamper(copy);
    assert.equal((await ping()).ping, 'intact');
    assert.equal(resent, 0);

    // Both: the source is asked for again.
    tamper(source);
    tamper(copy);
    assert.equal((await ping()).ping, 'intact');
    assert.equal(resent, 1);
    assert.deepEqual(readFileSync(source), original, 'the kept source is the real one again');

    // Cut short, the same.
    truncateSync(source, 10);
    truncateSync(files(join(modules, 'lib'), 'ping.py')[0] ?? copy, 10);
    assert.equal((await ping()).ping, 'intact');
    assert.equal(resent, 2);
  });

  it('a lib dir checked by its files\' stat once they have hashed right still catches an edit that keeps size and mtime', async () => {
    // No zygote: a new interpreter runs the file as it is on disk (a zygote runs the copy it compiled).
    const own = mkdtempSync(join(tmpdir(), 'ftl-module-cache-stat-'));
    const build = await ensureGate({ cacheDir: join(own, 'gates'), extra: await gatePayload() });
    const g = await GateClient.open(spawnLocalGate(build.path, { python: PYTHON, env: { ...process.env, HOME: own, FTL_GATE_NO_ZYGOTE: '1' } }), { host: 'localhost' });
    try {
      const index = await fixtureIndex();
      const found = index.resolve('ansible.builtin.ping');
      assert.ok(found !== undefined);
      const sent = new Set<string>();
      const ping = async (): Promise<unknown> => {
        const req = buildModuleRequest({ ...found, native: false }, { data: 'intact' }, { check: false, diff: false, verbosity: 0, sentHashes: sent });
        const reply = await g.request(req.type, req.data, { timeoutMs: 60_000 });
        assert.equal(reply.type, 'ModuleResult', JSON.stringify(reply.data));
        return reply.data.ping;
      };
      assert.equal(await ping(), 'intact');
      // Files changed in the last 2 s are hashed at every call: wait until the fingerprint is kept.
      await sleep(2500);
      assert.equal(await ping(), 'intact');
      assert.equal(await ping(), 'intact');
      const [copy] = files(join(own, '.ftl', 'modules', 'lib'), 'ping.py');
      assert.ok(copy !== undefined);
      const original = readFileSync(copy);
      const before = statSync(copy, { bigint: true });
      const head = 'import json, sys\nprint(json.dumps({"ping": "tampered"}))\nsys.exit(0)\n#';
      writeFileSync(copy, head + 'x'.repeat(original.length - head.length - 1) + '\n');
      // The mtime set back to the nanosecond (node's utimes rounds it).
      execFileSync(PYTHON, ['-c', 'import os, sys; os.utime(sys.argv[1], ns=(int(sys.argv[2]), int(sys.argv[3])))', copy, String(before.atimeNs), String(before.mtimeNs)]);
      const now = statSync(copy, { bigint: true });
      assert.equal(now.size, before.size);
      assert.equal(now.ino, before.ino);
      assert.equal(now.mtimeNs, before.mtimeNs, 'same inode, size and mtime: only ctime tells');
      assert.equal(await ping(), 'intact');
    } finally {
      await g.close();
      rmSync(own, { recursive: true, force: true });
    }
  });
});
