import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FtlError } from '../../src/base/errors.js';
import { Inventory } from '../../src/inventory/index.js';
import { hostFacts } from '../../src/inventory/facts.js';

function withFile(name: string, text: string, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-inv-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return fn(path).finally(() => {
    rmSync(dir, { recursive: true, force: true });
  });
}

describe('inventory errors name the file, the line and the fix', () => {
  it('a YAML syntax error names file and line', () =>
    withFile('bad.yml', 'all:\n  hosts:\n    web1:\n   bad: [\n', async (path) => {
      await assert.rejects(Inventory.load([path]), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'FTL_INVENTORY_SYNTAX');
        assert.match(e.message, /bad\.yml line \d+/);
        return true;
      });
    }));
  it('an INI error names file:line', () =>
    withFile('bad.ini', '[web]\nweb1\n[web:vars]\nnot a var\n', async (path) => {
      await assert.rejects(Inventory.load([path]), /bad\.ini:4: expected key=value/);
    }));
  it('a children cycle is refused, naming the groups', () =>
    withFile('cycle.ini', '[a:children]\nb\n[b:children]\na\n', async (path) => {
      await assert.rejects(Inventory.load([path]), (e: Error & { code?: string }) => e.code === 'FTL_INVENTORY_CYCLE' && /b -> a/.test(e.message));
    }));
  it('a vault value without a vault password: loaded sealed; a connection variable of it is refused where used, naming the host, variable, file and line, and the fix', () =>
    withFile('v.yml', 'all:\n  hosts:\n    h1:\n    h2:\n  vars:\n    secret: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6134\n  children:\n    db:\n      hosts:\n        h2:\n          ansible_password: !vault |\n            $ANSIBLE_VAULT;1.1;AES256\n            6135\n', async (path) => {
      const inv = await Inventory.load([path]);
      assert.equal(inv.facts('h1').name, 'h1', 'a value nothing uses stops nothing');
      assert.throws(
        () => inv.facts('h2'),
        (e: unknown) => {
          assert.ok(e instanceof FtlError && e.code === 'FTL_VAULT');
          assert.match(e.oneLine(), /^h2: ansible_password \(host h2\) in .*v\.yml line 13 is vault-encrypted and no vault password was given \(give the vault password with --vault-password-file FILE or --ask-vault-pass/);
          return true;
        },
      );
    }));
  it('a failing inventory script: what it said on stderr is in the error', () =>
    withFile('inv.sh', '#!/bin/sh\necho "cannot reach the CMDB at cmdb.example:443" >&2\nexit 3\n', async (path) => {
      chmodSync(path, 0o755);
      await assert.rejects(Inventory.load([path]), /inventory script .*inv\.sh --list exited 3: cannot reach the CMDB at cmdb\.example:443/);
    }));
  it('a missing source', async () => {
    await assert.rejects(Inventory.load(['/nonexistent/inv.yml']), /inventory source \/nonexistent\/inv\.yml does not exist/);
  });
  it('a pattern matching nothing names the closest names', () =>
    withFile('ok.yml', 'webservers:\n  hosts:\n    web1:\n', async (path) => {
      const inv = await Inventory.load([path]);
      assert.throws(() => inv.resolve('webserver'), /no host matches 'webserver'; did you mean 'webservers'/);
      assert.deepEqual(inv.resolve('localhost'), ['localhost']);
      assert.equal(inv.facts('localhost').connection, 'local');
      assert.ok(!inv.resolve('all').includes('localhost'), 'implicit localhost is not in all');
    }));
});

describe('host facts', () => {
  it('derive connection settings from variables', () => {
    const f = hostFacts('web1', { ansible_host: '10.0.0.1', ansible_port: '2222', ansible_user: 'deploy', ansible_ssh_common_args: '-o ProxyJump=bastion,jump2', ansible_become: 'yes' });
    assert.equal(f.address, '10.0.0.1');
    assert.equal(f.port, 2222);
    assert.equal(f.connection, 'ssh');
    assert.deepEqual(f.proxyJump, ['bastion', 'jump2']);
    assert.equal(f.become, true);
    assert.equal(hostFacts('localhost', {}).connection, 'local');
  });
});
