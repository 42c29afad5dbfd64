/**
 * A key file is read and parsed once for all the hosts that use it (thousands of hosts share
 * one key: one key object, not one per connection), and read again when the file changes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import ssh2 from 'ssh2';
import { ed25519KeyPair } from '../../bench/sim/keypair.js';
import { identityPublicBlob, publicBlobFromOpenSshKey } from '../../src/ssh/agent-keys.js';
import { authPlan } from '../../src/ssh/auth.js';
import type { SshTarget } from '../../src/ssh/target.js';

function target(name: string, identityFiles: string[]): SshTarget {
  return { name, host: name, port: 22, user: 'u', identityFiles, missingKeyFiles: [], agentSocket: undefined, password: undefined } as unknown as SshTarget;
}

function keyOf(t: SshTarget): unknown {
  const m = authPlan(t).methods[0];
  return m?.type === 'publickey' ? m.key : undefined;
}

test('hosts sharing a key file share one parsed key; a changed file is read again; a bad one is said', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-identity-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'id_ed25519');
  writeFileSync(file, ed25519KeyPair().private, { mode: 0o600 });
  const a = keyOf(target('web01', [file]));
  const b = keyOf(target('web02', [file]));
  assert.ok(a !== undefined && typeof a === 'object' && !Buffer.isBuffer(a), 'a parsed key, not the file bytes');
  assert.equal(a, b, 'one key object for both hosts');
  const other = ed25519KeyPair();
  writeFileSync(file, `${other.private}\n\n`);
  const c = keyOf(target('web03', [file])) as { getPublicSSH(): Buffer };
  assert.notEqual(c, a, 'the file changed: read again');
  const pub = ssh2.utils.parseKey(other.public);
  assert.ok(!(pub instanceof Error));
  assert.deepEqual(c.getPublicSSH(), pub.getPublicSSH());
  writeFileSync(file, 'not a key at all\n');
  const plan = authPlan(target('web04', [file]));
  assert.equal(plan.methods.length, 0);
  assert.deepEqual(plan.tried, [`key ${file} (not a key ssh2 can read)`]);
});

test('a shared key signs as ssh2 would (ED25519, RSA, ECDSA): the signature verifies with its public key', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-identity-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const data = Buffer.from('session id and userauth request');
  const pairs = { ed25519: ed25519KeyPair(), rsa: ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 }), ecdsa: ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 }) };
  for (const [type, pair] of Object.entries(pairs)) {
    const file = join(dir, `id_${type}`);
    writeFileSync(file, pair.private, { mode: 0o600 });
    const key = keyOf(target(`h-${type}`, [file])) as { sign(d: Buffer, algo?: string): Buffer | Error; isPrivateKey(): boolean };
    assert.ok(key.isPrivateKey(), `${type}: still a private key to ssh2`);
    const sig = key.sign(data);
    assert.ok(Buffer.isBuffer(sig), `${type}: signs (${sig instanceof Error ? sig.message : ''})`);
    const pub = ssh2.utils.parseKey(pair.public);
    assert.ok(!(pub instanceof Error));
    assert.equal(pub.verify(data, sig), true, `${type}: the signature verifies`);
    const plain = ssh2.utils.parseKey(pair.private);
    assert.ok(!(plain instanceof Error));
    if (type !== 'ecdsa') assert.deepEqual(sig, plain.sign(data), `${type}: the same bytes as ssh2's own key object signs`);
  }
});

test("an identity file's public half without its passphrase: the .pub beside it, else the OpenSSH key's own header", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-identity-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  for (const type of ['ed25519', 'rsa', 'ecdsa']) {
    const file = join(dir, `id_${type}`);
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', 'a passphrase', '-f', file]);
    const pub = ssh2.utils.parseKey(readFileSync(`${file}.pub`));
    assert.ok(!(pub instanceof Error));
    assert.deepEqual(authPlan(target(`h-${type}`, [file])).tried, [`key ${file} (encrypted; add it to ssh-agent)`]);
    assert.deepEqual(identityPublicBlob(file), pub.getPublicSSH(), `${type}: from the .pub`);
    renameSync(`${file}.pub`, `${file}.away`);
    assert.deepEqual(publicBlobFromOpenSshKey(readFileSync(file, 'latin1')), pub.getPublicSSH(), `${type}: from the key file's header`);
    assert.deepEqual(identityPublicBlob(file), pub.getPublicSSH(), `${type}: no .pub, the header`);
  }
  const garbage = join(dir, 'garbage');
  writeFileSync(garbage, '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n');
  assert.equal(identityPublicBlob(garbage), undefined);
  assert.equal(identityPublicBlob(join(dir, 'none')), undefined);
});
