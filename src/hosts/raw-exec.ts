import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { deadline } from '../base/deadline.js';
import { GateError } from '../base/errors.js';
import { becomeArgv } from '../gate/become.js';
import { becomeAnswerer, RawOutput, type RawOptions, type RawResult } from '../ssh/raw.js';

/**
 * raw on a local host: the command through /bin/sh (or `executable`), as Ansible's
 * local connection runs it, in a process group of its own so a timeout or Ctrl-C ends
 * everything it started.
 */
export function runLocalRaw(command: string, opts: RawOptions): Promise<RawResult> {
  const shell = opts.executable ?? '/bin/sh';
  const b = opts.become;
  const [cmd = shell, ...args] = b === undefined ? [shell, '-c', command] : becomeArgv(b, shell, command);
  if (opts.signal.aborted) return Promise.reject(new GateError('FTL_CANCELLED', 'raw cancelled before it started', { host: 'localhost' }));
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const kill = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return deadline<RawResult>(
    (s) => {
      const output = new RawOutput(opts.maxOutput);
      const answer = becomeAnswerer(b, (text) => child.stdin.end(text));
      child.stdout.on('data', (d: Buffer) => {
        output.stdout(d);
      });
      child.stderr.on('data', (d: Buffer) => {
        output.stderr(answer(d.toString('utf8')));
      });
      child.stdin.on('error', () => undefined);
      child.once('error', (e: NodeJS.ErrnoException) => {
        // As a shell reports a program it cannot find.
        s.resolve({ rc: e.code === 'ENOENT' ? 127 : 126, stdout: '', stderr: `${cmd}: ${e.message}\n` });
      });
      child.once('close', (code, signal) => {
        // Killed by a signal: a negative rc, as Python's subprocess (and so Ansible) reports it.
        s.resolve(output.result(code ?? (signal === null ? -1 : -constants.signals[signal])));
      });
      if (b?.password === undefined) child.stdin.end(opts.stdin);
    },
    {
      ms: opts.timeoutMs,
      signal: opts.signal,
      // The whole process group goes: what the command started too.
      onTimeout: () => {
        kill();
        return new GateError('FTL_GATE_TIMEOUT', `raw did not finish within ${String(opts.timeoutMs / 1000)} s`, { host: 'localhost' });
      },
      onAbort: () => {
        kill();
        return new GateError('FTL_CANCELLED', 'raw cancelled', { host: 'localhost' });
      },
    },
  );
}
