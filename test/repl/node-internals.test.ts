import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import repl from 'node:repl';
import { test } from 'node:test';
import {
  NODE_RANGE,
  nodeSupported,
  replCompleter,
  replDomain,
  replEval,
  replHistory,
  setReplEval,
  setReplLast,
  replTtyWrite,
  setReplTtyWrite,
} from '../../src/repl/node-internals.js';

function server(): repl.REPLServer {
  const input = new PassThrough();
  const output = new PassThrough();
  output.resume();
  return repl.start({ input, output, prompt: '> ', terminal: false });
}

test('the Node range covers this Node and refuses majors outside it', () => {
  assert.equal(nodeSupported(), true, `this Node (${process.versions.node}) must be in ${String(NODE_RANGE.min)}–${String(NODE_RANGE.max)}`);
  assert.equal(nodeSupported('19.9.0'), false);
  assert.equal(nodeSupported(`${String(NODE_RANGE.max + 1)}.0.0`), false);
  assert.equal(nodeSupported(`${String(NODE_RANGE.min)}.0.0`), true);
  assert.equal(nodeSupported('garbage'), false);
});

test("node:repl still has the internals ftl relies on: eval, completer, history, _ and its domain", async () => {
  const r = server();
  try {
    assert.equal(typeof replEval(r), 'function', 'REPLServer.eval');
    assert.ok(Array.isArray(replHistory(r)), 'REPLServer.history');
    assert.ok(replDomain(r) !== undefined, 'REPLServer._domain');
    const [completions] = await new Promise<[string[], string]>((resolve, reject) => {
      replCompleter(r)('Mat', (err, res) => {
        if (err !== null || res === undefined) reject(err ?? new Error('no completion'));
        else resolve(res);
      });
    });
    assert.ok(completions.includes('Math'), 'the completer still completes globals');

    // A wrapped eval is the one node:repl calls for a line.
    const seen: string[] = [];
    const inner = replEval(r);
    setReplEval(r, (code, ctx, file, cb) => {
      seen.push(code.trim());
      inner(code, ctx, file, cb);
    });
    const value = await new Promise<unknown>((resolve, reject) => {
      replEval(r)('1 + 2\n', r.context, 'repl', (err, res) => {
        if (err !== null) reject(err);
        else resolve(res);
      });
    });
    assert.equal(value, 3);
    assert.deepEqual(seen, ['1 + 2']);

    // `_` as set by ftl is what the next line reads.
    setReplLast(r, { changed: true });
    const last = await new Promise<unknown>((resolve, reject) => {
      replEval(r)('_.changed\n', r.context, 'repl', (err, res) => {
        if (err !== null) reject(err);
        else resolve(res);
      });
    });
    assert.equal(last, true);
  } finally {
    r.close();
  }
});

test("a terminal node:repl still takes its keys through _ttyWrite, which ftl wraps to hold what is typed while a line runs", () => {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
  const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
  output.resume();
  const r = repl.start({ input, output, prompt: '> ', terminal: true });
  try {
    const keys: string[] = [];
    const inner = replTtyWrite(r);
    assert.equal(typeof inner, 'function', 'REPLServer._ttyWrite');
    setReplTtyWrite(r, (d, key) => {
      keys.push(d ?? '');
      inner?.(d, key);
    });
    input.write('x');
    assert.deepEqual(keys, ['x'], 'readline calls the wrapped key handler');
    assert.equal(r.line, 'x', 'and the key still reaches the line editor');
  } finally {
    r.close();
  }
});
