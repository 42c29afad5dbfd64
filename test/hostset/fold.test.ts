import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expandHosts, foldHosts, naturalCompare } from '../../src/base/hostset.js';

describe('foldHosts', () => {
  it('folds runs, keeping zero padding', () => {
    assert.equal(foldHosts(['web01', 'web02', 'web03']), 'web[01-03]');
    assert.equal(foldHosts(['web03', 'web01', 'web02', 'web07', 'db1']), 'db1,web[01-03,07]');
  });
  it('keeps names without digits and single hosts as they are', () => {
    assert.equal(foldHosts(['localhost']), 'localhost');
    assert.equal(foldHosts(['b', 'a', 'node5']), 'a,b,node5');
  });
  it('folds on the last number only, and keeps suffixes', () => {
    assert.equal(foldHosts(['r1n1.dc', 'r1n2.dc', 'r2n1.dc']), 'r1n[1-2].dc,r2n1.dc');
    assert.equal(foldHosts(['10.0.0.1', '10.0.0.2', '10.0.0.3']), '10.0.0.[1-3]');
  });
  it('does not merge different paddings', () => {
    assert.equal(foldHosts(['n9', 'n10', 'n08']), 'n[08,9-10]');
  });
  it('round-trips', () => {
    const names = ['web01', 'web02', 'web04', 'db1', 'db2', 'lb', 'x10', 'x9'];
    assert.deepEqual(expandHosts(foldHosts(names)).sort(naturalCompare), [...names].sort(naturalCompare));
  });
});
