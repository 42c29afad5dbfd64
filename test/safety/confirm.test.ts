import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { PolicyError } from '../../src/base/errors.js';
import { readHidden } from '../../src/repl/hidden-input.js';
import { confirmOrRefuse, offersPreview, type ConfirmRequest } from '../../src/run/guard.js';

class FakeTty extends PassThrough {
  isTTY = true;
  isRaw = false;
  setRawMode(on: boolean): this {
    this.isRaw = on;
    return this;
  }
}

const req: ConfirmRequest = { module: 'file', pattern: 'web', hosts: ['web01', 'web02', 'web03'], why: 'a changing call on more than 2 hosts' };

describe('confirmations', () => {
  it('the question reader shows what is typed (echo), backspace included, and gives the line', async () => {
    const input = new FakeTty();
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => (text += b.toString('utf8')));
    const line = readHidden(input, out, 'type 3: ', { echo: true });
    await new Promise((r) => setImmediate(r));
    input.write('34');
    input.write('\x7f');
    input.write('\r');
    assert.equal(await line, '3');
    assert.equal(text, 'type 3: 34\b \b\n');
  });

  it('true goes on; false refuses (FTL_CONFIRM_REFUSED, naming the hosts and why); an answer of no declines', async () => {
    assert.equal(await confirmOrRefuse(true, req, undefined, undefined), 'confirmed');
    await assert.rejects(confirmOrRefuse(false, req, 'p.yaml#1', 'big'), (e: unknown) => e instanceof PolicyError && e.code === 'FTL_CONFIRM_REFUSED' && /file on 3 hosts \(web\[01-03\]\) needs a confirmation: a changing call on more than 2 hosts; nothing was run/.test(e.message) && e.rule === 'p.yaml#1');
    await assert.rejects(confirmOrRefuse(() => Promise.resolve(false), req, undefined, undefined), (e: unknown) => e instanceof PolicyError && e.code === 'FTL_CONFIRM_DECLINED');
    assert.equal(await confirmOrRefuse((r) => Promise.resolve(r.hosts.length === 3), req, undefined, undefined), 'confirmed');
  });

  it('a preview is offered where check mode shows something', () => {
    assert.equal(offersPreview('ansible.builtin.file'), true);
    assert.equal(offersPreview('community.general.ini_file'), true);
    assert.equal(offersPreview('ansible.builtin.command'), false);
    assert.equal(offersPreview('shell'), false);
  });
});
