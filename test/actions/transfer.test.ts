// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
/**
 * Files too large to go inline travel through the gate's PutFile/GetFile requests in
 * chunks: a big fetch returns what ansible returns, and copy, fetch and script work the
 * same when the gate runs as another user (become).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { INLINE_LIMIT } from '../../src/actions/transfer.js';
import { automation, type Ftl } from '../../src/run/automation.js';
import { compareSteps } from './compare.js';

const BIG = INLINE_LIMIT + 3 * 1024 * 1024 + 17;

describe('large transfers through the gate', { timeout: 300_000 }, () => {
  let ftl: Ftl;
  let dir: string;
  let big: Buffer;
  before(async () => {
    ftl = await automation();
    dir = mkdtempSync(join(tmpdir(), 'ftl-transfer-'));
    // The become user must reach it.
    chmodSync(dir, 0o755);
    big = randomBytes(BIG);
    writeFileSync(join(dir, 'big.bin'), big, { mode: 0o644 });
  });
  after(async () => {
    await ftl.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetch of a file over the inline limit: in chunks, as ansible fetches it', async () => {
    const dest = join(dir, 'fetched');
    const reset = (): void => {
      rmSync(dest, { recursive: true, force: true });
    };
    await compareSteps(ftl, 'localhost', [{ label: 'a big file', module: 'fetch', args: { src: join(dir, 'big.bin'), dest: `${dest}/`, flat: true } }], reset);
    assert.deepEqual(readFileSync(join(dest, 'big.bin')), big);
  });

  it('copy, fetch and script under become: the files are the become user\'s, the bytes intact', { skip: userInfo().uid !== 0 && 'needs sudo to nobody without a password (root here)' }, async () => {
    const out = join(dir, 'as-nobody');
    mkdirSync(out);
    chmodSync(out, 0o777);
    const copied = await ftl.run('localhost', 'copy', { src: join(dir, 'big.bin'), dest: join(out, 'big.bin') }, { become: 'nobody' });
    assert.deepEqual(copied.changed, ['localhost'], JSON.stringify(copied.host('localhost')?.msg));
    assert.deepEqual(readFileSync(join(out, 'big.bin')), big);
    assert.equal(statSync(join(out, 'big.bin')).uid, Number(readFileSync('/etc/passwd', 'utf8').match(/^nobody:[^:]*:(\d+):/m)?.[1]));

    const fetched = await ftl.run('localhost', 'fetch', { src: join(out, 'big.bin'), dest: join(dir, 'back.bin'), flat: true }, { become: 'nobody' });
    assert.deepEqual(fetched.changed, ['localhost'], JSON.stringify(fetched.host('localhost')?.msg));
    assert.deepEqual(readFileSync(join(dir, 'back.bin')), big);

    const script = join(dir, 'whoami.sh');
    writeFileSync(script, '#!/bin/sh\nid -un\n', { mode: 0o755 });
    const ran = await ftl.run('localhost', 'script', script, { become: 'nobody' });
    assert.equal(ran.host('localhost')?.stdout, 'nobody\n');
  });
});
