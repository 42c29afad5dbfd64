import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Client } from 'ssh2';
import { FtlError } from '../../src/base/errors.js';
import { sha256Of } from '../../src/gate/pyz.js';
import { hostFacts } from '../../src/inventory/facts.js';
import { parseSshG } from '../../src/ssh/config.js';
import { transientError } from '../../src/ssh/connect.js';
import { deployAfterProbe, deployGate, probeScript } from '../../src/ssh/deploy.js';
import { shq } from '../../src/base/shell.js';
import { type RemoteRunner } from '../../src/ssh/exec.js';
import { checkHostKey, fingerprint, hostFieldMatches, knownKeyTypes, recordHostKey } from '../../src/ssh/known-hosts.js';
import { SshConnectionPool } from '../../src/ssh/pool.js';
import { parseHopSpec, type SshTarget } from '../../src/ssh/target.js';
import { AfterMarker, gateCommand } from '../../src/ssh/transport.js';
import { createHmac } from 'node:crypto';

function blob(type: string, body: string): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(body)]);
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-ssh-unit-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

test('known_hosts: plain, [host]:port, hashed, wildcard and negated entries; changed and revoked keys', (t) => {
  const dir = tempDir(t);
  const k1 = blob('ssh-ed25519', 'one');
  const k2 = blob('ssh-ed25519', 'two');
  const salt = Buffer.from('0123456789abcdef0123');
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.0.0.9]:2200').digest('base64')}`;
  const file = join(dir, 'known_hosts');
  writeFileSync(
    file,
    [
      '# comment',
      `web01,10.0.0.1 ssh-ed25519 ${k1.toString('base64')}`,
      `[10.0.0.2]:2222 ssh-ed25519 ${k1.toString('base64')}`,
      `${hashed} ssh-ed25519 ${k1.toString('base64')}`,
      `*.example.com,!bad.example.com ssh-ed25519 ${k1.toString('base64')}`,
      `@revoked * ssh-ed25519 ${k2.toString('base64')}`,
      '',
    ].join('\n'),
  );
  assert.deepEqual(checkHostKey([file], 'web01', 22, k1), { kind: 'known' });
  assert.deepEqual(checkHostKey([file], '10.0.0.2', 2222, k1), { kind: 'known' });
  assert.equal(checkHostKey([file], '10.0.0.2', 22, k1).kind, 'unknown', 'the port is part of the name');
  assert.deepEqual(checkHostKey([file], '10.0.0.9', 2200, k1), { kind: 'known' }, 'hashed entry');
  assert.deepEqual(checkHostKey([file], 'a.example.com', 22, k1), { kind: 'known' });
  assert.equal(checkHostKey([file], 'bad.example.com', 22, k1).kind, 'unknown');
  assert.equal(checkHostKey([file], 'web01', 22, k2).kind, 'revoked');
  const k3 = blob('ssh-ed25519', 'three');
  const changed = checkHostKey([file], 'web01', 22, k3);
  assert.equal(changed.kind, 'changed');
  assert.equal(checkHostKey([file], 'web01', 22, blob('ecdsa-sha2-nistp256', 'x')).kind, 'changed', 'a known host presenting a key of another type has changed (as OpenSSH)');
  assert.match(fingerprint(k1), /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.equal(hostFieldMatches('WEB01', 'web01'), true, 'names compare without case');

  const fresh = join(dir, 'sub', 'known_hosts');
  recordHostKey(fresh, 'new.host', 2222, k3);
  recordHostKey(fresh, 'new.host', 2222, k3);
  assert.equal(readFileSync(fresh, 'utf8'), `[new.host]:2222 ssh-ed25519 ${k3.toString('base64')}\n`, 'recorded once');
  assert.deepEqual(checkHostKey([fresh], 'new.host', 2222, k3), { kind: 'known' });
  // A file read already is read again once it changes: a key recorded now is known at once.
  assert.equal(checkHostKey([fresh], 'other.host', 22, k1).kind, 'unknown');
  recordHostKey(fresh, 'other.host', 22, k1);
  assert.deepEqual(checkHostKey([fresh], 'other.host', 22, k1), { kind: 'known' });
  assert.deepEqual(knownKeyTypes([fresh], 'other.host', 22), ['ssh-ed25519']);
});

