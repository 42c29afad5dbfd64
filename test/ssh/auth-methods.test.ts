import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { ed25519KeyPair } from '../../bench/sim/keypair.js';
import type { Connection } from 'ssh2';
import { SshError } from '../../src/base/errors.js';
import { PasswordBook, type PasswordRequest } from '../../src/base/passwords.js';
import { authRefusal, connectTarget } from '../../src/ssh/connect.js';
import { SshConnectionPool } from '../../src/ssh/pool.js';
import type { SshTarget } from '../../src/ssh/target.js';

/**
 * Which login methods are tried, and whether a person is asked, against a real SSH server
 * (ssh2's, in process: it can offer keyboard-interactive prompts, which the lab's sshd without
 * PAM cannot) that takes keys only, passwords, or prompts.
 */
type Offer = 'publickey' | 'password' | 'keyboard-interactive';

interface Server {
  port: number;
  /** Every method a client tried, in order. */
  attempts: string[];
  close(): Promise<void>;
}

const hostKey = ed25519KeyPair().private;

function server(offers: Offer[], secrets: { password: string; code: string }): Promise<Server> {
  const attempts: string[] = [];
  const srv = new ssh2.Server({ hostKeys: [hostKey] }, (client: Connection) => {
    client.on('authentication', (ctx) => {
      attempts.push(ctx.method);
      if (!(offers as string[]).includes(ctx.method)) {
        ctx.reject(offers);
        return;
      }
      if (ctx.method === 'password') {
        if (ctx.password === secrets.password) ctx.accept();
        else ctx.reject(offers);
      } else if (ctx.method === 'keyboard-interactive') {
        ctx.prompt(
          [
            { prompt: 'Password: ', echo: false },
            { prompt: 'Verification code: ', echo: false },
          ],
          (answers) => {
            if (answers[0] === secrets.password && answers[1] === secrets.code) ctx.accept();
            else ctx.reject(offers);
          },
        );
      } else ctx.reject(offers);
    });
    client.on('ready', () => undefined);
    client.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      resolve({
        port: (srv.address() as AddressInfo).port,
        attempts,
        close: () =>
          new Promise<void>((r) => {
            srv.close(() => {
              r();
            });
          }),
      });
    });
  });
}

const target = (name: string, port: number): SshTarget => ({
  name,
  host: '127.0.0.1',
  port,
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

/** A pool whose questions go to a PasswordBook (as the REPL's do), counting what is asked. */
function poolAsking(answer: (prompt: string) => string): { pool: SshConnectionPool; asked: string[]; requests: PasswordRequest[] } {
  const asked: string[] = [];
  const requests: PasswordRequest[] = [];
  const book = new PasswordBook((prompt) => {
    asked.push(prompt);
    return new Promise((r) => setTimeout(() => { r(answer(prompt)); }, 20));
  });
  const pool = new SshConnectionPool({
    keepaliveMs: 0,
    askPassword: (req) => {
      requests.push(req);
      return book.ask(req);
    },
  });
  return { pool, asked, requests };
}

const secrets = { password: 'pw-right', code: '424242' };

describe('SSH login methods: ask only what the server can use', () => {
  let keysOnly: Server;
  let passwords: Server;
  let prompts: Server;
  before(async () => {
    keysOnly = await server(['publickey'], secrets);
    passwords = await server(['publickey', 'password'], secrets);
    prompts = await server(['publickey', 'keyboard-interactive'], secrets);
  });
  after(async () => {
    await Promise.all([keysOnly.close(), passwords.close(), prompts.close()]);
  });

  it('a keys-only server: the error lists what was offered and what it takes, and says no password is asked', async () => {
    await assert.rejects(connectTarget(target('web01', keysOnly.port), { keepaliveMs: 0 }), (e: unknown) => {
      assert.ok(e instanceof SshError);
      assert.equal(e.code, 'FTL_SSH_AUTH');
      assert.match(e.message, /^deploy.s login was refused \(no key, ssh-agent or password to offer\); the server accepts keys only$/);
      assert.match(e.hint, /takes no password, so none is asked: make a key \(ssh-keygen\) and install it there \(ssh-copy-id\)/);
      assert.deepEqual(authRefusal(e)?.accepts, ['publickey']);
      return true;
    });
  });

  it('a keys-only server: six hosts fail without a single question, and no password is ever sent', async () => {
    const { pool, asked } = poolAsking(() => 'anything');
    const before = keysOnly.attempts.length;
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => pool.lease(target(`web0${String(i + 1)}`, keysOnly.port))));
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof SshError && r.reason.code === 'FTL_SSH_AUTH'));
    assert.deepEqual(asked, []);
    assert.ok(!keysOnly.attempts.slice(before).some((m) => m === 'password' || m === 'keyboard-interactive'), keysOnly.attempts.join(','));
    await pool.closeAll();
  });

  it('two inventory names for one address share the connection, and each gets the failure under its own name', async () => {
    const pool = new SshConnectionPool({ keepaliveMs: 0 });
    const [a, b] = await Promise.allSettled([pool.lease(target('alias1', keysOnly.port)), pool.lease(target('alias2', keysOnly.port))]);
    assert.ok(a.status === 'rejected' && b.status === 'rejected');
    assert.deepEqual([(a.reason as SshError).host, (b.reason as SshError).host], ['alias1', 'alias2']);
    assert.equal((a.reason as SshError).message, (b.reason as SshError).message);
    await pool.closeAll();
  });

  it('a password server: six hosts ask one question, and all log in', async () => {
    const { pool, asked } = poolAsking(() => secrets.password);
    const leases = await Promise.all(Array.from({ length: 6 }, (_, i) => pool.lease(target(`db0${String(i + 1)}`, passwords.port))));
    assert.equal(leases.length, 6);
    assert.equal(asked.length, 1, asked.join(' | '));
    assert.match(asked[0] ?? '', /^SSH password for deploy@127\.0\.0\.1: $/);
    await pool.closeAll();
  });

  it('keyboard-interactive: the password prompt is the SSH password; another prompt is asked once in its own words for all hosts', async () => {
    const { pool, asked, requests } = poolAsking((p) => (p.startsWith('Verification code') ? secrets.code : secrets.password));
    const leases = await Promise.all(Array.from({ length: 3 }, (_, i) => pool.lease(target(`app0${String(i + 1)}`, prompts.port))));
    assert.equal(leases.length, 3);
    assert.deepEqual(asked, ['SSH password for deploy@127.0.0.1: ', 'Verification code (deploy@127.0.0.1): ']);
    assert.ok(requests.some((r) => r.prompt === 'Verification code: '));
    await pool.closeAll();
  });
});
