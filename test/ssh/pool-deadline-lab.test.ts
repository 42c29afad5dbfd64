// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { FtlError } from '../../src/base/errors.js';
import { labPaths } from '../../src/lab/files.js';
import { labUp, type Lab } from '../../src/lab/lab.js';
import { ftl, jsonLines } from '../helpers/ftl.js';
import { labGates, pingThrough } from './fixture.js';

/** Everything but the agent: these tests offer only what each inventory entry itself gives. */
const NO_AGENT = { ...process.env, SSH_AUTH_SOCK: '' };

function rejectsWith(code: string, re: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof FtlError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    return true;
  };
}

/** Two inventory entries for lab01's host:port, and whatever else a test adds. */
function writeInventory(lab: Lab, hosts: Record<string, Record<string, unknown>>): string {
  const p = labPaths(lab.dir);
  const path = join(lab.dir, `inventory-${String(Object.keys(hosts).length)}-${String(Date.now())}.yml`);
  const doc = {
    all: {
      hosts,
      vars: {
        ansible_user: lab.user,
        ansible_ssh_private_key_file: p.key,
        ansible_ssh_common_args: `-o UserKnownHostsFile=${p.knownHosts} -o StrictHostKeyChecking=yes`,
        ansible_python_interpreter: '/usr/bin/python3',
      },
    },
  };
  writeFileSync(path, stringify(doc));
  return path;
}

// One lab for the file (its hosts are started once); each test has its own budget.
describe('SSH connections: pooled by what authenticates them, and never waiting past the deadline', { timeout: 300_000 }, () => {
  let lab: Lab;
  let parent: string;
  before(async () => {
    if (process.env.FTL_TEST_TIER === 'unit') throw new Error("a lab (real sshd) is not for the unit tier: mark the test file '// @tier full'");
    parent = mkdtempSync(join(tmpdir(), 'ftl-lab-test-'));
    lab = await labUp({ count: 2, dir: join(parent, 'lab') });
  });
  after(async () => {
    await lab.down();
    rmSync(parent, { recursive: true, force: true });
  });

  test('an entry whose key file does not exist never rides on another entry\'s connection to the same host:port', { timeout: 120_000 }, async () => {
    const g = await labGates(lab, { agentSocket: '' });
    try {
      const good = g.facts('lab01');
      assert.equal(await pingThrough(g, good), 'pong');
      const opened = g.factory.stats().connections;
      const missing = join(lab.dir, 'no-such-key');
      await assert.rejects(g.factory.open({ ...good, name: 'lab01-nokey', privateKeyFile: missing }), rejectsWith('FTL_SSH_AUTH', new RegExp(`login was refused \\(tried key ${missing} \\(no such file\\)\\)`)));

      // Another valid key is another connection; the same entry again shares the first.
      const key2 = join(lab.dir, 'second_key');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key2]);
      appendFileSync(labPaths(lab.dir).authorizedKeys, readFileSync(`${key2}.pub`, 'utf8'));
      assert.equal(await pingThrough(g, { ...good, name: 'lab01-key2', privateKeyFile: key2 }), 'pong');
      assert.equal(g.factory.stats().connections, opened + 1, 'its own connection for the second key');
      assert.equal(await pingThrough(g, good), 'pong');
      assert.equal(g.factory.stats().connections, opened + 1, 'the first entry reuses its connection');
    } finally {
      await g.close();
    }

    // The same through the CLI, one host at a time so the good entry's connection is open first.
    const h = lab.host('lab01');
    const inv = writeInventory(lab, {
      good: { ansible_host: h.address, ansible_port: h.port },
      nokey: { ansible_host: h.address, ansible_port: h.port, ansible_ssh_private_key_file: join(lab.dir, 'no-such-key') },
    });
    const r = await ftl(['run', '-i', inv, 'all', 'ping', '--json', '-f', '1'], { env: { ...NO_AGENT, HOME: join(lab.dir, 'home') } });
    const byHost = new Map(jsonLines(r.stdout).map((l) => [l.host, l]));
    assert.equal(byHost.get('good')?.status, 'ok', r.stdout + r.stderr);
    assert.equal(byHost.get('nokey')?.status, 'unreachable', r.stdout + r.stderr);
    assert.match(JSON.stringify(byHost.get('nokey')?.result), /login was refused.*no-such-key \(no such file\)/);
    assert.match(r.stderr, /warning: nokey: the key file .*no-such-key \(ansible_ssh_private_key_file\) does not exist; offering nothing instead/);
  });

  test('a host that accepts TCP but never speaks SSH fails by the call\'s timeout, or the connect timeout, and leaves nothing open', { timeout: 60_000 }, async () => {
    const accepted: Socket[] = [];
    const closed = new Set<Socket>();
    const silent = createServer((s) => {
      accepted.push(s);
      s.on('error', () => undefined);
      // Read (and drop) what the client sends, so that its end is seen.
      s.resume();
      s.once('close', () => closed.add(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const g = await labGates(lab, { agentSocket: '' });
    try {
      const frozen = { ...g.facts('lab01'), name: 'frozen', address: '127.0.0.1', port };
      let t0 = Date.now();
      await assert.rejects(g.factory.open(frozen, undefined, { timeoutMs: 2000 }), rejectsWith('FTL_SSH_CONNECT', /cannot connect to .*127\.0\.0\.1:\d+: no SSH handshake within 2 s \(the call's timeout\)/));
      assert.ok(Date.now() - t0 < 15_000, `gave up by the call's 2 s, not at 20 s (${String(Date.now() - t0)} ms)`);
      t0 = Date.now();
      await assert.rejects(g.factory.open({ ...frozen, connectTimeoutS: 1.5 }, undefined, { timeoutMs: 60_000 }), rejectsWith('FTL_SSH_CONNECT', /no SSH handshake within 1\.5 s \(the connect timeout: ansible_ssh_timeout/));
      assert.ok(Date.now() - t0 < 15_000, `gave up by ansible_ssh_timeout (${String(Date.now() - t0)} ms)`);
      // The attempts were ended, not left half-open to join the pool later.
      const until = Date.now() + 10_000;
      while (closed.size < accepted.length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.equal(accepted.length, 2);
      assert.equal(closed.size, 2, 'every attempt closed its socket');
      assert.equal(g.factory.stats().openConnections, 0);
    } finally {
      await g.close();
      for (const s of accepted) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  test('ftl run -T 5 on an sshd stopped with SIGSTOP: unreachable within the 5 s, with the reason', { timeout: 60_000 }, async () => {
    const pid = lab.status().find((h) => h.name === 'lab02')?.pid;
    assert.ok(pid !== undefined, 'lab02 runs');
    process.kill(pid, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const r = await ftl(['run', '-i', lab.inventoryPath, 'lab02', 'ping', '--json', '-T', '5'], { env: { HOME: join(lab.dir, 'home') }, timeoutMs: 60_000 });
      const took = Date.now() - t0;
      assert.equal(r.code, 4, r.stdout + r.stderr);
      const lab02 = jsonLines(r.stdout).find((l) => l.host === 'lab02');
      assert.equal(lab02?.status, 'unreachable', r.stdout + r.stderr);
      // The host is the line's own: its message does not name it again.
      assert.match(JSON.stringify(lab02.result), /"msg":"cannot connect to .*: no SSH handshake within 5 s \(the call's timeout\)/);
      assert.ok(took < 15_000, `ftl run finished well before the old 20 s (${String(took)} ms)`);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});