test('ssh settings: ssh -G output, ProxyJump hops, -o options in ansible_ssh_common_args', () => {
  const g = parseSshG(
    ['user deploy', 'hostname 10.1.2.3', 'port 2200', 'identityfile ~/.ssh/id_ed25519', 'identityfile /k/other', 'proxyjump bastion,jump2', 'userknownhostsfile ~/.ssh/known_hosts /x/kh2', 'stricthostkeychecking accept-new'].join('\n'),
    '/home/me',
  );
  assert.equal(g.hostname, '10.1.2.3');
  assert.equal(g.user, 'deploy');
  assert.equal(g.port, 2200);
  assert.deepEqual(g.identityFiles, ['/home/me/.ssh/id_ed25519', '/k/other']);
  assert.deepEqual(g.proxyJump, ['bastion', 'jump2']);
  assert.deepEqual(g.knownHostsFiles, ['/home/me/.ssh/known_hosts', '/x/kh2']);
  assert.equal(g.strictHostKeyChecking, 'accept-new');
  assert.deepEqual(parseSshG('proxyjump none').proxyJump, []);

  assert.deepEqual(parseHopSpec('admin@bastion:2201'), { user: 'admin', host: 'bastion', port: 2201 });
  assert.deepEqual(parseHopSpec('bastion'), { user: undefined, host: 'bastion', port: undefined });
  assert.deepEqual(parseHopSpec('me@[::1]:22'), { user: 'me', host: '::1', port: 22 });

  const f = hostFacts('h', { ansible_ssh_common_args: "-o UserKnownHostsFile=~/lab/known_hosts -o 'StrictHostKeyChecking no' -J jump" }, '/home/me');
  assert.equal(f.knownHostsFile, '/home/me/lab/known_hosts');
  assert.equal(f.strictHostKeyChecking, 'no');
  assert.deepEqual(f.proxyJump, ['jump']);
});

test('the gate stream starts after the marker: shell rc output before it is dropped, even split across chunks', async () => {
  const m = new AfterMarker(Buffer.from('@@MARK@@'));
  const out: Buffer[] = [];
  m.on('data', (b: Buffer) => out.push(b));
  for (const piece of ['Welcome!\n@@MA', 'RK', '@@0000', '0002{}']) m.write(Buffer.from(piece));
  m.end();
  await new Promise((r) => m.once('end', r));
  assert.equal(Buffer.concat(out).toString(), '00000002{}');
});

test('the become password never appears in the remote command line', () => {
  const cmd = gateCommand({ python: '/usr/bin/python3', path: '/home/u/.ftl/gate-x.pyz', sha256: 'ab12', become: { user: 'app', password: 's3cret-pw' } });
  assert.ok(!cmd.includes('s3cret-pw'));
  assert.match(cmd, /sudo.*-S.*-u.*app/);
  assert.match(gateCommand({ python: 'python3', path: '/p', sha256: 'ab12', become: { user: 'app' } }), /sudo.*-n.*-H.*-u.*app/);
});

/** Runs the remote command with the local sh, as sshd would run it with the login shell. */
function localRunner(noise = ''): RemoteRunner {
  return (command, stdin) =>
    new Promise((resolve) => {
      const c = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = noise;
      let stderr = '';
      c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      c.on('close', (code) => {
        resolve({ code, signal: undefined, stdout, stderr });
      });
      // A command that never reads stdin may exit before the write lands (EPIPE): as over SSH,
      // what it did not read is dropped, and its exit code says how it went.
      c.stdin.on('error', () => undefined);
      c.stdin.end(stdin === undefined ? undefined : Buffer.from(stdin));
    });
}

