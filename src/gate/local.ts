import { spawn } from 'node:child_process';
import { GateError } from '../base/errors.js';
import type { BecomeSpec } from '../base/types.js';
import { shq } from '../base/shell.js';
import { becomeArgv, becomeLabel, watchBecome } from './become.js';
import type { GateExit, GateTransport } from './transport.js';

export interface LocalGateOptions {
  python?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run the gate as another user through sudo or su (sudo -n: never prompt; a password goes to stdin only). */
  become?: BecomeSpec;
}

const BECOME_MARKER = '@@FTL-BECOME-OK@@';
/** How long sudo has to end the gate on TERM before its own group is killed. */
const BECOME_KILL_GRACE_MS = 1000;

/** A gate as a child process of this one: localhost and ansible_connection=local. */
export function spawnLocalGate(pyzPath: string, opts: LocalGateOptions = {}): GateTransport {
  const python = opts.python ?? 'python3';
  let cmd = python;
  let args = [pyzPath];
  const become = opts.become;
  if (become !== undefined) {
    // sudo or su runs a shell that prints the marker, then becomes the gate: until the marker, it owns stdin.
    const [program = 'sudo', ...rest] = becomeArgv(become, '/bin/sh', `printf '%s' '${BECOME_MARKER}'; exec ${shq(python)} ${shq(pyzPath)}`);
    cmd = program;
    args = rest;
  }
  // A process group of its own: a kill ends the gate and everything it started (a hung
  // interpreter's children too), and the terminal's Ctrl-C never reaches it.
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd, detached: true });
  let killed = false;
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
  };
  const kill = (): void => {
    if (killed) return;
    killed = true;
    if (become === undefined) {
      killGroup('SIGKILL');
      return;
    }
    // The gate runs as another user and is not ours to kill: sudo passes TERM on to it.
    killGroup('SIGTERM');
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) killGroup('SIGKILL');
    }, BECOME_KILL_GRACE_MS).unref();
  };
  const sudo =
    become === undefined
      ? undefined
      : watchBecome(child, { marker: BECOME_MARKER, host: 'localhost', user: become.user, method: become.method, password: become.password, kill });
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
      if (sudo === undefined) {
        finish(code, signal);
        return;
      }
      // What sudo or su said on stderr must be read before anyone asks why the gate did not start.
      const late = setTimeout(() => {
        finish(code, signal);
      }, 500);
      child.once('close', () => {
        clearTimeout(late);
        finish(code, signal);
      });
    });
  });
  // A gate that is gone must not turn a write into an unhandled 'error' event.
  child.stdin.on('error', () => undefined);
  return {
    stdin: sudo?.stdin ?? child.stdin,
    stdout: sudo?.stdout ?? child.stdout,
    stderr: child.stderr,
    exited,
    kill,
    label: become === undefined ? `local ${python}` : `local ${becomeLabel(become)} ${python}`,
    ...(sudo === undefined ? {} : { failure: () => sudo.failure() }),
  };
}
