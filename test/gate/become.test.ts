import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { BecomeError } from '../../src/base/errors.js';
import { BECOME_PROMPT, becomeArgv, watchBecome, watchSudo } from '../../src/gate/become.js';
import { rawCommand } from '../../src/ssh/raw.js';
import { gateCommand } from '../../src/ssh/transport.js';

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

/** su's side, played by hand: su prompts in its own words and does not ask twice. */
function fakeSu(password: string | undefined): ReturnType<typeof fakeSudo> {
  const stdin = new PassThrough();
  let seen = '';
  stdin.on('data', (b: Buffer) => (seen += b.toString('utf8')));
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let killed = false;
  const watch = watchBecome({ stdin, stdout, stderr }, { marker: '@@OK@@', host: 'db01', user: 'app', method: 'su', password, kill: () => (killed = true) });
  let gate = '';
  watch.stdout.on('data', (b: Buffer) => (gate += b.toString('utf8')));
  return { stdinSeen: () => seen, stdout, stderr, killed: () => killed, watch, gateSees: () => gate };
}

test('su: its "Password:" prompt is answered once, in any of the locales Ansible knows, and the frames wait for the marker', async () => {
  for (const prompt of ['Password: ', 'Passwort:', "app's Password: ", 'Mot de passe : ', 'パスワード：', 'Пароль: ', 'motd line\nContraseña: ']) {
    const s = fakeSu('pw-su');
    s.watch.stdin.write('0000000d["Hello", {}]');
    // A prompt split across two reads is still one prompt.
    s.stderr.write(prompt.slice(0, 3));
    await tick();
    assert.equal(s.stdinSeen(), '', `nothing before the prompt is complete (${prompt})`);
    s.stderr.write(prompt.slice(3));
    await tick();
    assert.equal(s.stdinSeen(), 'pw-su\n', `answered at ${JSON.stringify(prompt)}`);
    s.stdout.write('@@OK@@00000002{}');
    await tick();
    assert.equal(s.stdinSeen(), 'pw-su\n0000000d["Hello", {}]');
    assert.equal(s.gateSees(), '00000002{}');
    assert.equal(s.watch.failure(), undefined);
  }
});

test('su: text that only mentions a password is not a prompt', async () => {
  const s = fakeSu('pw-su');
  s.stderr.write('Password expired, contact the admin\nsome text: Password: then more\n');
  await tick();
  assert.equal(s.stdinSeen(), '');
});

test('su: a refused password, no password at all, and su refusing outright are told apart, without the password', async () => {
  const wrong = fakeSu('pw-wrong');
  wrong.stderr.write('Password: ');
  await tick();
  wrong.stderr.write('su: Authentication failure\n');
  await tick();
  const f = wrong.watch.failure();
  assert.ok(f instanceof BecomeError);
  assert.equal(f.reason, 'password-refused');
  assert.match(f.message, /su on db01 refused the become password to become app/);
  assert.ok(!f.oneLine().includes('pw-wrong'));

  const none = fakeSu(undefined);
  none.stderr.write('Password: ');
  await tick();
  assert.equal(none.killed(), true, 'su would wait for ever: ended');
  assert.equal(none.watch.failure()?.code, 'FTL_BECOME_PASSWORD');
  assert.equal(none.stdinSeen(), '');

  const nouser = fakeSu('pw');
  nouser.stderr.write('su: user app does not exist or the user entry does not contain all the required fields\n');
  await tick();
  const n = nouser.watch.failure();
  assert.ok(n instanceof BecomeError);
  assert.equal(n.reason, 'refused');
  assert.match(n.message, /su on db01 would not run the gate to become app: su: user app does not exist/);
});

test('the command lines: sudo with its flags (-n/-S decided by ftl), su as Ansible runs it; never a password', () => {
  assert.deepEqual(becomeArgv({ user: 'app' }, '/bin/sh', 'id'), ['sudo', '-n', '-H', '-u', 'app', '--', '/bin/sh', '-c', 'id']);
  assert.deepEqual(becomeArgv({ user: 'app', password: 'pw', method: 'sudo' }, '/bin/sh', 'id'), ['sudo', '-S', '-p', BECOME_PROMPT, '-H', '-u', 'app', '--', '/bin/sh', '-c', 'id']);
  // ansible_become_flags replace -H; -n and -S are ftl's to choose (Ansible drops -n when it has a password too).
  assert.deepEqual(becomeArgv({ user: 'app', password: 'pw', flags: '-E -HSn --preserve-env=PATH' }, '/bin/sh', 'id').slice(0, 8), ['sudo', '-S', '-p', BECOME_PROMPT, '-E', '-H', '--preserve-env=PATH', '-u']);
  assert.deepEqual(becomeArgv({ user: 'app', flags: '-n -p "x y"' }, '/bin/sh', 'id').slice(0, 5), ['sudo', '-n', '-u', 'app', '--']);
  assert.deepEqual(becomeArgv({ user: 'app', method: 'su' }, '/bin/sh', "echo 'hi'"), ['su', 'app', '-c', `'/bin/sh' -c 'echo '\\''hi'\\'''`]);
  assert.deepEqual(becomeArgv({ user: 'app', method: 'su', flags: '- -m' }, '/bin/sh', 'id').slice(0, 4), ['su', '-', '-m', 'app']);
  const cmd = gateCommand({ python: '/usr/bin/python3', path: '/p/gate.pyz', sha256: '0'.repeat(64), become: { user: 'app', password: 's3cret-su', method: 'su' } });
  assert.match(cmd, /su.*app.*-c/);
  assert.ok(!cmd.includes('s3cret-su'));
  assert.ok(!rawCommand('id', { become: { user: 'app', password: 's3cret-su', method: 'su' } }).includes('s3cret-su'));
});
