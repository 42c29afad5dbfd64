import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cliModuleArgs, parseKv, parseModuleArgs, splitArgs } from '../../src/commands/kv.js';

// Expected values are what ansible's parse_kv gives for the same text (checked against
// Ansible itself in module-args-parity.test.ts, full tier).
describe('-a as ansible reads it', () => {
  it('k=v words, quoted values with spaces, = inside quotes, escapes', () => {
    assert.deepEqual(parseKv('k=v k2="v 2"', false), { k: 'v', k2: 'v 2' });
    assert.deepEqual(parseKv(`msg='it\\'s' path="/a b/c=d"`, false), { msg: "it's", path: '/a b/c=d' });
    assert.deepEqual(parseKv('msg="a\\nb" t=\\x41', false), { msg: 'a\nb', t: 'A' });
    assert.deepEqual(parseKv('path=/tmp\\=x', false), { path: '/tmp\\=x' });
    assert.deepEqual(parseKv('k=a"b c"', false), { k: 'a"b c"' }, 'only a pair of outer quotes goes');
    assert.throws(() => parseKv('k=v"', false), /unbalanced quotes/);
    assert.deepEqual(parseKv('x=1  y=2', false), { x: '1', y: '2' });
  });
  it('free-form text for command and shell: spacing kept, only their own options are k=v', () => {
    assert.deepEqual(parseKv('echo  "a b"  c=d', true), { _raw_params: 'echo  "a b"  c=d' });
    assert.deepEqual(parseKv('chdir=/tmp ls -l', true), { chdir: '/tmp', _raw_params: 'ls -l' });
    assert.deepEqual(parseKv('cmd=uptime', true), { _raw_params: 'cmd=uptime' }, "ansible's -a does not know cmd= for command");
    assert.deepEqual(parseKv('echo {{ a }} {% if x %}y{% endif %}', true), { _raw_params: 'echo {{ a }} {% if x %}y{% endif %}' });
    assert.deepEqual(parseKv('line1\nline2 k=v', true), { _raw_params: 'line1\nline2 k=v' });
  });
  it('words are kept together inside quotes and {{ }}', () => {
    assert.deepEqual(splitArgs('a=b c="foo bar" d={{ x | default("y z") }}'), ['a=b', 'c="foo bar"', 'd={{ x | default("y z") }}']);
    assert.throws(() => splitArgs('msg="open'), /unbalanced quotes or \{\{ \}\} in the module args/);
  });
  it('a JSON object, as ansible takes it; braces that are not JSON are a command for command/shell', () => {
    assert.deepEqual(parseModuleArgs('{"name": ["a", "b"], "n": 1}', false), { name: ['a', 'b'], n: 1 });
    assert.deepEqual(parseModuleArgs('{ echo a; echo b; }', true), { _raw_params: '{ echo a; echo b; }' });
    assert.throws(() => parseModuleArgs('{name: x}', false), /-a looks like JSON but is not valid/);
  });
});

describe('the module args of ftl run', () => {
  it('--args JSON, then -a, then positional words, later winning; free-form text joined', () => {
    assert.deepEqual(cliModuleArgs('copy', { json: '{"dest": "/a", "mode": "0600"}', moduleArgs: 'dest=/b', words: ['owner=me'] }), { dest: '/b', mode: '0600', owner: 'me' });
    assert.deepEqual(cliModuleArgs('ansible.builtin.shell', { moduleArgs: 'echo a', words: ['chdir=/tmp'] }), { _raw_params: 'echo a', chdir: '/tmp' });
  });
  it('the positional form keeps cmd= for command (ftl run web command cmd=uptime); a word with spaces stays one word', () => {
    assert.deepEqual(cliModuleArgs('command', { words: ['cmd=uptime'] }), { cmd: 'uptime' });
    assert.deepEqual(cliModuleArgs('command', { words: ['echo', 'a=b'] }), { _raw_params: 'echo a=b' });
    assert.deepEqual(cliModuleArgs('copy', { words: ['content=a b', 'dest=/tmp/x'] }), { content: 'a b', dest: '/tmp/x' });
  });
  it('free-form text for a module that takes none is an error naming it, as ansible refuses "extra params"', () => {
    assert.throws(() => cliModuleArgs('ping', { moduleArgs: 'foo' }), /ping takes key=value args, not free-form text \('foo'\)/);
    assert.throws(() => cliModuleArgs('file', { words: ['/tmp/x'] }), /file takes key=value args/);
  });
});
