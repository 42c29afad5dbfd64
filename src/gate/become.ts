import { PassThrough, Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { BecomeError, type FtlError } from '../base/errors.js';
import { becomeComplaint, findPrompt, suRefusedPassword } from './become-command.js';

/**
 * Becoming another user with sudo or su, as Ansible does it: sudo (or su) runs a shell
 * that prints a marker and then execs the gate. Until the marker shows on stdout, the
 * become program owns the stream: it may ask for a password on stderr (sudo -S and su
 * both read the answer from stdin), so nothing of the gate protocol may be written
 * before then, or it would be taken for the password.
 */
export { BECOME_PROMPT, becomeArgv, becomeLabel, sudoArgs } from './become-command.js';

/** Passes bytes through once the marker has gone by; drops what came before it (rc-file chatter, sudo's lecture). */
export class AfterMarker extends Transform {
  private seen = false;
  private held = Buffer.alloc(0);
  constructor(private readonly marker: Buffer) {
    super();
  }
  get passed(): boolean {
    return this.seen;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.seen) {
      cb(null, chunk);
      return;
    }
    this.held = Buffer.concat([this.held, chunk]);
    const at = this.held.indexOf(this.marker);
    if (at < 0) {
      // Keep only what could still be the start of the marker.
      this.held = this.held.subarray(Math.max(0, this.held.length - this.marker.length + 1));
      cb();
      return;
    }
    this.seen = true;
    this.emit('marker');
    const rest = this.held.subarray(at + this.marker.length);
    this.held = Buffer.alloc(0);
    cb(null, rest.length > 0 ? rest : undefined);
  }
}

export interface SudoStreams {
  /** The process's (or channel's) own stdin, stdout and stderr. */
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
}

export interface SudoWatchOptions {
  readonly marker: string;
  readonly host: string;
  readonly user: string;
  /** sudo (the default) or su: how the prompt and the complaints look. */
  readonly method?: 'sudo' | 'su' | undefined;
  /** Given at the first prompt only; never logged, never on a command line. */
  readonly password: string | undefined;
  /** Ends the process: a second prompt means the password was wrong. */
  readonly kill: () => void;
}

export interface SudoWatch {
  /** What the client writes to: held back until the marker shows that the gate is starting. */
  readonly stdin: Writable;
  /** The gate's stdout, from just after the marker. */
  readonly stdout: Readable;
  /** Why sudo or su did not start the gate, once that is known; undefined while it may still. */
  failure(): FtlError | undefined;
}

const STDERR_KEEP = 4000;

/** Watches sudo or su start a gate: answers its prompt once, holds the client's writes, and names what went wrong. */
export function watchBecome(raw: SudoStreams, opts: SudoWatchOptions): SudoWatch {
  const method = opts.method ?? 'sudo';
  const held = new PassThrough();
  const stdout = new AfterMarker(Buffer.from(opts.marker));
  raw.stdout.pipe(stdout);
  stdout.once('marker', () => {
    held.pipe(raw.stdin);
  });
  let text = '';
  let prompts = 0;
  let refused = false;
  const onErr = (b: Buffer): void => {
    if (stdout.passed) {
      raw.stderr.off('data', onErr);
      return;
    }
    text = (text + b.toString('utf8')).slice(-STDERR_KEEP);
    for (let p = findPrompt(method, text); p !== undefined; p = findPrompt(method, text)) {
      prompts++;
      text = text.slice(0, p.at) + text.slice(p.at + p.length);
      if (prompts === 1 && opts.password !== undefined) raw.stdin.write(`${opts.password}\n`);
      else {
        // Asked again (the password was wrong) or asked without one: it would wait for ever.
        refused = opts.password !== undefined;
        opts.kill();
      }
    }
  };
  raw.stderr.on('data', onErr);
  const as = `to become ${opts.user}`;
  return {
    stdin: held,
    stdout,
    failure() {
      if (stdout.passed) return undefined;
      // su does not ask twice: it says so and ends.
      if (refused || (method === 'su' && prompts === 1 && opts.password !== undefined && suRefusedPassword(text))) {
        return new BecomeError('password-refused', `${method} on ${opts.host} refused the become password ${as}`, { host: opts.host });
      }
      if (/password is required|a terminal is required|no askpass program/i.test(text) || (prompts > 0 && opts.password === undefined)) {
        return new BecomeError('password-required', `${method} on ${opts.host} wants a password ${as}`, { host: opts.host });
      }
      const said = becomeComplaint(method, text);
      if (said !== '') return new BecomeError('refused', `${method} on ${opts.host} would not run the gate ${as}: ${said}`, { host: opts.host });
      return undefined;
    },
  };
}

/** The watcher's first name, from when sudo was the only way. */
export const watchSudo = watchBecome;
