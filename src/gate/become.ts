import { PassThrough, Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { BecomeError, type FtlError } from '../base/errors.js';

/**
 * Becoming another user with sudo, as Ansible does it: sudo runs a shell that prints a
 * marker and then execs the gate. Until the marker shows on stdout, sudo owns the
 * stream: it may ask for a password on stderr (`-S` reads the answer from stdin), so
 * nothing of the gate protocol may be written before then, or sudo would take the
 * Hello frame for the password.
 */
export const BECOME_PROMPT = '[ftl-sudo-prompt@@]';

/** sudo's arguments up to the command: -n (never ask) without a password, -S (read it from stdin) with one. */
export function sudoArgs(user: string, withPassword: boolean): string[] {
  return withPassword ? ['sudo', '-S', '-p', BECOME_PROMPT, '-H', '-u', user, '--'] : ['sudo', '-n', '-H', '-u', user, '--'];
}

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
  /** Given to sudo on its first prompt only; never logged, never on a command line. */
  readonly password: string | undefined;
  /** Ends the process: a second prompt means the password was wrong. */
  readonly kill: () => void;
}

export interface SudoWatch {
  /** What the session writes to: held back until the marker shows that the gate is starting. */
  readonly stdin: Writable;
  /** The gate's stdout, from just after the marker. */
  readonly stdout: Readable;
  /** Why sudo did not start the gate, once that is known; undefined while it may still. */
  failure(): FtlError | undefined;
}

const STDERR_KEEP = 4000;

/** Watches sudo start a gate: answers its prompt once, holds the session's writes, and names what went wrong. */
export function watchSudo(raw: SudoStreams, opts: SudoWatchOptions): SudoWatch {
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
    let at = text.indexOf(BECOME_PROMPT);
    while (at >= 0) {
      prompts++;
      text = text.slice(0, at) + text.slice(at + BECOME_PROMPT.length);
      if (prompts === 1 && opts.password !== undefined) raw.stdin.write(`${opts.password}\n`);
      else {
        // Asked again (the password was wrong) or asked without one: sudo would wait for ever.
        refused = opts.password !== undefined;
        opts.kill();
      }
      at = text.indexOf(BECOME_PROMPT);
    }
  };
  raw.stderr.on('data', onErr);
  const as = `to become ${opts.user}`;
  return {
    stdin: held,
    stdout,
    failure() {
      if (stdout.passed) return undefined;
      if (refused) return new BecomeError('password-refused', `sudo on ${opts.host} refused the become password ${as}`, { host: opts.host });
      if (/password is required|a terminal is required|no askpass program/i.test(text) || (prompts > 0 && opts.password === undefined)) {
        return new BecomeError('password-required', `sudo on ${opts.host} wants a password ${as}`, { host: opts.host });
      }
      const said = text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /^sudo:|not in the sudoers|not allowed|incorrect password/i.test(l))
        .slice(-2)
        .join(' | ');
      if (said !== '') return new BecomeError('refused', `sudo on ${opts.host} would not run the gate ${as}: ${said}`, { host: opts.host });
      return undefined;
    },
  };
}
