import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostHash, ownsHost, parseShard, shardHosts } from '../../src/nats/shard.js';
import { decode, encode, PROTOCOL_VERSION, seal, unseal, subjects, validWorkerName, type CallRequest, type Message } from '../../src/nats/codec.js';
import { FtlError, UsageError } from '../../src/base/errors.js';

describe('sharding by a stable hash of the host name', () => {
  const hosts = Array.from({ length: 3000 }, (_v, i) => `web${String(i).padStart(4, '0')}.example.com`);
  it('every host is in exactly one of N shards, whatever the order of the list', () => {
    const shards = [1, 2, 3].map((k) => shardHosts({ index: k, count: 3 }, hosts));
    const all = shards.flat();
    assert.equal(all.length, hosts.length);
    assert.equal(new Set(all).size, hosts.length);
    const reversed = [1, 2, 3].map((k) => shardHosts({ index: k, count: 3 }, [...hosts].reverse()));
    for (const k of [0, 1, 2]) assert.deepEqual(new Set(reversed[k]), new Set(shards[k]));
  });
  it('spreads hosts evenly enough (each of 3 shards within 10% of a third)', () => {
    for (const k of [1, 2, 3]) {
      const n = shardHosts({ index: k, count: 3 }, hosts).length;
      assert.ok(Math.abs(n - 1000) < 100, `shard ${String(k)}/3 has ${String(n)} of 3000`);
    }
  });
  it('is the same value in every process: FNV-1a of the UTF-8 name (fixed vectors)', () => {
    assert.equal(hostHash(''), 0x811c9dc5);
    assert.equal(hostHash('a'), 0xe40c292c);
    assert.equal(hostHash('foobar'), 0xbf9cf968);
    assert.equal(ownsHost({ index: (hostHash('lab01') % 4) + 1, count: 4 }, 'lab01'), true);
  });
  it('--shard K/N is checked: 1 <= K <= N', () => {
    assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
    assert.deepEqual(parseShard(' 1 / 1 '), { index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0', '-1/2', '1.5/3']) {
      assert.throws(() => parseShard(bad), (e: unknown) => e instanceof UsageError && e.message.includes(`'${bad}'`), bad);
    }
  });
});

describe('NATS message codec', () => {
  const call: CallRequest = {
    kind: 'call',
    v: PROTOCOL_VERSION,
    id: 'c1',
    worker: 'w1',
    hosts: ['lab01', 'lab02'],
    module: 'command',
    args: 'uptime',
    opts: { check: false, diff: false, timeout: 30, forks: 50 },
  };
  it('round-trips every kind of message', () => {
    const msgs = [
      call,
      { ...call, args: { cmd: 'x' } },
      { kind: 'hb', v: 1, worker: 'w1', pid: 9, rule: 'shard 1/3', hosts: ['a'], intervalMs: 1000, calls: 0 },
      { kind: 'hello', v: 1 },
      { kind: 'cancel', v: 1, id: 'c1' },
      { kind: 'ack', v: 1, id: 'c1', worker: 'w1', hosts: ['a'] },
      { kind: 'host', v: 1, id: 'c1', worker: 'w1', result: { host: 'a', status: 'ok', result: { ping: 'pong' }, startedMs: 1, durationMs: 2 } },
      { kind: 'done', v: 1, id: 'c1', worker: 'w1', count: 1 },
      { kind: 'error', v: 1, id: 'c1', worker: 'w1', status: 'failed', message: 'no module' },
    ] satisfies Message[];
    for (const m of msgs) assert.deepEqual(decode(encode(m)), m);
  });
  it('drops what is not ours: not JSON, another version, a missing field, an unknown status or kind', () => {
    const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
    assert.equal(decode(bytes('not json')), undefined);
    assert.equal(decode(bytes(JSON.stringify({ ...call, v: 2 }))), undefined);
    assert.equal(decode(bytes(JSON.stringify({ ...call, hosts: 'lab01' }))), undefined);
    assert.equal(decode(bytes(JSON.stringify({ ...call, opts: { check: false } }))), undefined);
    assert.equal(decode(bytes(JSON.stringify({ kind: 'host', v: 1, id: 'c', worker: 'w', result: { host: 'a', status: 'great', result: {}, startedMs: 0, durationMs: 0 } }))), undefined);
    assert.equal(decode(bytes(JSON.stringify({ kind: 'shout', v: 1 }))), undefined);
    assert.equal(decode(bytes('[1,2]')), undefined);
  });
  it('sealed args open only with the same key and the same call id, and carry no value in clear', () => {
    const body = { args: { url_password: 'hunter2-secret' }, secrets: ['hunter2-secret'] };
    const sealed = seal('a shared key of some length', 'call-1', body);
    assert.ok(!Buffer.from(sealed, 'base64').toString('latin1').includes('hunter2'));
    assert.ok(!sealed.includes('hunter2'));
    assert.deepEqual(unseal('a shared key of some length', 'call-1', sealed), body);
    assert.throws(() => unseal('another key entirely!!', 'call-1', sealed), (e: unknown) => e instanceof FtlError && e.code === 'FTL_NATS' && /key differs/.test(e.message));
    assert.throws(() => unseal('a shared key of some length', 'call-2', sealed), (e: unknown) => e instanceof FtlError && e.code === 'FTL_NATS');
    // Two seals of the same body differ (a fresh IV each time).
    assert.notEqual(seal('k'.repeat(20), 'c', body), seal('k'.repeat(20), 'c', body));
  });
  it('subjects live under one prefix; worker names fit in a subject token', () => {
    const s = subjects('fleet');
    assert.equal(s.call('w1'), 'fleet.call.w1');
    assert.equal(s.results('abc'), 'fleet.res.abc');
    assert.equal(subjects().heartbeat, 'ftl.hb');
    assert.equal(validWorkerName('host-1_a'), true);
    for (const bad of ['', 'a.b', 'a b', 'a*', 'a>', 'x'.repeat(65)]) assert.equal(validWorkerName(bad), false, bad);
  });
});
