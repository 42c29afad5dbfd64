// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { withLab } from '../helpers/lab.js';
import { ftl, jsonLines } from '../helpers/ftl.js';

test('ftl run on lab hosts over SSH: one result per host, --json, an unreachable host exits 4', { timeout: 180_000 }, async () => {
  await withLab(3, async (lab) => {
    // Gates go to the lab's own HOME, so the test starts with none deployed.
    const env = { HOME: join(lab.dir, 'home') };
    const plain = await ftl(['run', '-i', lab.inventoryPath, 'lab', 'ping'], { env });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /ok\s+lab\[01-03\] \(3\)/);
    assert.match(plain.stdout, /ping: pong/);

    const json = await ftl(['run', '-i', lab.inventoryPath, 'lab', 'command', 'cmd=hostname', '--json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const lines = jsonLines(json.stdout);
    assert.deepEqual(
      lines.filter((l) => 'host' in l).map((l) => [l.host, l.status]),
      [
        ['lab01', 'changed'],
        ['lab02', 'changed'],
        ['lab03', 'changed'],
      ],
    );
    assert.deepEqual(lines.at(-1)?.summary, { changed: 3 });

    await lab.stopHost('lab02');
    const down = await ftl(['run', '-i', lab.inventoryPath, 'lab', 'ping', '--json'], { env });
    assert.equal(down.code, 4, down.stdout + down.stderr);
    const byHost = new Map(jsonLines(down.stdout).map((l) => [l.host, l]));
    assert.equal(byHost.get('lab01')?.status, 'ok');
    assert.equal(byHost.get('lab03')?.status, 'ok');
    const lab02 = byHost.get('lab02');
    assert.equal(lab02?.status, 'unreachable');
    // The line names the host; its message says what happened and the fix, not the name again.
    assert.match(JSON.stringify(lab02.result), /connection refused \(check that the host is up/i);
  });
});
