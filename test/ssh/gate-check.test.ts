/**
 * The start and deploy scripts run a gate file only when its bytes hash to the build's,
 * with whatever the host has to hash them; a damaged file is reported and replaced.
 * The scripts run with the local sh, as sshd would run them with the login shell.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { shq } from '../../src/base/shell.js';
import { sha256Of } from '../../src/gate/pyz.js';
import { becomeCopy, deployAfterProbe, parseProbe, pidOf, probeScript } from '../../src/ssh/deploy.js';
import type { RemoteRunner } from '../../src/ssh/exec.js';
import { gateCommand } from '../../src/ssh/transport.js';

function localRunner(env: NodeJS.ProcessEnv = process.env): RemoteRunner {
  return (command, stdin) =>
    new Promise((resolve) => {
      const c = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], env });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      c.on('close', (code) => {
        resolve({ code, signal: undefined, stdout, stderr });
      });
      // A command that never reads stdin may exit first (EPIPE): dropped, as over SSH.
      c.stdin.on('error', () => undefined);
      c.stdin.end(stdin === undefined ? undefined : Buffer.from(stdin));
    });
}

function setup(): { dir: string; gate: { path: string; hash: string; size: number; sha256: string }; bytes: Buffer; python: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ftl-gate-check-'));
  const bytes = Buffer.from('PK fake gate bytes, long enough to cut short');
  const gate = { path: join(dir, 'g.pyz'), hash: 'abc123', size: bytes.length, sha256: sha256Of(bytes) };
  writeFileSync(gate.path, bytes);
  // A stand-in interpreter: answers the version question, says what it was asked to run instead of running it.
  const python = join(dir, 'python3');
  writeFileSync(python, '#!/bin/sh\nif [ "$1" = -c ]; then echo version=3.11.2; else echo "gate started: $1"; fi\n');
  chmodSync(python, 0o755);
  return { dir, gate, bytes, python };
}

test('a damaged gate file (edited, cut short) is not started: the probe says damaged, the deploy replaces it', async (t) => {
  const { dir, gate, bytes, python } = setup();
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const opts = { host: 'h1', python, remoteDir: join(dir, 'remote', '.ftl') };
  const startOrProbe = (): Promise<{ stdout: string }> => localRunner()(`sh -c ${shq(probeScript(gate, opts, '@@START@@'))}`);
  const first = await startOrProbe();
  assert.ok(pidOf(first.stdout) !== undefined, 'the script says its pid first');
  assert.equal(parseProbe(first.stdout)?.get('gate'), 'missing');
  const deployed = await deployAfterProbe(localRunner(), gate, opts, first as never);
  assert.deepEqual([deployed.uploaded, deployed.damaged], [true, false]);
  const file = `${opts.remoteDir}/gate-abc123.pyz`;
  assert.match((await startOrProbe()).stdout, /@@START@@gate started: /);

  const edit = (): void => {
    writeFileSync(file, Buffer.from(bytes.toString().replace('fake', 'evil')));
  };
  const cut = (): void => {
    truncateSync(file, 10);
  };
  for (const damage of [edit, cut]) {
    damage();
    const seen = await startOrProbe();
    assert.doesNotMatch(seen.stdout, /@@START@@/, 'a damaged file never runs');
    assert.equal(parseProbe(seen.stdout)?.get('gate'), 'damaged');
    const again = await deployAfterProbe(localRunner(), gate, opts, seen as never);
    assert.deepEqual([again.uploaded, again.damaged], [true, true]);
    assert.deepEqual(readFileSync(file), bytes, 'replaced with the build\'s bytes');
    assert.match((await startOrProbe()).stdout, /@@START@@gate started: /);
  }
});

test('the hash is taken with sha256sum, else shasum, else openssl, else the interpreter', async (t) => {
  const { dir, gate, python } = setup();
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  // Only the hasher under test is on PATH, and the stand-in interpreter cannot hash: a file
  // found intact was hashed by that one.
  const basics = ['cat', 'printf', 'id', 'mkdir', 'chmod', 'wc', 'tr', 'mv', 'rm', 'cp', 'perl', 'sh', 'env'];
  const which = (cmd: string): string | undefined => ['/usr/bin', '/bin'].map((d) => join(d, cmd)).find((p) => existsSync(p));
  const cases: [string, string[], string][] = [
    ['sha256sum', ['sha256sum'], python],
    ['shasum', ['shasum'], python],
    ['openssl', ['openssl'], python],
    ['the interpreter', [], '/usr/bin/python3'],
  ];
  for (const [label, keep, py] of cases) {
    const bin = join(dir, `bin-${label.replace(/ /g, '-')}`);
    mkdirSync(bin);
    for (const cmd of [...basics, ...keep]) {
      const found = which(cmd);
      if (found !== undefined) symlinkSync(found, join(bin, cmd));
    }
    const opts = { host: 'h1', python: py, remoteDir: join(dir, `remote-${label.replace(/ /g, '-')}`) };
    const env = { PATH: bin, HOME: dir };
    const run = localRunner(env);
    const probe = await run(`sh -c ${shq(probeScript(gate, opts))}`);
    assert.equal(parseProbe(probe.stdout)?.get('gate'), 'missing', `${label}: ${probe.stderr}`);
    const deployed = await deployAfterProbe(run, gate, opts, probe);
    assert.equal(deployed.uploaded, true, label);
    const again = await run(`sh -c ${shq(probeScript(gate, opts))}`);
    assert.equal(parseProbe(again.stdout)?.get('gate'), 'present', `${label}: the upload checked out and the file is intact (${again.stderr})`);
    writeFileSync(deployed.path, 'edited');
    const edited = await run(`sh -c ${shq(probeScript(gate, opts))}`);
    assert.equal(parseProbe(edited.stdout)?.get('gate'), 'damaged', label);
  }
});

test('the start command checks the file too; the become copy is checked and replaced', async (t) => {
  const { dir, gate, bytes, python } = setup();
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const run = localRunner();
  const good = await run(gateCommand({ python, path: gate.path, sha256: gate.sha256 }));
  assert.match(good.stdout, /^@@FTL-PID=\d+@@\n@@FTL-GATE-START@@gate started: /);
  writeFileSync(gate.path, 'tampered');
  const bad = await run(gateCommand({ python, path: gate.path, sha256: gate.sha256 }));
  assert.doesNotMatch(bad.stdout, /GATE-START/);
  assert.match(bad.stderr, /@@FTL-GATE-DAMAGED@@/);
  assert.equal(bad.code, 86);

  writeFileSync(gate.path, bytes);
  const env = { ...process.env, TMPDIR: join(dir, 'tmp') };
  mkdirSync(join(dir, 'tmp'));
  const copy = await becomeCopy(localRunner(env), gate, gate.path, 'h1', python);
  assert.equal(copy.damaged, false);
  assert.deepEqual(readFileSync(copy.path), bytes);
  writeFileSync(copy.path, 'tampered copy');
  const again = await becomeCopy(localRunner(env), gate, gate.path, 'h1', python);
  assert.deepEqual([again.path, again.damaged], [copy.path, true]);
  assert.deepEqual(readFileSync(copy.path), bytes);
  writeFileSync(gate.path, 'the source is damaged too');
  writeFileSync(copy.path, 'and so is the copy');
  await assert.rejects(becomeCopy(localRunner(env), gate, gate.path, 'h1', python), /cannot give the become user a readable copy.*not the build's/);
});
