import type { ClientChannel } from 'ssh2';
import { deadline } from '../base/deadline.js';
import { GateError } from '../base/errors.js';
import { shq } from '../base/shell.js';
import type { SshConnectionPool } from './pool.js';
import type { SshTarget } from './target.js';

/** How raw runs a command: who, through which shell, for how long. */
export interface RawOptions {
  /** Run as this user through sudo; a password goes to the channel's stdin only, after sudo asks. */
  become?: { user: string; password?: string | undefined } | undefined;
  /** `executable -c command` instead of the login shell (Ansible's raw `executable`). */
  executable?: string | undefined;
  timeoutMs: number;
  signal: AbortSignal;
}

export interface RawResult {
  rc: number;
  stdout: string;
  stderr: string;
}

export const RAW_SUDO_PROMPT = '[ftl-raw-sudo@@]';

/**
 * The command line for raw: as given (the login shell runs it, as Ansible's raw does),
 * under `executable -c` when one is named, and under sudo for become (which needs a shell).
 */
export function rawCommand(command: string, opts: Pick<RawOptions, 'become' | 'executable'>): string {
  const shell = opts.executable ?? (opts.become === undefined ? undefined : '/bin/sh');
  const wrapped = shell === undefined ? command : `${shq(shell)} -c ${shq(command)}`;
  const b = opts.become;
  if (b === undefined) return wrapped;
  const sudo = b.password === undefined ? `sudo -n -H -u ${shq(b.user)} --` : `sudo -S -p ${shq(RAW_SUDO_PROMPT)} -H -u ${shq(b.user)} --`;
  return `${sudo} ${wrapped}`;
}

/** Drops the sudo prompt from what sudo printed on stderr, answering it once. */
export function sudoAnswerer(password: string | undefined, write: (s: string) => void): (text: string) => string {
  let answered = false;
  return (text) => {
    if (password === undefined || !text.includes(RAW_SUDO_PROMPT)) return text;
    if (!answered) {
      answered = true;
      write(`${password}\n`);
    }
    return text.split(RAW_SUDO_PROMPT).join('');
  };
}

/** Runs a command on an exec channel of its own, outside the gate: no Python needed on the host. */
export async function runRaw(pool: SshConnectionPool, target: SshTarget, command: string, opts: RawOptions): Promise<RawResult> {
  if (opts.signal.aborted) throw new GateError('FTL_CANCELLED', 'raw cancelled before it started', { host: target.name });
  // One deadline for connecting and running: the time the connection took is not given again.
  const at = Date.now() + opts.timeoutMs;
  const channel = await pool.exec(target, rawCommand(command, opts), { deadline: { at, ms: opts.timeoutMs } });
  return collectRaw(channel, target.name, opts, at);
}

function killChannel(channel: ClientChannel): void {
  try {
    channel.signal('KILL');
  } catch {
    // the channel is gone already
  }
  channel.close();
}

function collectRaw(channel: ClientChannel, host: string, opts: RawOptions, at: number): Promise<RawResult> {
  const out: Buffer[] = [];
  let err = '';
  let code: number | null = null;
  return deadline<RawResult>(
    (s) => {
      const answer = sudoAnswerer(opts.become?.password, (text) => channel.end(text));
      channel.on('data', (b: Buffer) => out.push(b));
      channel.stderr.on('data', (b: Buffer) => {
        err += answer(b.toString('utf8'));
      });
      channel.on('exit', (c: number | null) => {
        code = c;
      });
      channel.on('error', () => undefined);
      channel.once('close', () => {
        s.resolve({ rc: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: err });
      });
      // No stdin: the password, if sudo asks, is the only thing written.
      if (opts.become?.password === undefined) channel.end();
    },
    {
      // At least a moment: a connection that took all the time still gets its answer read.
      ms: Math.max(1, at - Date.now()),
      signal: opts.signal,
      onTimeout: () => {
        killChannel(channel);
        return new GateError('FTL_GATE_TIMEOUT', `raw did not finish within ${String(opts.timeoutMs / 1000)} s`, { host });
      },
      onAbort: () => {
        killChannel(channel);
        return new GateError('FTL_CANCELLED', 'raw cancelled', { host });
      },
    },
  );
}
