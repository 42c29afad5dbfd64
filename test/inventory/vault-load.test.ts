import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExtraVars } from '../../src/commands/extra-vars.js';
import { Inventory } from '../../src/inventory/index.js';
import type { VaultItem, VaultOutcome } from '../../src/inventory/vault.js';

/**
 * How a load gathers what it must decrypt (the decryption itself is Ansible's, tested in
 * vault.test.ts with the real ansible-vault). Here the "vaulttext" is the plaintext in
 * base64 behind the vault header, so what the inventory does with it can be seen.
 */
const HEADER = '$ANSIBLE_VAULT;1.1;AES256\n';
const enc = (plain: string): string => `${HEADER}${Buffer.from(plain).toString('base64')}`;

function fakeVault(calls: VaultItem[][]): (items: readonly VaultItem[]) => Promise<VaultOutcome[]> {
  return (items) => {
    calls.push([...items]);
    return Promise.resolve(items.map((i) => ({ plaintext: Buffer.from(i.vaulttext.slice(HEADER.length), 'base64').toString('utf8') })));
  };
}

const block = (plain: string, indent: string): string => `!vault |\n${enc(plain).split('\n').map((l) => `${indent}${l}`).join('\n')}`;

describe('vaulted values in an inventory load', () => {
  it('one batch for everything: inventory values, vars files (whole and !vault), -e files; plaintext to tasks, vaulttext to ansible-inventory, secrets remembered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-vault-load-'));
    try {
      mkdirSync(join(dir, 'group_vars'));
      mkdirSync(join(dir, 'host_vars'));
      writeFileSync(join(dir, 'inv.yml'), `all:\n  hosts:\n    h1:\n    h2:\n  vars:\n    a: ${block('alpha', '      ')}\n`);
      writeFileSync(join(dir, 'group_vars', 'all.yml'), enc('b: bravo\nlist: [x1, x2]\n'));
      writeFileSync(join(dir, 'host_vars', 'h1.yml'), `c: ${block('charlie', '  ')}\nplain: p\n`);
      writeFileSync(join(dir, 'host_vars', 'h2.yml'), 'untouched: yes\n');
      writeFileSync(join(dir, 'e.yml'), enc('e: echo\nlevel: file\n'));
      const extraVars = parseExtraVars(['level=first', `@${join(dir, 'e.yml')}`, 'z=last'], dir);
      const calls: VaultItem[][] = [];
      const secrets: unknown[] = [];
      const inv = await Inventory.load([join(dir, 'inv.yml')], { extraVars, vault: fakeVault(calls), secrets: { add: (v) => secrets.push(v) } });
      assert.equal(calls.length, 1, 'one batch');
      assert.equal(calls[0]?.length, 4);
      const h1 = inv.varsOf('h1');
      assert.deepEqual({ a: h1.a, b: h1.b, c: h1.c, e: h1.e, level: h1.level, z: h1.z, list: h1.list }, { a: 'alpha', b: 'bravo', c: 'charlie', e: 'echo', level: 'file', z: 'last', list: ['x1', 'x2'] });
      assert.equal(inv.varsOf('h2').untouched, true);
      assert.equal(inv.group('all')?.vars.a, 'alpha');
      assert.equal(inv.extra.e, 'echo');
      for (const s of ['alpha', 'bravo', 'x1', 'charlie', 'echo']) assert.ok(secrets.includes(s), `${s} is a secret`);
      const shown = inv.displayVarsOf('h1');
      assert.deepEqual(shown.a, { __ansible_vault: `${enc('alpha')}\n` });
      assert.equal(shown.b, 'bravo');
      const list = inv.toAnsibleList() as { _meta: { hostvars: Record<string, Record<string, unknown>> } };
      assert.deepEqual(list._meta.hostvars.h1?.c, { __ansible_vault: `${enc('charlie')}\n` });
      // No password: an encrypted -e file stops the start (Ansible reads -e first); an encrypted
      // vars file stops only the hosts that need it, when they do.
      const errs = await Inventory.load([join(dir, 'inv.yml')], { extraVars }).catch((e: unknown) => e);
      assert.match(String(errs), /e\.yml is vault-encrypted and no vault password was given/);
      const sealed = await Inventory.load([join(dir, 'inv.yml')], {});
      assert.throws(() => sealed.facts('h1'), /all\.yml is vault-encrypted and no vault password was given/);
      assert.equal(sealed.readableVars('h1'), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an inventory without vaulted values never asks the vault', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-vault-load-'));
    try {
      writeFileSync(join(dir, 'inv.yml'), 'all:\n  hosts:\n    h1:\n      x: 1\n');
      const calls: VaultItem[][] = [];
      const inv = await Inventory.load([join(dir, 'inv.yml')], { vault: fakeVault(calls) });
      assert.equal(calls.length, 0);
      assert.equal(inv.varsOf('h1').x, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ansible-inventory mode (decryptValues: false) decrypts only whole files, and needs no password for !vault values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftl-vault-load-'));
    try {
      writeFileSync(join(dir, 'inv.yml'), `all:\n  hosts:\n    h1:\n      s: ${block('sierra', '        ')}\n`);
      const inv = await Inventory.load([join(dir, 'inv.yml')], { decryptValues: false });
      assert.deepEqual(inv.displayVarsOf('h1'), { s: { __ansible_vault: `${enc('sierra')}\n` } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
