import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FtlError } from '../../src/base/errors.js';
import { automation, type Ftl } from '../../src/run/automation.js';
import { coreOf } from '../../src/run/ftl-object.js';

describe('call options are checked before any host is touched', () => {
  let ftl: Ftl;
  before(async () => {
    ftl = await automation();
  });
  after(async () => {
    await ftl.close();
  });

  it('a wrong type names the option and what it takes', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ timeout: 'x' }, /call option 'timeout' must be a positive number of seconds, not 'x'/],
      [{ timeout: -1 }, /'timeout' must be a positive number/],
      [{ forks: 1.5 }, /call option 'forks' must be a positive whole number, not 1.5/],
      [{ check: 'yes' }, /call option 'check' must be true or false, not 'yes'/],
      [{ become: 3 }, /call option 'become' must be true, false or a user name/],
      [{ vars: [1] }, /call option 'vars' must be an object/],
      [{ maxOutput: 0 }, /call option 'maxOutput' must be a positive whole number of bytes, not 0/],
      [{ tiemout: 3 }, /unknown call option 'tiemout' for ping/],
    ];
    for (const [opts, re] of cases) {
      await assert.rejects(ftl.run('localhost', 'ping', {}, opts), (e: unknown) => {
        assert.ok(e instanceof FtlError, String(e));
        assert.equal(e.code, 'FTL_USAGE');
        assert.match(e.message, re);
        return true;
      });
    }
    assert.equal(coreOf(ftl).last, undefined, 'nothing ran');
  });

  it('good options run the call with them', async () => {
    const r = await ftl.run('localhost', 'file', { path: '/nonexistent-ftl/x', state: 'directory' }, { check: true, timeout: 30, forks: 1 });
    assert.deepEqual(r.changed, ['localhost'], 'check mode reports the change it would make');
  });
});
