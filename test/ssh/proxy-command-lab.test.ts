// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { FtlError } from '../../src/base/errors.js';
import { shq } from '../../src/base/shell.js';
import { Warnings, type Warning } from '../../src/base/warnings.js';
import { labPaths } from '../../src/lab/files.js';
import { labUp, type Lab } from '../../src/lab/lab.js';
import { sshGLookup } from '../../src/ssh/config.js';
import { ftl, jsonLines } from '../helpers/ftl.js';
import { labGates, pingThrough } from './fixture.js';
import { isAlive } from '../../src/lab/procs.js';

/** A TCP relay as nc would be: stdin to the address, the address to stdout; it logs its pid and the words it was given. */
const RELAY = `
const net = require('node:net');
const fs = require('node:fs');
const [log, addr, port, ...seen] = process.argv.slice(2);
fs.appendFileSync(log, JSON.stringify({ pid: process.pid, seen }) + '\\n');
const s = net.connect(Number(port), addr);
process.stdin.pipe(s);
s.pipe(process.stdout);
s.on('error', (e) => { process.stderr.write('relay: ' + e.message + '\\n'); process.exit(2); });
s.on('close', () => process.exit(0));
`;

interface RelayRun {
  pid: number;
  seen: string[];
}

function relayRuns(log: string): RelayRun[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RelayRun);
}

/** Running, not a zombie waiting to be reaped. */
const alive = isAlive;

async function gone(pids: readonly number[]): Promise<boolean> {
  const until = Date.now() + 15_000;
  while (pids.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  return !pids.some(alive);
}

describe('ProxyCommand: SSH over a command\'s stdin and stdout', { timeout: 300_000 }, () => {
  let lab: Lab;
  let parent: string;
  /** The relay's command line up to the tokens: it reaches lab01 whatever name the inventory gives. */
  let relayTo: (log: string) => string;
  /** A known_hosts file that knows lab01's key under these names (the proxy is the only way there). */
  let knownAs: (file: string, ...names: string[]) => string;
  before(async () => {
    if (process.env.FTL_TEST_TIER === 'unit') throw new Error("a lab (real sshd) is not for the unit tier: mark the test file '// @tier full'");
    parent = mkdtempSync(join(tmpdir(), 'ftl-lab-test-'));
    lab = await labUp({ count: 1, dir: join(parent, 'lab') });
    const h = lab.host('lab01');
    const relay = join(lab.dir, 'relay.cjs');
    writeFileSync(relay, RELAY);
    relayTo = (log) => `${shq(process.execPath)} ${shq(relay)} ${shq(log)} ${h.address} %p`;
    const key = readFileSync(lab.knownHostsPath, 'utf8').trim().split(' ').slice(1).join(' ');
    knownAs = (file, ...names) => {
      const path = join(lab.dir, file);
      writeFileSync(path, names.map((n) => `[${n}]:${String(h.port)} ${key}\n`).join(''));
      return path;
    };
  });
  after(async () => {
    await lab.down();
    rmSync(parent, { recursive: true, force: true });
  });

  test('from ansible_ssh_common_args (-o ProxyCommand="..."), through ftl run: tokens expanded, the gate answers, an option ftl cannot honour is named', { timeout: 120_000 }, async () => {
    const log = join(lab.dir, 'relay-args.log');
    const known = knownAs('known_hosts.args', 'hidden.invalid');
    const inv = join(lab.dir, 'inventory-proxy.yml');
    writeFileSync(
      inv,
      stringify({
        all: {
          hosts: { hidden: { ansible_host: 'hidden.invalid', ansible_port: lab.host('lab01').port } },
          vars: {
            ansible_user: lab.user,
            ansible_ssh_private_key_file: labPaths(lab.dir).key,
            ansible_python_interpreter: '/usr/bin/python3',
            ansible_ssh_common_args: `-o UserKnownHostsFile=${known} -o StrictHostKeyChecking=yes -o ProxyCommand="${relayTo(log)} %h %r %n %%" -o ForwardAgent=yes`,
          },
        },
      }),
    );
    const r = await ftl(['run', '-i', inv, 'hidden', 'ping', '--json'], { env: { HOME: join(lab.dir, 'home') } });
    // The name does not resolve: only the relay gets there.
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const line = jsonLines(r.stdout).find((l) => l.host === 'hidden');
    assert.equal(line?.status, 'ok', r.stdout + r.stderr);
    const runs = relayRuns(log);
    assert.ok(runs.length >= 1, 'the connection went through the relay');
    // %p was the relay's port (it connected with it); then %h %r %n %%.
    assert.deepEqual(runs[0]?.seen, ['hidden.invalid', lab.user, 'hidden.invalid', '%'], 'tokens as ssh expands them');
    assert.equal((r.stderr.match(/forwardagent/gi) ?? []).length, 1, `named once: ${r.stderr}`);
    assert.match(r.stderr, /warning: hidden: ftl does not honour -o forwardagent=yes in ansible_ssh_common_args/);
    assert.ok(await gone(runs.map((x) => x.pid)), 'the relay ended with the connection');
  });

  test('from ~/.ssh/config (ssh -G): the gate answers; CertificateFile is named once; the relay ends with the connection', { timeout: 120_000 }, async () => {
    const log = join(lab.dir, 'relay-config.log');
    const known = knownAs('known_hosts.config', 'hidden2.invalid');
    const config = join(lab.dir, 'ssh_config');
    writeFileSync(config, `Host hidden2.invalid\n  ProxyCommand ${relayTo(log)} %h\n  CertificateFile ~/no-such-cert\n  ConnectTimeout 20\n`);
    const said: Warning[] = [];
    const warnings = new Warnings((w) => said.push(w));
    const g = await labGates(lab, {
      sshConfig: sshGLookup({ configFile: config }),
      warn: (w, key) => {
        warnings.warn(w, key);
      },
    });
    try {
      const facts = { ...g.facts('lab01'), name: 'hidden2', address: 'hidden2.invalid', knownHostsFile: known };
      assert.equal(await pingThrough(g, facts), 'pong');
      assert.equal(await pingThrough(g, facts), 'pong', 'again, on the pooled connection');
      assert.equal(relayRuns(log).length, 1, 'one connection through the relay, pooled');
      assert.deepEqual(relayRuns(log)[0]?.seen, ['hidden2.invalid'], '%h from ssh -G, expanded by ftl');
      assert.equal(said.filter((w) => /CertificateFile/.test(w.message)).length, 1, JSON.stringify(said));
    } finally {
      await g.close();
    }
    assert.ok(await gone(relayRuns(log).map((x) => x.pid)), 'closing the connection ended the relay');
  });

  test('a ProxyCommand that fails: its exit code and stderr are in the error, at once', { timeout: 60_000 }, async () => {
    const g = await labGates(lab);
    try {
      const facts = { ...g.facts('lab01'), name: 'behind', proxyCommand: `sh -c 'echo "no route to bastion" >&2; exit 3'` };
      const t0 = Date.now();
      await assert.rejects(g.factory.open(facts), (e: unknown) => {
        assert.ok(e instanceof FtlError, String(e));
        assert.equal(e.code, 'FTL_SSH_CONNECT');
        assert.match(e.message, /ProxyCommand 'sh -c .*' exited with code 3: no route to bastion/);
        assert.match(e.hint, /run it by hand/);
        return true;
      });
      assert.ok(Date.now() - t0 < 20_000, 'not retried as if the host had dropped the connection');
      await assert.rejects(g.factory.open({ ...facts, proxyCommand: 'nc %h %x' }), /the token %x, which ssh does not expand there/);
    } finally {
      await g.close();
    }
  });
});
