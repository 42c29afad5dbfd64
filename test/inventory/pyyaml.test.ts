import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readYaml } from '../../src/inventory/sources.js';
import { iniValue } from '../../src/inventory/py-literal.js';
import { pyFloatRepr } from '../../src/inventory/pyyaml.js';

/** One `key: <text>` document, read as ftl reads inventories and vars files. */
const scalar = (text: string): unknown => (readYaml(`v: ${text}\n`, 'test.yml') as { v: unknown }).v;

// The expected values are what PyYAML (Ansible's YAML reader) makes of each plain scalar;
// test/inventory/ansible-parity.test.ts checks the same cases against ansible-inventory itself.
describe('YAML scalars as PyYAML reads them', () => {
  it('booleans: only yes/no/true/false/on/off in lower, Title and UPPER case; y and n stay text', () => {
    for (const t of ['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']) assert.equal(scalar(t), true, t);
    for (const t of ['no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']) assert.equal(scalar(t), false, t);
    for (const t of ['y', 'Y', 'n', 'N', 'yEs', 'tRUE', 'oN']) assert.equal(scalar(t), t, t);
    assert.equal(scalar('!!bool "oN"'), true, 'an explicit !!bool takes any casing');
  });
  it('integers: octal 0644, hex, binary, underscores, signs and base 60; 0o644 and 09 stay text', () => {
    const cases: [string, unknown][] = [
      ['0644', 420], ['0_644', 420], ['-0644', -420], ['0x1F', 31], ['0x_1F', 31], ['+0x1F', 31], ['0b101', 5], ['-0b11', -3], ['1_000', 1000], ['1__0', 10],
      ['+1', 1], ['-0', 0], ['1:20', 80], ['-1:20', -80], ['190:20:30', 685230], ['0o644', '0o644'], ['09', '09'], ['1:60', '1:60'], ['_1', '_1'],
    ];
    for (const [text, want] of cases) assert.equal(scalar(text), want, text);
  });
  it('floats need a dot, and a sign on the exponent; .inf, -.inf and .nan in their three casings', () => {
    const cases: [string, unknown][] = [
      ['1.5', 1.5], ['1.', 1], ['.5', 0.5], ['1.0e+3', 1000], ['1.5e-3', 0.0015], ['1_000.5', 1000.5], ['1:20.5', 80.5],
      ['1e3', '1e3'], ['1.0e3', '1.0e3'], ['.inf', Infinity], ['-.inf', -Infinity], ['+.Inf', Infinity], ['.INF', Infinity], ['-.nan', '-.nan'], ['.iNf', '.iNf'],
    ];
    for (const [text, want] of cases) assert.equal(scalar(text), want, text);
    assert.ok(Number.isNaN(scalar('.nan')) && Number.isNaN(scalar('.NaN')) && Number.isNaN(scalar('.NAN')));
    assert.equal(scalar('!!float "1"'), 1);
  });
  it('nulls: ~, null, Null, NULL and nothing; other casings are text', () => {
    for (const t of ['~', 'null', 'Null', 'NULL', '']) assert.equal(scalar(t), null, JSON.stringify(t));
    assert.equal(scalar('nUll'), 'nUll');
  });
  it('dates and timestamps come out as the text ansible-inventory prints (Python isoformat)', () => {
    const cases: [string, string][] = [
      ['2024-01-02', '2024-01-02'],
      ['2001-12-15T02:59:43.1Z', '2001-12-15T02:59:43.100000+00:00'],
      ['2001-12-14t21:59:43.10-05:00', '2001-12-14T21:59:43.100000-05:00'],
      ['2001-12-14 21:59:43.10 -5', '2001-12-14T21:59:43.100000-05:00'],
      ['2001-12-14 21:59:43', '2001-12-14T21:59:43'],
      ['2001-12-14 21:59:43.1234567', '2001-12-14T21:59:43.123456'],
      ['2001-1-2 1:59:43', '2001-01-02T01:59:43'],
      ['2001-12-14T21:59:43.000+05:30', '2001-12-14T21:59:43+05:30'],
    ];
    for (const [text, want] of cases) assert.equal(scalar(text), want, text);
    assert.equal(scalar('2024-1-2'), '2024-1-2', 'a date alone needs two-digit month and day');
    assert.throws(() => scalar('2024-02-30'), /test\.yml.*day is out of range/, 'an impossible date is an error naming the file, as in Ansible');
  });
  it('tags, merge keys, repeated keys, and keys named as Python json names them', () => {
    assert.equal(scalar('!!str 123'), '123');
    assert.equal(scalar('!!str yes'), 'yes');
    assert.equal(scalar('!!int "12"'), 12);
    const doc = readYaml(
      ['base: &b {x: 1, y: 2}', 'merged: {<<: *b, y: 3}', 'list: {<<: [{a: 1, b: 1}, {b: 2, c: 2}], c: 3}', 'dup: 1', 'dup: 2', 'keys: {1: i, 1.5: f, 2.0: w, null: n, false: b}', 'omap: !!omap [a: 1, b: 2]', ''].join('\n'),
      't.yml',
    );
    assert.deepEqual(doc, {
      base: { x: 1, y: 2 },
      merged: { x: 1, y: 3 },
      list: { a: 1, b: 1, c: 3 },
      dup: 2,
      keys: { '1': 'i', '1.5': 'f', '2.0': 'w', null: 'n', false: 'b' },
      omap: [['a', 1], ['b', 2]],
    });
  });
  it('JSON first, as Ansible reads files: 1e3 is a number in JSON and text in YAML', () => {
    assert.deepEqual(readYaml('{"a": 1e3, "b": "yes"}', 'v.json'), { a: 1000, b: 'yes' });
    assert.deepEqual(readYaml('{a: 1e3, b: yes}', 'v.yml'), { a: '1e3', b: true });
  });
  it('floats as Python writes them', () => {
    assert.deepEqual([1, 1.5, 1e20, 1.5e-5, 0.0001, -0, 1e16, 123456789012345.6].map(pyFloatRepr), ['1.0', '1.5', '1e+20', '1.5e-05', '0.0001', '-0.0', '1e+16', '123456789012345.6']);
  });
});

describe('INI values as ast.literal_eval reads them', () => {
  it('numbers, strings, constants and containers; anything else is the text', () => {
    const cases: [string, unknown][] = [
      ['0x1F', 31], ['0o17', 15], ['0b101', 5], ['1_000', 1000], ['1e3', 1000], ['.5', 0.5], ['-3', -3], ['+4', 4], ['012', '012'],
      ["'a b'", 'a b'], ['"x"', 'x'], ["'tab\\there'", 'tab\there'], ["'a' 'b'", 'ab'], ["r'\\n'", '\\n'], ["b'bytes'", 'bytes'], ["'\\x41\\u00e9\\101'", 'AéA'],
      ["[1, 'two', True, None]", [1, 'two', true, null]], ['(1, 2)', [1, 2]], ['(1,)', [1]], ['(7)', 7], ['()', []],
      ["{'k': [1, {'n': None}], 2: 'int key', None: 0}", { k: [1, { n: null }], 2: 'int key', null: 0 }],
      ['42 # a comment', 42], ['True', true], ['False', false], ['None', null],
      ['yes', 'yes'], ['true', 'true'], ['/usr/bin/python3', '/usr/bin/python3'], ['10.0.0.1', '10.0.0.1'], ['::1', '::1'], ['1+2', '1+2'], ['[1, 2,', '[1, 2,'], ['1j', '1j'], ["'open", "'open"],
    ];
    for (const [text, want] of cases) assert.deepEqual(iniValue(text), want, text);
  });
});
