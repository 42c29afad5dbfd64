import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ModuleIndex } from '../../src/modules/index.js';
import { maskNoLog, validateArgs } from '../../src/modules/validate.js';
import type { ModuleDoc } from '../../src/base/module-types.js';

describe('args checked against the real module docs before anything is sent', () => {
  let index: ModuleIndex;
  const doc = async (name: string): Promise<ModuleDoc> => {
    const d = await index.doc(name);
    assert.ok(d !== undefined, `docs of ${name}`);
    return d;
  };
  before(async () => {
    index = await ModuleIndex.load();
  });

  it('an unknown option names the closest ones', async () => {
    const file = await doc('ansible.builtin.file');
    assert.throws(() => validateArgs(file, { paht: '/x' }), /unknown option 'paht' for file; did you mean 'path'/);
  });

  it('a choice outside the list names the allowed values; aliases and real choices pass', async () => {
    const file = await doc('ansible.builtin.file');
    assert.throws(() => validateArgs(file, { path: '/x', state: 'dirctory' }), /option 'state' of file must be one of .*directory.*; got 'dirctory'/);
    assert.deepEqual(validateArgs(file, { dest: '/x', state: 'directory' }).args, { dest: '/x', state: 'directory' });
  });

  it("documented pseudo-choices such as '*regex*' let any value through", async () => {
    const lineinfile = await doc('ansible.builtin.lineinfile');
    assert.doesNotThrow(() => validateArgs(lineinfile, { path: '/x', line: 'c=3', insertafter: '^b=' }));
    assert.doesNotThrow(() => validateArgs(lineinfile, { path: '/x', line: 'c=3', insertafter: 'EOF' }));
  });

  it('types: a bool word passes, a word where a number is due does not; required options are named', async () => {
    const stat = await doc('ansible.builtin.stat');
    assert.doesNotThrow(() => validateArgs(stat, { path: '/', get_checksum: 'no' }));
    assert.throws(() => validateArgs(stat, { path: '/', get_checksum: 'maybe' }), /option 'get_checksum' of stat must be a boolean/);
    assert.throws(() => validateArgs(stat, {}), /stat needs the option 'path'/);
  });

  it('no_log values are masked in what is shown, and never echoed in errors', async () => {
    const user = await doc('ansible.builtin.user');
    const v = validateArgs(user, { name: 'x', password: 's3cret' });
    assert.ok(v.noLogKeys.includes('password'));
    assert.deepEqual(maskNoLog(v.args, v.noLogKeys), { name: 'x', password: '********' });
    assert.equal(v.args.password, 's3cret', 'the module still gets the value');
  });
});
