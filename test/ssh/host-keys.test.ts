import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SshError } from '../../src/base/errors.js';
import { hostKeyError, hostKeyAlgorithms, removeKeyCommand, verifyHostKey } from '../../src/ssh/host-keys.js';
import { checkHostKey, hashedHostField, hostFieldMatches } from '../../src/ssh/known-hosts.js';
import type { SshTarget } from '../../src/ssh/target.js';

/** A key blob of a type: what a host presents (type string, then anything). */
function blob(type: string, body: string): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(body)]);
}

const b64 = (b: Buffer): string => b.toString('base64');

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-hostkeys-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function target(over: Partial<SshTarget>): SshTarget {
  return {
    name: 'web01',
    host: '10.0.0.2',
    port: 2222,
    user: 'u',
    identityFiles: [],
    missingKeyFiles: [],
    agentSocket: undefined,
    password: undefined,
    knownHostsFiles: [],
    globalKnownHostsFiles: [],
    hostKeyPolicy: 'strict',
    hashKnownHosts: false,
    jumps: [],
    proxyCommand: undefined,
    connectTimeoutMs: 10_000,
    python: undefined,
    ...over,
  };
}

const ed = blob('ssh-ed25519', 'the recorded one');
const rsa = blob('ssh-rsa', 'an impostor');

test('a host is known by name and port whatever the key type: another type is a changed key, as OpenSSH says', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'known_hosts');
  writeFileSync(file, `# lab\n[10.0.0.2]:2222 ssh-ed25519 ${b64(ed)}\n${hashedHostField('web02')} ssh-ed25519 ${b64(ed)}\n`);
  const v = checkHostKey([file], '10.0.0.2', 2222, rsa);
  if (v.kind !== 'changed') assert.fail(`expected a changed key, got ${v.kind}`);
  assert.deepEqual(v.recorded, { file, lineNo: 2, type: 'ssh-ed25519' }, 'the offending line, counted as ssh-keygen counts');
  assert.equal(v.name, '[10.0.0.2]:2222');
  assert.equal(checkHostKey([file], 'web02', 22, rsa).kind, 'changed', 'hashed entries identify the host too');
  assert.equal(checkHostKey([file], '10.0.0.2', 22, rsa).kind, 'unknown', 'another port is another host');
  assert.deepEqual(checkHostKey([file], '10.0.0.2', 2222, ed), { kind: 'known' });

  const e = hostKeyError(target({ knownHostsFiles: [file] }), v);
  assert.equal(e.code, 'FTL_SSH_HOSTKEY_CHANGED');
  assert.match(e.message, /REMOTE HOST IDENTIFICATION HAS CHANGED: \[10\.0\.0\.2\]:2222 presents an RSA key \(SHA256:[A-Za-z0-9+/]{43}\), but .*known_hosts:2 records an ED25519 key/);
  assert.match(e.message, /man-in-the-middle/);
  assert.match(e.hint, new RegExp(`ssh-keygen -f '${file.replace(/[.]/g, '\\.')}' -R '\\[10\\.0\\.0\\.2\\]:2222'`));
});

test('ssh-keygen -R: -f only for a file other than ~/.ssh/known_hosts; names quoted for the shell', () => {
  assert.equal(removeKeyCommand('web01', '/home/me/.ssh/known_hosts', '/home/me'), "ssh-keygen -R 'web01'");
  assert.equal(removeKeyCommand('[h]:2222', '/lab/known_hosts', '/home/me'), "ssh-keygen -f '/lab/known_hosts' -R '[h]:2222'");
});

test('accept-new records only a host with no entry at all; a changed type is refused and known_hosts stays as it was', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'known_hosts');
  const before = `[10.0.0.2]:2222 ssh-ed25519 ${b64(ed)}\n`;
  writeFileSync(file, before);
  const accepting = target({ knownHostsFiles: [file], hostKeyPolicy: 'accept-new' });
  const refused = verifyHostKey(accepting, rsa);
  assert.ok(refused instanceof SshError);
  assert.equal(refused.code, 'FTL_SSH_HOSTKEY_CHANGED');
  assert.equal(readFileSync(file, 'utf8'), before);
  assert.equal(verifyHostKey(target({ knownHostsFiles: [file], hostKeyPolicy: 'off' }), rsa), undefined, 'no check: anything goes');

  const strict = verifyHostKey(target({ name: 'new', host: 'new.host', port: 22, knownHostsFiles: [file] }), rsa);
  assert.equal(strict?.code, 'FTL_SSH_HOSTKEY_UNKNOWN');
  // The fix said once, in the hint.
  assert.match(strict.oneLine(), /^new: new\.host presents an RSA key \(SHA256:.*\), and .*known_hosts has no key for it \(check that fingerprint, then rerun with --accept-new to record it\)$/);
  assert.equal(verifyHostKey(target({ name: 'new', host: 'new.host', port: 22, knownHostsFiles: [file], hostKeyPolicy: 'accept-new' }), rsa), undefined);
  assert.match(readFileSync(file, 'utf8'), /\nnew\.host ssh-rsa [A-Za-z0-9+/=]+\n$/, 'written plain: HashKnownHosts is off');
});

