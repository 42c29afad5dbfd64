import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { maskValues, SecretValues } from '../../src/base/secrets.js';
import { ftl } from '../helpers/ftl.js';

describe('secrets are masked by value, wherever they appear', () => {
  it('maskValues replaces every occurrence, longest first, and leaves the input alone', () => {
    const input = { a: 'pw=hunter2!', b: ['hunter2', { c: 'x hunter2! y' }], n: 5, d: new Date(0) };
    const out = maskValues(input, ['hunter2', 'hunter2!']);
    assert.deepEqual(out, { a: 'pw=********', b: ['********', { c: 'x ******** y' }], n: 5, d: new Date(0) });
    assert.equal(input.a, 'pw=hunter2!');
    const s = new SecretValues();
    s.add('');
    s.add(42);
    assert.equal(s.size, 0, 'empty strings and numbers are not remembered');
  });

  it("a no_log option's value is masked in the other args and the result, not only under its own key (--json)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-secret-'));
    try {
      writeFileSync(join(dir, 'src.txt'), 'hello\n');
      const r = await ftl(['run', 'localhost', 'get_url', `url=file://${dir}/src.txt`, `dest=${dir}/dest.txt`, 'url_password=s3cr3t-pw-771', 'url_username=me', '--json', '--args', JSON.stringify({ headers: { 'X-Note': 'token s3cr3t-pw-771' } })]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /s3cr3t-pw-771/);
      assert.match(r.stdout, /"url_password":"\*{8}"/);
      assert.match(r.stdout, /"X-Note":"token \*{8}"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an inventory password that a command prints is masked in the result", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-secret-'));
    try {
      const inv = join(dir, 'inv.yml');
      writeFileSync(inv, 'all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      ansible_become_password: pw-from-inventory-9\n');
      const r = await ftl(['run', '-i', inv, 'localhost', 'command', 'echo', 'pw-from-inventory-9', '--json']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /pw-from-inventory-9/);
      assert.match(r.stdout, /"stdout":"\*{8}"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
