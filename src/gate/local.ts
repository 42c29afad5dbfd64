import { spawn } from 'node:child_process';
import { GateError } from '../errors.js';
import type { GateExit, GateTransport } from './transport.js';

export interface LocalGateOptions {
  python?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run the gate as another user through sudo (-n: never prompt; a password goes to stdin only). */
  become?: { user: string; password?: string | undefined };
}

const SUDO_PROMPT = '[ftl-sudo-prompt]';

/** A gate as a child process of this one: localhost and ansible_connection=local. */
export function spawnLocalGate(pyzPath: string, opts: LocalGateOptions = {}): GateTransport {
  const python = opts.python ?? 'python3';
  let cmd = python;
  let args = [pyzPath];
  const become = opts.become;
  if (become !== undefined) {
    cmd = 'sudo';
    args = become.password === undefined ? ['-n', '-H', '-u', become.user, python, pyzPath] : ['-S', '-p', SUDO_PROMPT, '-H', '-u', become.user, python, pyzPath];
  }
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
  const password = become?.password;
  if (password !== undefined) {
    // Only after sudo asks: without a prompt (NOPASSWD) the line would reach the gate.
    let seen = '';
    const onErr = (b: Buffer): void => {
      seen += b.toString('utf8');
      if (seen.includes(SUDO_PROMPT)) {
        child.stderr.off('data', onErr);
        child.stdin.write(`${password}\n`);
      }
    };
    child.stderr.on('data', onErr);
  }
  const exited = new Promise<GateExit>((resolve) => {
    let done = false;
    const finish = (code: number | null, signal: string | null): void => {
      if (done) return;
      done = true;
      resolve({ code, signal });
    };
    child.once('error', (e: NodeJS.ErrnoException) => {
      const err = e.code === 'ENOENT' ? new GateError('FTL_GATE_START', `cannot start the gate: '${cmd}' not found`, { host: 'localhost' }) : e;
      child.stderr.emit('data', Buffer.from(`${err.message}\n`));
      finish(127, null);
    });
    child.once('exit', (code, signal) => {
      finish(code, signal);
    });
  });
  // A gate that is gone must not turn a write into an unhandled 'error' event.
  child.stdin.on('error', () => undefined);
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    kill: () => {
      child.kill('SIGKILL');
    },
    label: become === undefined ? `local ${python}` : `local sudo -u ${become.user} ${python}`,
  };
}
