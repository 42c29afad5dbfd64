import { closeSync, openSync } from 'node:fs';
import { emitKeypressEvents } from 'node:readline';
import type { Writable } from 'node:stream';
import { ReadStream, WriteStream } from 'node:tty';
import { FtlError } from '../base/errors.js';

/** A terminal input stream as readline sees it. */
export interface KeyInput extends NodeJS.EventEmitter {
  isRaw?: boolean;
  setRawMode?(on: boolean): unknown;
  resume(): unknown;
}

interface Key {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
  sequence?: string;
}

export interface HiddenReadOptions {
  /** Called on Ctrl-C, before the read rejects with FTL_CANCELLED (the REPL cancels the call). */
  onInterrupt?: () => void;
  /** Show what is typed (a question whose answer is no secret, such as a host count). */
  echo?: boolean;
}

/**
 * Reads one line from a terminal with echo off, from readline's keypress events. While
 * it reads, it takes the keys from whoever listens (the REPL's readline), so what is
 * typed never reaches the line editor, the screen or history; it gives them back after.
 */
export function readHidden(input: KeyInput, output: Writable, prompt: string, opts: HiddenReadOptions = {}): Promise<string> {
  emitKeypressEvents(input as NodeJS.ReadableStream);
  const saved = input.listeners('keypress') as ((...a: unknown[]) => void)[];
  input.removeAllListeners('keypress');
  const wasRaw = input.isRaw === true;
  input.setRawMode?.(true);
  input.resume();
  output.write(prompt);
  return new Promise<string>((resolve, reject) => {
    let chars: string[] = [];
    const finish = (): void => {
      input.removeListener('keypress', onKey);
      for (const l of saved) input.on('keypress', l);
      if (!wasRaw) input.setRawMode?.(false);
      output.write('\n');
    };
    const onKey = (s: string | undefined, key: Key | undefined): void => {
      const name = key?.name;
      if (key?.ctrl === true && (name === 'c' || (name === 'd' && chars.length === 0))) {
        finish();
        opts.onInterrupt?.();
        reject(new FtlError('FTL_CANCELLED', 'no password given (Ctrl-C)'));
        return;
      }
      if (name === 'return' || name === 'enter') {
        const line = chars.join('');
        chars = [];
        finish();
        resolve(line);
        return;
      }
      if (name === 'backspace') {
        if (chars.pop() !== undefined && opts.echo === true) output.write('\b \b');
        return;
      }
      if (key?.ctrl === true && name === 'u') {
        chars = [];
        return;
      }
      // Printable text only (pasted text arrives a character at a time); arrows and the like are ignored.
      if (s !== undefined && key?.ctrl !== true && key?.meta !== true && !s.startsWith('\x1b')) {
        for (const ch of s) {
          if (ch < ' ' || ch === '\x7f') continue;
          chars.push(ch);
          if (opts.echo === true) output.write(ch);
        }
      }
    };
    input.on('keypress', onKey);
  });
}

/**
 * The same from the controlling terminal (/dev/tty), for when stdin is a pipe
 * (`ftl run`, a piped REPL): fails clearly when there is none (cron, CI).
 */
export async function readHiddenFromTerminal(prompt: string, opts: HiddenReadOptions = {}): Promise<string> {
  let inFd: number;
  let outFd: number;
  try {
    inFd = openSync('/dev/tty', 'r');
  } catch {
    throw new FtlError('FTL_NO_TERMINAL', `${prompt.replace(/:\s*$/, '')} is needed, and there is no terminal to ask it on`);
  }
  try {
    outFd = openSync('/dev/tty', 'w');
  } catch {
    closeSync(inFd);
    throw new FtlError('FTL_NO_TERMINAL', `${prompt.replace(/:\s*$/, '')} is needed, and there is no terminal to ask it on`);
  }
  const input = new ReadStream(inFd);
  const output = new WriteStream(outFd);
  try {
    return await readHidden(input, output, prompt, opts);
  } finally {
    input.setRawMode(false);
    input.destroy();
    await new Promise<void>((r) => output.end(r));
    output.destroy();
  }
}
