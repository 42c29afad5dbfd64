import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { Client } from 'ssh2';
import { SshError } from '../../src/base/errors.js';
import { transientError, type ConnectOptions } from '../../src/ssh/connect.js';
import { SshConnectionPool } from '../../src/ssh/pool.js';
import { spawnProxyCommand } from '../../src/ssh/proxy-command.js';
import type { SshTarget } from '../../src/ssh/target.js';

const target = (name: string): SshTarget => ({
  name,
  host: `${name}.example`,
  port: 22,
  user: 'deploy',
  identityFiles: [],
  missingKeyFiles: [],
  agentSocket: undefined,
  password: undefined,
  knownHostsFiles: [],
  globalKnownHostsFiles: [],
  hostKeyPolicy: 'off',
  hashKnownHosts: false,
  jumps: [],
  proxyCommand: undefined,
  connectTimeoutMs: 10_000,
  python: undefined,
});

const fakeClient = (): Client => new EventEmitter() as unknown as Client;

test("a connection opened for a call gets the call's deadline; one waiting in the connect queue leaves it at the deadline", async () => {
  const seen: ConnectOptions[] = [];
  let releaseFirst: (c: Client) => void = () => undefined;
  const pool = new SshConnectionPool({
    keepaliveMs: 0,
    maxConcurrentConnects: 1,
    connect: (t, o) => {
      seen.push(o);
      if (t.name === 'slow') return new Promise((r) => (releaseFirst = r));
      return Promise.resolve(fakeClient());
    },
  });
  const slow = pool.lease(target('slow'));
  const t0 = Date.now();
  await assert.rejects(pool.lease(target('queued'), { deadline: { at: Date.now() + 200, ms: 200 } }), (e: unknown) => {
    assert.ok(e instanceof SshError);
    assert.equal(e.code, 'FTL_SSH_CONNECT');
    assert.match(e.message, /deploy@queued\.example:22: no SSH connection within 0\.2 s \(the call's timeout\); it waited behind 1 other connections being set up/);
    return true;
  });
  assert.ok(Date.now() - t0 < 5000);
  releaseFirst(fakeClient());
  await slow;
  // The one that gave up took no slot: the next connection goes at once, with its deadline passed on.
  const at = Date.now() + 60_000;
  await pool.lease(target('next'), { deadline: { at, ms: 60_000 } });
  assert.deepEqual(seen.at(-1)?.deadline, { at, ms: 60_000 });
  assert.equal(seen.length, 2, 'the queued one never connected');
});

test('retries of a dropped connection stop at the deadline', async () => {
  let calls = 0;
  const pool = new SshConnectionPool({
    keepaliveMs: 0,
    connect: (t) => {
      calls++;
      return Promise.reject(transientError(t, 'cannot connect: Connection lost before handshake'));
    },
  });
  const t0 = Date.now();
  await assert.rejects(pool.lease(target('flaky'), { deadline: { at: Date.now() + 300, ms: 300 } }), /Connection lost before handshake/);
  assert.ok(calls <= 2, `no retry that could not finish in time (${String(calls)} attempts)`);
  assert.ok(Date.now() - t0 < 2000);
});

test('a ProxyCommand stream: bytes both ways, stderr and exit kept, the child killed when the stream is destroyed', async () => {
  const cat = spawnProxyCommand('cat');
  const echoed = new Promise<string>((r) => cat.sock.once('data', (b: Buffer) => { r(b.toString()); }));
  cat.sock.write('SSH-2.0-hello\r\n');
  assert.equal(await echoed, 'SSH-2.0-hello\r\n');
  cat.sock.destroy();
  await cat.exited(5000);
  assert.deepEqual(cat.exit(), { code: null, signal: 'SIGTERM' });

  const failing = spawnProxyCommand(`sh -c 'echo "connect to bastion: refused" >&2; exit 3'`);
  const ended = new Promise((r) => failing.sock.once('close', r));
  failing.sock.resume();
  await failing.exited(5000);
  await ended;
  assert.deepEqual(failing.exit(), { code: 3, signal: null });
  assert.equal(failing.stderr(), 'connect to bastion: refused');
});
