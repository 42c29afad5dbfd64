import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { BecomeError } from '../../src/base/errors.js';
import { BECOME_PROMPT, watchSudo } from '../../src/gate/become.js';

/** sudo's side of the streams, played by hand (a unit test of the watcher alone; the terminal tests use real sudo). */
function fakeSudo(password: string | undefined): {
  stdinSeen: () => string;
  stdout: PassThrough;
  stderr: PassThrough;
  killed: () => boolean;
  watch: ReturnType<typeof watchSudo>;
  gateSees: () => string;
} {
  const stdin = new PassThrough();
  let seen = '';
  stdin.on('data', (b: Buffer) => (seen += b.toString('utf8')));
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let killed = false;
  const watch = watchSudo(
    { stdin, stdout, stderr },
    {
      marker: '@@OK@@',
      host: 'db01',
      user: 'root',
      password,
      kill: () => {
        killed = true;
      },
    },
  );
  let gate = '';
  watch.stdout.on('data', (b: Buffer) => (gate += b.toString('utf8')));
  return { stdinSeen: () => seen, stdout, stderr, killed: () => killed, watch, gateSees: () => gate };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('nothing reaches sudo but the password until the marker; then the frames flow', async () => {
  const s = fakeSudo('pw-1');
  s.watch.stdin.write('0000000d["Hello", {}]');
  await tick();
  assert.equal(s.stdinSeen(), '', 'the Hello frame waits');
  s.stderr.write(`[sudo] lecture\n${BECOME_PROMPT}`);
  await tick();
  assert.equal(s.stdinSeen(), 'pw-1\n', 'the password, once, on its own line');
  s.stdout.write('noise@@OK@@00000002{}');
  await tick();
  assert.equal(s.stdinSeen(), 'pw-1\n0000000d["Hello", {}]');
  assert.equal(s.gateSees(), '00000002{}');
  assert.equal(s.watch.failure(), undefined);
});

test('a second prompt means a wrong password: the process is ended and the failure says so, without the password', async () => {
  const s = fakeSudo('pw-wrong');
  s.stderr.write(BECOME_PROMPT);
  s.stderr.write(`Sorry, try again.\n${BECOME_PROMPT}`);
  await tick();
  assert.equal(s.stdinSeen(), 'pw-wrong\n', 'answered once only');
  assert.equal(s.killed(), true);
  const f = s.watch.failure();
  assert.ok(f instanceof BecomeError);
  assert.equal(f.reason, 'password-refused');
  assert.equal(f.code, 'FTL_BECOME_PASSWORD');
  assert.ok(!f.oneLine().includes('pw-wrong'));
});

test('sudo -n that wants a password, and sudo that refuses outright, are told apart', async () => {
  const n = fakeSudo(undefined);
  n.stderr.write('sudo: a password is required\n');
  await tick();
  assert.equal(n.watch.failure()?.code, 'FTL_BECOME_PASSWORD');
  assert.match(n.watch.failure()?.message ?? '', /sudo on db01 wants a password to become root/);
  const r = fakeSudo(undefined);
  r.stderr.write('Sorry, user app is not allowed to execute /bin/sh as root on db01.\n');
  await tick();
  const f = r.watch.failure();
  assert.ok(f instanceof BecomeError);
  assert.equal(f.reason, 'refused');
  assert.match(f.message, /not allowed to execute/);
  const ok = fakeSudo(undefined);
  ok.stderr.write('some warning\n');
  ok.stdout.write('@@OK@@');
  await tick();
  assert.equal(ok.watch.failure(), undefined, 'once the gate started, sudo is not to blame');
});
