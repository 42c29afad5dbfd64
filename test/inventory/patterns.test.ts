import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FtlError } from '../../src/base/errors.js';
import { foldHosts } from '../../src/base/hostset.js';
import { evaluatePattern, splitPattern, type PatternSource } from '../../src/inventory/patterns.js';

const hosts = ['lab01', 'lab02', 'lab03', 'lab07', 'web1', 'web2', 'web10', 'db1', 'db01', 'n08', 'n9', 'n10', '10.0.0.1', '10.0.0.2', 'localhost'];
const groups: Record<string, string[]> = { lab: ['lab01', 'lab02', 'lab03', 'lab07'], web: ['web1', 'web2', 'web10'], all: hosts };
const src: PatternSource = {
  groupNames: () => Object.keys(groups),
  hostNames: () => hosts,
  hostsOfGroup: (g) => groups[g] ?? [],
  allHosts: () => hosts,
  implicit: () => undefined,
};

describe('host patterns', () => {
  it('a list of thousands of names (what a NATS worker is sent) keeps its order, drops repeats and names it does not know, then applies & and !', () => {
    const many = Array.from({ length: 5000 }, (_, i) => `h${String(i).padStart(5, '0')}`);
    const big: PatternSource = { groupNames: () => ['all', 'odd'], hostNames: () => many, hostsOfGroup: (g) => (g === 'odd' ? many.filter((_, i) => i % 2 === 1) : many), allHosts: () => many, implicit: () => undefined };
    const asked = [...many].reverse();
    const pattern = [...asked, 'h00007', 'nosuch', 'odd'].join(',');
    const got = evaluatePattern(big, pattern);
    assert.equal(got.length, 5000);
    assert.deepEqual(got.slice(0, 2), ['h04999', 'h04998'], 'in the order written');
    assert.deepEqual(evaluatePattern(big, `${asked.slice(0, 10).join(',')},&odd,!h04999`), ['h04997', 'h04995', 'h04993', 'h04991']);
  });

  it('any host text results print (folded) is a target that gives those hosts back', () => {
    const lists = [['lab01', 'lab02'], ['lab01', 'lab02', 'lab03', 'lab07'], ['lab01', 'lab03', 'web1', 'web2'], ['db1', 'web10', 'web2'], ['n08', 'n9', 'n10'], ['10.0.0.1', '10.0.0.2'], ['lab02', 'localhost']];
    for (const list of lists) {
      const folded = foldHosts(list);
      assert.deepEqual(new Set(evaluatePattern(src, folded)), new Set(list), `${folded} gives ${list.join(' ')}`);
    }
    assert.deepEqual(evaluatePattern(src, 'lab[01-03,07]'), ['lab01', 'lab02', 'lab03', 'lab07']);
    assert.deepEqual(evaluatePattern(src, 'lab[01,03]:web1'), ['lab01', 'lab03', 'web1']);
  });

  it('commas inside brackets do not split a pattern; Ansible subscripts and globs still work', () => {
    assert.deepEqual(splitPattern('db1,web[01-03,07]'), ['db1', 'web[01-03,07]']);
    assert.deepEqual(splitPattern('web:&lab'), ['web', '&lab']);
    assert.deepEqual(evaluatePattern(src, 'lab[0]'), ['lab01']);
    assert.deepEqual(evaluatePattern(src, 'lab[1:2]'), ['lab02', 'lab03']);
    assert.deepEqual(evaluatePattern(src, 'lab0[1-3]'), ['lab01', 'lab02', 'lab03']);
    assert.deepEqual(evaluatePattern(src, 'web?'), ['web1', 'web2']);
  });

  it('a range that reads backwards matches nothing, and a broken glob is an error that names it, never a crash', () => {
    assert.deepEqual(evaluatePattern(src, 'lab[9-1]'), []);
    assert.throws(
      () => evaluatePattern(src, 'lab[z-a]'),
      (e: unknown) => e instanceof FtlError && e.code === 'FTL_PATTERN_NO_MATCH' && /the pattern 'lab\[z-a\]' is not a valid glob/.test(e.message) && !/Invalid regular expression/.test(e.message),
    );
  });
});
