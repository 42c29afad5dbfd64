import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FtlError } from '../../src/base/errors.js';
import { PasswordBook, passwordPrompt } from '../../src/base/passwords.js';

/** A reader that answers from a list and records the questions. */
function reader(answers: (string | Error)[]): { read: (prompt: string) => Promise<string>; prompts: string[] } {
  const prompts: string[] = [];
  return {
    prompts,
    read: async (prompt) => {
      prompts.push(prompt);
      await new Promise((r) => setTimeout(r, 5));
      const a = answers.shift();
      if (a instanceof Error) throw a;
      return a ?? '';
    },
  };
}

test('ten hosts asking at once get one question, and its answer', async () => {
  const r = reader(['s3cret']);
  const book = new PasswordBook(r.read);
  const got = await Promise.all(Array.from({ length: 10 }, (_, i) => book.ask({ kind: 'ssh', user: 'deploy', host: `web${String(i)}`, refused: undefined })));
  assert.deepEqual(new Set(got), new Set(['s3cret']));
  assert.deepEqual(r.prompts, ['SSH password for deploy@web0: ']);
});

test('a refused answer is asked again, unless someone typed a new one meanwhile', async () => {
  const r = reader(['first', 'second']);
  const book = new PasswordBook(r.read);
  assert.equal(await book.ask({ kind: 'ssh', user: 'u', host: 'a', refused: undefined }), 'first');
  const [a, b] = await Promise.all([book.ask({ kind: 'ssh', user: 'u', host: 'a', refused: 'first' }), book.ask({ kind: 'ssh', user: 'u', host: 'b', refused: 'first' })]);
  assert.deepEqual([a, b], ['second', 'second']);
  assert.deepEqual(r.prompts, ['SSH password for u@a: ', 'SSH password for u@a (the last one was refused): ']);
});

test('-k and -K answers are used without asking; an empty become answer means the SSH password', async () => {
  const given = new PasswordBook(reader([]).read, { ssh: 'pw-ssh', become: 'pw-become' });
  assert.equal(await given.ask({ kind: 'become', user: 'root', host: 'db', refused: undefined }), 'pw-become');
  const r = reader(['pw-ssh', '']);
  const book = new PasswordBook(r.read);
  await book.ask({ kind: 'ssh', user: 'u', host: 'db', refused: undefined });
  assert.equal(await book.ask({ kind: 'become', user: 'root', host: 'db', refused: undefined }), 'pw-ssh');
  assert.equal(r.prompts[1], 'BECOME password for db (sudo -u root)[defaults to SSH password]: ');
});

test('Ctrl-C at a question cancels the questions waiting behind it, not later ones', async () => {
  const r = reader([new FtlError('FTL_CANCELLED', 'no password given (Ctrl-C)'), 'later']);
  const book = new PasswordBook(r.read);
  const results = await Promise.allSettled([
    book.ask({ kind: 'ssh', user: 'u', host: 'a', refused: undefined }),
    book.ask({ kind: 'become', user: 'root', host: 'b', refused: undefined }),
  ]);
  assert.deepEqual(
    results.map((x) => x.status === 'rejected' && x.reason instanceof FtlError && x.reason.code),
    ['FTL_CANCELLED', 'FTL_CANCELLED'],
  );
  assert.equal(r.prompts.length, 1, 'the second was never shown');
  assert.equal(await book.ask({ kind: 'ssh', user: 'u', host: 'a', refused: undefined }), 'later');
});

test('the prompts say which host and user, never a password', () => {
  assert.equal(passwordPrompt({ kind: 'ssh', user: 'deploy', host: '10.0.0.5', refused: 'hunter2' }), 'SSH password for deploy@10.0.0.5 (the last one was refused): ');
  assert.ok(!passwordPrompt({ kind: 'become', user: 'root', host: 'db', refused: 'hunter2' }).includes('hunter2'));
});