test('HashKnownHosts: a recorded key is written |1|salt|hash, and OpenSSH finds it', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'known_hosts');
  assert.equal(verifyHostKey(target({ knownHostsFiles: [file], hostKeyPolicy: 'accept-new', hashKnownHosts: true }), ed), undefined);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^\|1\|[A-Za-z0-9+/=]{28}\|[A-Za-z0-9+/=]{28} ssh-ed25519 /);
  assert.doesNotMatch(text, /10\.0\.0\.2/, 'the name is not in the file');
  assert.ok(hostFieldMatches(text.split(' ')[0] ?? '', '[10.0.0.2]:2222'));
  // ssh-keygen -F looks a name up as ssh does, hashed entries included.
  const found = execFileSync('ssh-keygen', ['-F', '[10.0.0.2]:2222', '-f', file], { encoding: 'utf8' });
  assert.match(found, /ssh-ed25519/);
  assert.equal(verifyHostKey(target({ knownHostsFiles: [file], hashKnownHosts: true }), ed), undefined, 'known now');
  verifyHostKey(target({ knownHostsFiles: [file], hostKeyPolicy: 'accept-new', hashKnownHosts: true }), ed);
  assert.equal(readFileSync(file, 'utf8'), text, 'not recorded twice');
});

test('@cert-authority: a host known only through a CA is refused, even under accept-new, saying ftl does not check certificates', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'known_hosts');
  const ca = blob('ssh-ed25519', 'the CA');
  const text = `@cert-authority *.example.com ssh-ed25519 ${b64(ca)}\n`;
  writeFileSync(file, text);
  const t1 = target({ name: 'db', host: 'db.example.com', port: 22, knownHostsFiles: [file], hostKeyPolicy: 'accept-new' });
  const e = verifyHostKey(t1, ed);
  assert.ok(e instanceof SshError);
  assert.equal(e.code, 'FTL_SSH_HOSTKEY_UNKNOWN');
  assert.match(e.message, /db\.example\.com is known only through a @cert-authority line \(.*known_hosts:1\).*ftl does not check host certificates.*refused/);
  assert.match(e.hint, /ssh-keyscan 'db\.example\.com'/);
  assert.equal(readFileSync(file, 'utf8'), text, 'nothing recorded');
  assert.equal(verifyHostKey(target({ name: 'x', host: 'other.org', port: 22, knownHostsFiles: [file] }), ed)?.code, 'FTL_SSH_HOSTKEY_UNKNOWN');
  // A CA key presented as a plain host key is not that host's key.
  assert.equal(checkHostKey([file], 'db.example.com', 22, ca).kind, 'cert-authority');
  // With a plain entry as well, the plain entry decides.
  writeFileSync(file, `${text}db.example.com ssh-ed25519 ${b64(ed)}\n`);
  assert.equal(verifyHostKey(t1, ed), undefined);
  assert.equal(verifyHostKey(t1, rsa)?.code, 'FTL_SSH_HOSTKEY_CHANGED');
});

test('known key types are asked for first, only those ssh2 can negotiate', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'known_hosts');
  writeFileSync(file, [`[10.0.0.2]:2222 sk-ssh-ed25519@openssh.com ${b64(ed)}`, `[10.0.0.2]:2222 ssh-rsa ${b64(rsa)}`, `@revoked [10.0.0.2]:2222 ecdsa-sha2-nistp256 ${b64(ed)}`, ''].join('\n'));
  assert.deepEqual(hostKeyAlgorithms(target({ knownHostsFiles: [file] })), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);
  assert.equal(hostKeyAlgorithms(target({ knownHostsFiles: [join(dir, 'none')] })), undefined, "nothing known: ssh2's own order");
});

test("an ED25519 host gets ssh2's own list (undefined), so its connections share ssh2's prebuilt offer; an RSA one its own order", (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'known_hosts');
  writeFileSync(file, [`[10.0.0.2]:2222 ssh-ed25519 ${b64(blob('ssh-ed25519', 'a'))}`, `[10.0.0.3]:2222 ssh-rsa ${b64(blob('ssh-rsa', 'b'))}`, ''].join('\n'));
  assert.equal(hostKeyAlgorithms(target({ knownHostsFiles: [file] })), undefined);
  assert.deepEqual(hostKeyAlgorithms(target({ host: '10.0.0.3', knownHostsFiles: [file] }))?.slice(0, 4), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
});

test('a known_hosts file rewritten in place is seen at once, even with the same size in the same second, and an edit to an old file too', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'known_hosts');
  const a = blob('ssh-ed25519', 'key-aaaa');
  const b = blob('ssh-ed25519', 'key-bbbb');
  writeFileSync(file, `web01 ssh-ed25519 ${b64(a)}\n`);
  assert.deepEqual(checkHostKey([file], 'web01', 22, a), { kind: 'known' });
  // Same length, same tick: only the text tells the two apart (the file is "racy").
  writeFileSync(file, `web01 ssh-ed25519 ${b64(b)}\n`);
  assert.deepEqual(checkHostKey([file], 'web01', 22, b), { kind: 'known' }, 'the rewritten key is the one checked');
  assert.equal(checkHostKey([file], 'web01', 22, a).kind, 'changed');
  // Older than the racy window: looked up by its stat, and a later edit still shows.
  const old = new Date(Date.now() - 60_000);
  utimesSync(file, old, old);
  assert.equal(checkHostKey([file], 'web01', 22, a).kind, 'changed');
  writeFileSync(file, `web01 ssh-ed25519 ${b64(a)}\n`);
  utimesSync(file, old, new Date(Date.now() - 30_000));
  assert.deepEqual(checkHostKey([file], 'web01', 22, a), { kind: 'known' }, 'another mtime means another file: read again');
});
