/**
 * The gate's file transfer requests (PutFile, GetFile, TempDir, RemoveTree) on a real
 * local gate: chunks at offsets, modes, windows read back, and errors that name the path.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnLocalGate } from '../../src/gate/local.js';
import { ensureGate } from '../../src/gate/pyz.js';
import { GateClient } from '../../src/gate/client.js';

describe('file transfer requests', () => {
  let dir: string;
  let s: GateClient;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ftl-files-'));
    const build = await ensureGate({ cacheDir: join(dir, 'cache') });
    s = await GateClient.open(spawnLocalGate(build.path), { host: 'localhost' });
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = async (type: string, data: Record<string, unknown>): Promise<{ type: string; data: Record<string, unknown> }> => s.request(type, data, { timeoutMs: 30_000 });

  it('PutFile writes chunks at their offsets, sets the mode, and offset 0 starts the file anew', async () => {
    const bytes = randomBytes(3000);
    const path = join(dir, 'put.bin');
    writeFileSync(path, 'old content that is longer than nothing');
    for (const at of [0, 1000, 2000]) {
      const r = await ask('PutFile', { path, data: bytes.subarray(at, at + 1000).toString('base64'), offset: at, ...(at === 2000 ? { mode: '0640' } : {}) });
      assert.deepEqual(r, { type: 'PutFileResult', data: { path, size: at + 1000 } });
    }
    assert.deepEqual(readFileSync(path), bytes);
    assert.equal(statSync(path).mode & 0o7777, 0o640);
    await ask('PutFile', { path, data: Buffer.from('more').toString('base64'), append: true, mode: 0o600 });
    assert.deepEqual(readFileSync(path), Buffer.concat([bytes, Buffer.from('more')]));
    assert.equal(statSync(path).mode & 0o7777, 0o600);
  });

  it('GetFile reads windows of a file and says where it ends', async () => {
    const bytes = randomBytes(2500);
    const path = join(dir, 'get.bin');
    writeFileSync(path, bytes);
    const parts: Buffer[] = [];
    for (let at = 0; ; at += 1000) {
      const r = await ask('GetFile', { path, offset: at, length: 1000 });
      assert.equal(r.type, 'GetFileResult');
      assert.equal(r.data.size, 2500);
      parts.push(Buffer.from(r.data.data as string, 'base64'));
      if (r.data.eof === true) break;
    }
    assert.equal(parts.length, 3);
    assert.deepEqual(Buffer.concat(parts), bytes);
  });

  it('TempDir makes a private directory; RemoveTree removes a tree, a link (not its target) and nothing at all', async () => {
    const t = await ask('TempDir', {});
    const tmp = t.data.path as string;
    assert.equal(statSync(tmp).mode & 0o777, 0o700);
    mkdirSync(join(tmp, 'a', 'b'), { recursive: true });
    writeFileSync(join(tmp, 'a', 'b', 'c'), 'x');
    const keep = join(dir, 'keep');
    mkdirSync(keep);
    writeFileSync(join(keep, 'f'), 'kept');
    symlinkSync(keep, join(dir, 'link'));
    assert.deepEqual((await ask('RemoveTree', { path: join(dir, 'link') })).data, { path: join(dir, 'link'), removed: true });
    assert.equal(readFileSync(join(keep, 'f'), 'utf8'), 'kept', 'the link went, not what it points to');
    assert.deepEqual((await ask('RemoveTree', { path: tmp })).data, { path: tmp, removed: true });
    assert.equal(existsSync(tmp), false);
    assert.deepEqual((await ask('RemoveTree', { path: tmp })).data, { path: tmp, removed: false });
  });

  it('mistakes are Errors that name the request and the path', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['PutFile', { path: join(dir, 'no', 'such', 'dir', 'f'), data: '' }, /^PutFile .*no\/such\/dir\/f: No such file or directory$/],
      ['PutFile', { path: 'relative/f', data: '' }, /PutFile needs an absolute path, not 'relative\/f'/],
      ['PutFile', { path: join(dir, 'f'), data: 'not base64!' }, /PutFile: data must be base64/],
      ['PutFile', { path: join(dir, 'f'), data: '', mode: 'rwx' }, /PutFile: mode must be a number/],
      ['GetFile', { path: join(dir, 'missing') }, /^GetFile .*missing: No such file or directory$/],
      ['GetFile', { path: join(dir, 'get.bin'), offset: -1 }, /GetFile: offset must be a whole number of bytes/],
      ['RemoveTree', { path: '/' }, /RemoveTree will not remove \//],
      ['TempDir', { prefix: '../x' }, /TempDir: prefix must be a name without '\/'/],
    ];
    for (const [type, data, re] of cases) {
      const r = await ask(type, data);
      assert.equal(r.type, 'Error', `${type} ${JSON.stringify(data)}`);
      assert.match(String(r.data.message), re);
    }
  });
});
