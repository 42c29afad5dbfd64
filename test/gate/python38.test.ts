/**
 * The gate on the oldest Python it supports (3.8), when this machine has one: its zip
 * import hands half-made modules to a second thread, so many first requests at once
 * must still all get their answers.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spawnLocalGate } from '../../src/gate/local.js';
import { ensureGate } from '../../src/gate/pyz.js';
import { GateClient } from '../../src/gate/client.js';

const PYTHON38 = ['/usr/bin/python3.8', '/usr/local/bin/python3.8', join(homedir(), '.pyenv', 'versions', '3.8.18', 'bin', 'python3')].find((p) => existsSync(p));

describe('the gate on Python 3.8', { skip: PYTHON38 === undefined && 'no Python 3.8 on this machine' }, () => {
  it('many first requests at once, of every kind, all get their answers (5 fresh gates)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-py38-'));
    try {
      const build = await ensureGate({ cacheDir: dir });
      for (let round = 0; round < 5; round++) {
        const s = await GateClient.open(spawnLocalGate(build.path, { python: PYTHON38 }), { host: 'localhost' });
        try {
          assert.match(String(s.hello.python_version), /^3\.8\./);
          const replies = await Promise.all([
            ...Array.from({ length: 8 }, () => s.request('FTLModule', { module_name: 'command', module_args: { argv: ['true'] } })),
            ...Array.from({ length: 8 }, () => s.request('FTLModule', { module_name: 'stat', module_args: { path: '/' } })),
            ...Array.from({ length: 8 }, () => s.request('GetFile', { path: '/etc/hostname', length: 1 })),
            ...Array.from({ length: 8 }, () => s.request('Info', {})),
          ]);
          const wrong = replies.filter((r) => r.type === 'Error' || (r.data.result as { failed?: boolean } | undefined)?.failed === true);
          assert.deepEqual(wrong, [], `round ${String(round)}`);
        } finally {
          await s.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
