import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FrameDecoder, type GateMessage } from '../../src/gate/codec.js';

function decodeAll(chunks: Buffer[]): GateMessage[] {
  const d = new FrameDecoder();
  const out = chunks.flatMap((c) => d.push(c));
  d.end();
  return out;
}

/** A frame around any body text, valid or not. */
function raw(body: string): Buffer {
  return Buffer.concat([Buffer.from(Buffer.byteLength(body).toString(16).padStart(8, '0')), Buffer.from(body)]);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('frame codec', () => {
  const frames = Buffer.concat([encodeFrame('Hello', { capabilities: ['multiplex'] }), encodeFrame('Module', { module_name: 'ping', x: 'héllo ✓ 日本' }, 7), encodeFrame('Goodbye', {}, 8)]);
  const expected = [
    { type: 'Hello', data: { capabilities: ['multiplex'] }, id: undefined },
    { type: 'Module', data: { module_name: 'ping', x: 'héllo ✓ 日本' }, id: 7 },
    { type: 'Goodbye', data: {}, id: 8 },
  ];

  it('decodes frames split at every byte boundary', () => {
    for (let cut = 0; cut <= frames.length; cut++) {
      assert.deepEqual(decodeAll([frames.subarray(0, cut), frames.subarray(cut)]), expected, `cut at ${cut}`);
    }
  });
  it('decodes frames fed one byte at a time', () => {
    assert.deepEqual(decodeAll([...frames].map((b) => Buffer.from([b]))), expected);
  });
  it('counts bytes, not characters, for non-ASCII bodies', () => {
    const f = encodeFrame('X', 'é');
    assert.equal(f.subarray(0, 8).toString(), (Buffer.byteLength('["X","é"]')).toString(16).padStart(8, '0'));
  });
  it('skips whitespace before the length and before the body, as typed by hand', () => {
    const typed = Buffer.from('\n  0000000d\n["Hello", {}]  \r\n0000000f ["Info", {}, 3]');
    assert.deepEqual(decodeAll([typed]), [
      { type: 'Hello', data: {}, id: undefined },
      { type: 'Info', data: {}, id: 3 },
    ]);
  });
  it('decodes a 10 MiB body arriving in 64 KiB chunks', () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const f = encodeFrame('Big', { big }, 1);
    const chunks: Buffer[] = [];
    for (let i = 0; i < f.length; i += 65536) chunks.push(f.subarray(i, i + 65536));
    const [m] = decodeAll(chunks);
    assert.equal((m?.data as { big: string }).big.length, big.length);
  });
  it('refuses a length over 64 MiB before reading any body', () => {
    const d = new FrameDecoder();
    assert.equal(codeOf(() => d.push(Buffer.from('04000001'))), 'FTL_PROTOCOL_TOO_LARGE');
    assert.equal(d.buffered, 8);
  });
  it('names each malformed frame', () => {
    assert.equal(codeOf(() => new FrameDecoder().push(Buffer.from('0000zz0d["Hello", {}]'))), 'FTL_PROTOCOL_BAD_LENGTH');
    assert.equal(codeOf(() => new FrameDecoder().push(Buffer.from('00000003abc'))), 'FTL_PROTOCOL_BAD_JSON');
    assert.equal(codeOf(() => new FrameDecoder().push(Buffer.from('00000002{}'))), 'FTL_PROTOCOL_BAD_SHAPE');
    assert.equal(codeOf(() => new FrameDecoder().push(raw('["a",1,2,3]'))), 'FTL_PROTOCOL_BAD_SHAPE');
    assert.equal(codeOf(() => new FrameDecoder().push(raw('["a",1,"x"]'))), 'FTL_PROTOCOL_BAD_SHAPE');
    assert.equal(codeOf(() => new FrameDecoder().push(raw('[1,{}]'))), 'FTL_PROTOCOL_BAD_SHAPE');
    assert.match(((() => { try { new FrameDecoder().push(Buffer.from('0000zz0d')); } catch (e) { return (e as Error).message; } return ''; })()), /"0000zz0d"/);
  });
  it('an end of input inside a frame is an error; between frames it is a clean close', () => {
    const d = new FrameDecoder();
    d.push(frames.subarray(0, 12));
    assert.equal(codeOf(() => { d.end(); }), 'FTL_PROTOCOL_TRUNCATED');
    const ok = new FrameDecoder();
    ok.push(encodeFrame('A', {}));
    ok.end();
  });
});
