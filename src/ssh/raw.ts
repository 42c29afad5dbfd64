import type { ClientChannel } from 'ssh2';
import { BoundedOutput, DEFAULT_MAX_OUTPUT } from '../base/bounded-output.js';
import { deadline } from '../base/deadline.js';
import { GateError } from '../base/errors.js';
import { shq } from '../base/shell.js';
import type { BecomeSpec } from '../base/types.js';
import { becomeArgv, findPrompt, methodOf } from '../gate/become-command.js';
import { onceClosed } from './exec.js';
import type { SshConnectionPool } from './pool.js';
import type { SshTarget } from './target.js';

/** How raw runs a command: who, through which shell, for how long. */
export interface RawOptions {
  /** Run as this user through sudo or su; a password goes to stdin only, after it asks. */
  become?: BecomeSpec | undefined;
  /** `executable -c command` instead of the login shell (Ansible's raw `executable`). */
  executable?: string | undefined;
  timeoutMs: number;
  signal: AbortSignal;
  /** What the command reads on stdin (without become): Ansible's pipelining, as interpreter discovery uses it. */
  stdin?: Buffer | undefined;
  /** Bytes kept of each of stdout and stderr; the rest is counted, not held. */
  maxOutput?: number | undefined;
}

export interface RawResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** Bytes of stdout / stderr left out past maxOutput (absent when none were). */
  stdoutDroppedBytes?: number;
  stderrDroppedBytes?: number;
}

/** stdout and stderr of a raw command, each held to maxOutput bytes. */
export class RawOutput {
  private readonly out: BoundedOutput;
  private readonly err: BoundedOutput;

  constructor(maxOutput: number | undefined) {
    this.out = new BoundedOutput(maxOutput ?? DEFAULT_MAX_OUTPUT);
    this.err = new BoundedOutput(maxOutput ?? DEFAULT_MAX_OUTPUT);
  }

  stdout(b: Buffer): void {
    this.out.push(b);
  }

  stderr(text: string): void {
    this.err.push(Buffer.from(text, 'utf8'));
  }

  result(rc: number): RawResult {
    const out = this.out.result();
    const err = this.err.result();
    const r: RawResult = { rc, stdout: out.text, stderr: err.text };
    if (out.droppedBytes > 0) r.stdoutDroppedBytes = out.droppedBytes;
    if (err.droppedBytes > 0) r.stderrDroppedBytes = err.droppedBytes;
    return r;
  }
}

/**
 * The command line for raw: as given (the login shell runs it, as Ansible's raw does),
 * under `executable -c` when one is named, and under sudo or su for become (which needs a shell).
 */
export function rawCommand(command: string, opts: Pick<RawOptions, 'become' | 'executable'>): string {
  const b = opts.become;
  if (b !== undefined) return becomeArgv(b, opts.executable ?? '/bin/sh', command).map(shq).join(' ');
  return opts.executable === undefined ? command : `${shq(opts.executable)} -c ${shq(command)}`;
}

/** Drops the become program's password prompt from what it printed on stderr, answering it once. */
export function becomeAnswerer(become: BecomeSpec | undefined, write: (s: string) => void): (text: string) => string {
  let answered = false;
  const method = become === undefined ? 'sudo' : methodOf(become);
  return (text) => {
    if (become?.password === undefined) return text;
    let out = text;
    for (let p = findPrompt(method, out); p !== undefined; p = findPrompt(method, out)) {
      if (!answered) {
        answered = true;
        write(`${become.password}\n`);
      }
      out = out.slice(0, p.at) + out.slice(p.at + p.length);
    }
    return out;
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
  const output = new RawOutput(opts.maxOutput);
  return deadline<RawResult>(
    (s) => {
      const answer = becomeAnswerer(opts.become, (text) => channel.end(text));
      channel.on('data', (b: Buffer) => {
        output.stdout(b);
      });
      channel.stderr.on('data', (b: Buffer) => {
        output.stderr(answer(b.toString('utf8')));
      });
      channel.on('error', () => undefined);
      onceClosed(channel, (code) => {
        s.resolve(output.result(code ?? -1));
      });
      // No stdin (but what the caller gives): the password, if sudo or su asks, is the only thing written.
      if (opts.become?.password === undefined) channel.end(opts.stdin);
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
