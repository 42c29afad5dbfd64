// @tier full: real sshd, Ansible or tmux (see scripts/run-tests.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareSteps, openNativeGate, type NativeGate, type Step } from './native-gate.js';

describe('native command and shell return what ansible returns', () => {
  let gate: NativeGate;
  let dir: string;
  before(async () => {
    gate = await openNativeGate();
    dir = mkdtempSync(join(tmpdir(), 'ftl-native-command-'));
  });
  after(async () => {
    await gate.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reset = (): void => {
    rmSync(join(dir, 'w'), { recursive: true, force: true });
    mkdirSync(join(dir, 'w'));
    writeFileSync(join(dir, 'w', 'there'), 'x\n');
  };

  it('command: free form, argv, chdir, creates/removes, stdin, failures, check mode', async () => {
    const w = join(dir, 'w');
    const steps: Step[] = [
      { label: 'free form', module: 'command', args: { cmd: 'echo hello world' } },
      { label: 'argv keeps spaces', module: 'command', args: { argv: ['echo', 'a  b', 'c'] } },
      { label: 'no shell expansion, but ~ and $VAR are expanded', module: 'command', args: { cmd: 'echo $HOME ~ *' } },
      { label: 'stdout and stderr, trailing newlines stripped', module: 'command', args: { argv: ['sh', '-c', 'printf "a\\nb\\n\\n"; echo err >&2'] } },
      { label: 'strip_empty_ends off', module: 'command', args: { argv: ['printf', 'x\\n\\n'], strip_empty_ends: false } },
      { label: 'chdir', module: 'command', args: { cmd: 'pwd', chdir: w } },
      { label: 'chdir that is missing', module: 'command', args: { cmd: 'pwd', chdir: join(dir, 'nope') } },
      { label: 'creates exists: skipped', module: 'command', args: { cmd: 'touch made', chdir: w, creates: 'there' } },
      { label: 'removes missing: skipped', module: 'command', args: { cmd: 'rm gone', chdir: w, removes: join(w, 'gone') } },
      { label: 'creates missing: runs', module: 'command', args: { cmd: 'touch made', chdir: w, creates: join(w, 'made') } },
      { label: 'creates now exists: idempotent', module: 'command', args: { cmd: 'touch made', chdir: w, creates: join(w, 'made') } },
      { label: 'stdin with newline', module: 'command', args: { cmd: 'cat', stdin: 'in put' } },
      { label: 'stdin without newline', module: 'command', args: { argv: ['od', '-c'], stdin: 'x', stdin_add_newline: false } },
      { label: 'non-zero rc', module: 'command', args: { argv: ['sh', '-c', 'echo out; exit 3'] } },
      { label: 'missing program', module: 'command', args: { cmd: 'no-such-program-ftl arg' } },
      { label: 'no command', module: 'command', args: { chdir: w } },
      { label: 'both cmd and argv', module: 'command', args: { cmd: 'echo', argv: ['echo'] } },
      { label: 'executable ignored with a warning', module: 'command', args: { cmd: 'echo x', executable: '/bin/bash' } },
      { label: 'unknown option', module: 'command', args: { cmd: 'echo', bogus: 1 } },
      { label: 'bad bool', module: 'command', args: { cmd: 'echo', strip_empty_ends: 'maybe' } },
      { label: 'check mode: skipped without creates/removes', module: 'command', args: { cmd: 'touch ' + join(w, 'never') }, check: true },
      { label: 'check mode: creates decides (would run)', module: 'command', args: { cmd: 'touch ' + join(w, 'never'), creates: join(w, 'never') }, check: true },
      { label: 'check mode: creates decides (would not run)', module: 'command', args: { cmd: 'touch x', creates: join(w, 'there') }, check: true },
    ];
    await compareSteps(gate, steps, reset);
    assert.equal(existsSync(join(w, 'never')), false, 'check mode ran nothing');
    assert.equal(existsSync(join(w, 'made')), true, 'the real run made its file');
  });

  it('shell: pipes, globbing, executable, chdir, failures, check mode', async () => {
    const w = join(dir, 'w');
    const steps: Step[] = [
      { label: 'a pipeline', module: 'shell', args: { cmd: 'echo one two | tr a-z A-Z' } },
      { label: 'globbing and variables', module: 'shell', args: { cmd: 'ls * && echo $((1+2))', chdir: w } },
      { label: 'executable bash', module: 'shell', args: { cmd: 'echo ${BASH_VERSION:+bash}', executable: '/bin/bash' } },
      { label: 'argv quoted for the shell', module: 'shell', args: { argv: ['echo', 'a b', '$HOME'] } },
      { label: 'stderr and rc', module: 'shell', args: { cmd: 'echo oops >&2; exit 7' } },
      { label: 'stdin', module: 'shell', args: { cmd: 'wc -c', stdin: 'abc' } },
      { label: 'removes exists: runs', module: 'shell', args: { cmd: 'rm there', chdir: w, removes: 'there' } },
      { label: 'removes gone: idempotent', module: 'shell', args: { cmd: 'rm there', chdir: w, removes: 'there' } },
      { label: 'check mode', module: 'shell', args: { cmd: 'touch ' + join(w, 'never') }, check: true },
      { label: 'unknown option', module: 'shell', args: { cmd: 'true', warn: false } },
    ];
    await compareSteps(gate, steps, reset);
    assert.equal(existsSync(join(w, 'never')), false, 'check mode ran nothing');
    assert.equal(existsSync(join(w, 'there')), false, 'the real run removed the file');
  });
});
