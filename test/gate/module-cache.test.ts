// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * Module sources the gate keeps on the host by hash are checked when loaded: a file whose
 * content does not hash to its name is treated as not there. The gate asks for the source
 * again (ModuleNotFound) or builds its import directory anew, and the call still runs
 * the module the controller sent.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
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
});
