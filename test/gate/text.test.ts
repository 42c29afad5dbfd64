import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gateBytes, gateText } from '../../src/gate/text.js';

describe('gate text and bytes (surrogateescape)', () => {
  it('bytes that are not UTF-8 round-trip through lone surrogates; valid text is untouched', () => {
    const samples = [
      Buffer.from('plain ascii'),
      Buffer.from('héllo wörld ✓ 😀'),
      Buffer.concat([Buffer.from('caf'), Buffer.of(0xe9), Buffer.from('/x')]),
      Buffer.of(0xff, 0xfe, 0x00, 0x80, 0xc3),
      Buffer.of(0xed, 0xa0, 0x80), // an encoded surrogate is not UTF-8 either
      Buffer.concat([Buffer.from('😀'), Buffer.of(0xf0, 0x9f)]), // a sequence cut short
    ];
    for (const b of samples) assert.deepEqual(gateBytes(gateText(b)), b, b.toString('hex'));
    assert.equal(gateText(Buffer.of(0x61, 0xe9)), 'a\udce9');
  });

  it('JSON carries the escapes as Python writes them, and they parse back to the same code units', () => {
    const text = JSON.parse('"caf\\udce9"') as string;
    assert.deepEqual(gateBytes(text), Buffer.of(0x63, 0x61, 0x66, 0xe9));
    assert.equal(JSON.stringify(text), '"caf\\udce9"');
  });
});