test('gate deploy: probe, upload once, and clear errors (run with the local sh)', async (t) => {
  const dir = tempDir(t);
  const bytes = Buffer.from('PK fake gate bytes');
  const gate = { path: join(dir, 'g.pyz'), hash: 'abc123', size: bytes.length, sha256: sha256Of(bytes) };
  writeFileSync(gate.path, bytes);
  const remoteDir = join(dir, 'remote', '.ftl');
  const first = await deployGate(localRunner('Last login: yesterday\nhello from .bashrc\n'), gate, { host: 'h1', python: undefined, remoteDir });
  assert.equal(first.uploaded, true);
  assert.equal(first.path, `${remoteDir}/gate-abc123.pyz`);
  assert.equal(readFileSync(first.path, 'utf8'), 'PK fake gate bytes');
  const again = await deployGate(localRunner(), gate, { host: 'h1', python: undefined, remoteDir });
  assert.equal(again.uploaded, false, 'the file is there: no upload');

  await assert.rejects(deployGate(localRunner(), gate, { host: 'h1', python: '/nonexistent/python3', remoteDir }), (e: unknown) => {
    assert.ok(e instanceof FtlError);
    assert.equal(e.code, 'FTL_SSH_NO_PYTHON');
    assert.match(e.message, /no Python on h1 \(tried ansible_python_interpreter=\/nonexistent\/python3\)/);
    return true;
  });
  const old = join(dir, 'python36');
  writeFileSync(old, '#!/bin/sh\necho version=3.6.9\n');
  chmodSync(old, 0o755);
  await assert.rejects(deployGate(localRunner(), gate, { host: 'h1', python: old, remoteDir }), /Python 3\.6\.9; the gate needs 3\.8 or newer/);

  // A file where the directory should be: mkdir fails, and its words reach the message.
  writeFileSync(join(dir, 'afile'), '');
  await assert.rejects(deployGate(localRunner(), gate, { host: 'h1', python: undefined, remoteDir: join(dir, 'afile', '.ftl') }), (e: unknown) => {
    assert.ok(e instanceof FtlError);
    assert.equal(e.code, 'FTL_SSH_DEPLOY');
    assert.match(e.message, /cannot upload the gate to h1:.*Not a directory/);
    return true;
  });
});

test('the start script starts a gate that is there in one go, and answers as the probe when it is not (local sh)', async (t) => {
  const dir = tempDir(t);
  const bytes = Buffer.from('PK fake gate bytes');
  const gate = { path: join(dir, 'g.pyz'), hash: 'abc123', size: bytes.length, sha256: sha256Of(bytes) };
  writeFileSync(gate.path, bytes);
  // A stand-in interpreter: answers the version question, and says what it was asked to run instead of running it.
  const python = join(dir, 'python3');
  writeFileSync(python, '#!/bin/sh\nif [ "$1" = -c ]; then echo version=3.11.2; else echo "gate started: $1"; fi\n');
  chmodSync(python, 0o755);
  const opts = { host: 'h1', python, remoteDir: join(dir, 'remote', '.ftl') };
  const script = (): string => `sh -c ${shq(probeScript(gate, opts, '@@START@@'))}`;

  const missing = await localRunner('hello from .bashrc\n')(script());
  assert.doesNotMatch(missing.stdout, /@@START@@/, 'no gate: nothing starts');
  const deployed = await deployAfterProbe(localRunner(), gate, opts, missing);
  assert.equal(deployed.uploaded, true, "the probe's answer is enough to deploy");

  const present = await localRunner()(script());
  assert.equal(present.stdout.replace(/^@@FTL-PID=\d+@@\n/, ''), `@@START@@gate started: ${opts.remoteDir}/gate-abc123.pyz\n`, 'the gate starts, right after the marker');
});

const target = (name: string): SshTarget => ({
  name,
  host: name,
  port: 22,
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
  connectTimeoutMs: 1000,
  python: undefined,
});

function fakeClient(): Client {
  return new EventEmitter() as unknown as Client;
}

test('connection pool: channels per connection capped, new connections limited, resets retried with backoff', async () => {
  let active = 0;
  let peak = 0;
  let calls = 0;
  const failFirst = new Map<string, number>([['flaky', 2]]);
  const pool = new SshConnectionPool({
    keepaliveMs: 0,
    maxChannelsPerConnection: 8,
    maxConcurrentConnects: 2,
    sleep: () => Promise.resolve(),
    connect: async (t) => {
      calls++;
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      const left = failFirst.get(t.name) ?? 0;
      if (left > 0) {
        failFirst.set(t.name, left - 1);
        throw transientError(t, 'cannot connect: Connection lost before handshake');
      }
      return fakeClient();
    },
  });
  const leases = await Promise.all(Array.from({ length: 20 }, () => pool.lease(target('web01'))));
  assert.equal(new Set(leases.map((l) => l.client)).size, 3, '20 channels: 8 + 8 + 4');
  leases.forEach((l) => {
    l.release();
  });
  const again = await pool.lease(target('web01'));
  assert.ok(leases.some((l) => l.client === again.client), 'a released slot is reused');
  await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => pool.lease(target(n))));
  assert.equal(peak, 2, 'at most 2 connections set up at once');
  const before = calls;
  await pool.lease(target('flaky'));
  assert.equal(calls - before, 3, 'two resets, then connected');
  assert.equal(pool.stats().connectRetries, 2);
});
