import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { linesOf } from '../../src/actions/results.js';
import { shellWords } from '../../src/actions/script.js';
import { gateText } from '../../src/actions/transfer.js';

/** Runs Python on JSON input, returns its JSON output. */
function python(code: string, input: unknown): unknown {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', code], { input: JSON.stringify(input), encoding: 'utf8' })) as unknown;
}

describe('bytes as gate text', () => {
  it('any bytes come back the same after Python encodes the text with surrogateescape (as the native copy does)', () => {
    const samples = [
      Buffer.from('plain ascii\n'),
      Buffer.from('utf-8: é ☃ 𝄞\n'),
      Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate: not UTF-8 for Python
      Buffer.from([0xc0, 0x80, 0xe0, 0x80, 0x80, 0xf0, 0x80, 0x80, 0x80]), // overlong forms
      Buffer.from([0xf4, 0x90, 0x80, 0x80]), // past U+10FFFF
      Buffer.from([0xe2, 0x82, 0x41, 0xc3]), // cut-off sequences
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      randomBytes(4096),
    ];
    const back = python(
      'import json,sys,base64\nprint(json.dumps([base64.b64encode(t.encode("utf-8","surrogateescape")).decode() for t in json.load(sys.stdin)]))',
      samples.map(gateText),
    ) as string[];
    assert.deepEqual(back.map((b) => Buffer.from(b, 'base64').toString('hex')), samples.map((s) => s.toString('hex')));
  });

  it('UTF-8 text stays as it is (no escaping, no growth)', () => {
    assert.equal(gateText(Buffer.from('héllo ☃\n')), 'héllo ☃\n');
  });
});

describe('script command lines', () => {
  it('split into words as Python shlex.split does', () => {
    const lines = [`run.sh a 'b c' "d e" f\\ g`, `x "quote \\" inside" 'single'"joined"`, `  spaced   out  `, `a"b"c 'it'"'"'s'`];
    const theirs = python('import json,sys,shlex\nprint(json.dumps([shlex.split(l) for l in json.load(sys.stdin)]))', lines);
    assert.deepEqual(lines.map(shellWords), theirs);
  });
});

describe('output lines', () => {
  it('split as Python str.splitlines()', () => {
    const texts = ['a\nb\n', 'a\r\nb', '', '\n', 'x\ry\x0bz\x0c1\x1c2\u20283', 'no end'];
    const theirs = python('import json,sys\nprint(json.dumps([t.splitlines() for t in json.load(sys.stdin)]))', texts);
    assert.deepEqual(texts.map(linesOf), theirs);
  });
});
