import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { emitKeypressEvents } from 'node:readline';
import { test } from 'node:test';
import { FtlError } from '../../src/base/errors.js';
import { readHidden } from '../../src/repl/hidden-input.js';

/** A terminal's input as readline sees it: bytes in, raw mode switched by the reader. */
class FakeTty extends PassThrough {
  isTTY = true;
  isRaw = false;
  rawCalls: boolean[] = [];
  setRawMode(on: boolean): this {
    this.isRaw = on;
    this.rawCalls.push(on);
    return this;
  }
}

function sink(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString('utf8')));
  return { out, text: () => text };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('reads a line without echoing it, with backspace, Ctrl-U and pasted text', async () => {
  const input = new FakeTty();
  const { out, text } = sink();
  const line = readHidden(input, out, 'Password: ');
  await tick();
  input.write('wrong');
  input.write('\x15'); // Ctrl-U: start again
  input.write('s3cX');
  input.write('\x7f'); // backspace
  input.write('ret-pä');
  input.write('\r');
  assert.equal(await line, 's3cret-pä');
  assert.equal(text(), 'Password: \n', 'only the prompt and a newline reach the screen');
  assert.deepEqual(input.rawCalls, [true, false], 'raw mode on while reading, back off after');
});

test('takes the keys from the line editor while it reads and gives them back', async () => {
  const seenByEditor: string[] = [];
  const editor = (s: string | undefined): void => {
    seenByEditor.push(s ?? '');
  };
  const input = new FakeTty();
  const { out } = sink();
  // The editor listens first; while the password is read it hears nothing.
  emitKeypressEvents(input);
  input.on('keypress', editor);
  const pw = readHidden(input, out, 'Password: ');
  input.write('hunter2\r');
  assert.equal(await pw, 'hunter2');
  assert.deepEqual(seenByEditor, [], 'the editor never saw the password');
  input.write('a');
  await tick();
  assert.deepEqual(seenByEditor, ['a'], 'the editor has its keys back');
});

test('Ctrl-C rejects as a cancellation and tells the caller', async () => {
  const input = new FakeTty();
  let interrupted = false;
  const line = readHidden(input, sink().out, 'Password: ', {
    onInterrupt: () => {
      interrupted = true;
    },
  });
  input.write('abc\x03');
  await assert.rejects(line, (e: unknown) => e instanceof FtlError && e.code === 'FTL_CANCELLED');
  assert.equal(interrupted, true);
  assert.equal(input.isRaw, false);
});
