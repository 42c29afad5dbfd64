import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { Client } from 'ssh2';
import { FtlError, SshError } from '../../src/base/errors.js';
import type { PasswordRequest } from '../../src/base/passwords.js';
import { SshConnectionPool } from '../../src/ssh/pool.js';
import type { SshTarget } from '../../src/ssh/target.js';

/** The pool's password question, against a fake connect that knows one password (a unit test of the pool alone). */
const target = (name: string, password?: string): SshTarget => ({
  name,
  host: `${name}.example`,
  port: 22,
  user: 'deploy',
  identityFiles: [],
  missingKeyFiles: [],
  agentSocket: undefined,
  password,
  knownHostsFiles: [],
  globalKnownHostsFiles: [],
  hostKeyPolicy: 'off',
  hashKnownHosts: false,
  jumps: [],
  proxyCommand: undefined,
  connectTimeoutMs: 1000,
  python: undefined,
});

function pool(right: string, ask: (req: PasswordRequest) => Promise<string>): { pool: SshConnectionPool; tried: (string | undefined)[] } {
  const tried: (string | undefined)[] = [];
  const p = new SshConnectionPool({
    keepaliveMs: 0,
    sleep: () => Promise.resolve(),
    askPassword: ask,
    connect: (t) => {
      tried.push(t.password);
      if (t.password !== right) return Promise.reject(new SshError('FTL_SSH_AUTH', `${t.user}@${t.host}:22 refused authentication (tried key)`, { host: t.name }));
      return Promise.resolve(new EventEmitter() as unknown as Client);
    },
  });
  return { pool: p, tried };
}

test('a refused login asks for the password, and again when the answer is refused', async () => {
  const asked: PasswordRequest[] = [];
  const answers = ['wrong', 'right'];
  const { pool: p, tried } = pool('right', (req) => {
    asked.push(req);
    return Promise.resolve(answers.shift() ?? '');
  });
  await p.lease(target('web01'));
  assert.deepEqual(tried, [undefined, 'wrong', 'right']);
  assert.deepEqual(
    asked.map((r) => [r.kind, r.user, r.host, r.refused]),
    [
      ['ssh', 'deploy', 'web01.example', undefined],
      ['ssh', 'deploy', 'web01.example', 'wrong'],
    ],
  );
});

test('connections opened at once share one question', async () => {
  let asked = 0;
  const { pool: p } = pool('right', () => {
    asked++;
    return new Promise((r) => {
      setTimeout(() => {
        r('right');
      }, 20);
    });
  });
  // 20 channels need 3 connections, all refused at first.
  await Promise.all(Array.from({ length: 20 }, () => p.lease(target('web01'))));
  assert.equal(asked, 1);
});

test('three refused answers give up with the auth error; an inventory password is never asked again', async () => {
  let asked = 0;
  const { pool: p } = pool('right', () => {
    asked++;
    return Promise.resolve(`wrong${String(asked)}`);
  });
  await assert.rejects(p.lease(target('web01')), (e: unknown) => e instanceof SshError && e.code === 'FTL_SSH_AUTH');
  assert.equal(asked, 3);
  asked = 0;
  await assert.rejects(p.lease(target('web02', 'from-inventory')), (e: unknown) => e instanceof SshError && e.code === 'FTL_SSH_AUTH');
  assert.equal(asked, 0);
});

test('no terminal to ask on: an auth error that says so and names the fix; Ctrl-C stays a cancellation', async () => {
  const { pool: p } = pool('right', () => Promise.reject(new FtlError('FTL_NO_TERMINAL', 'SSH password for deploy@web01.example is needed, and there is no terminal to ask it on')));
  await assert.rejects(p.lease(target('web01')), (e: unknown) => {
    assert.ok(e instanceof SshError);
    assert.equal(e.code, 'FTL_SSH_AUTH');
    assert.match(e.oneLine(), /refused authentication.*no terminal to ask it on.*put it in the inventory/);
    // Said once, fix once: not the question's words again, nor the hint's.
    assert.equal(e.oneLine().match(/no terminal/g)?.length, 1, e.oneLine());
    assert.equal(e.oneLine().match(/web01\.example/g)?.length, 1, e.oneLine());
    return true;
  });
  const { pool: q } = pool('right', () => Promise.reject(new FtlError('FTL_CANCELLED', 'no password given (Ctrl-C)')));
  await assert.rejects(q.lease(target('web01')), (e: unknown) => e instanceof FtlError && e.code === 'FTL_CANCELLED');
});
