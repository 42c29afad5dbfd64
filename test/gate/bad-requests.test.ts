/**
 * Requests the gate cannot read, and replies it cannot send, fail that request alone:
 * the gate answers an Error for its id and goes on serving the others.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, FrameDecoder, type GateMessage } from '../../src/gate/codec.js';
import { spawnLocalGate } from '../../src/gate/local.js';
import { ensureGate, type GateBuild } from '../../src/gate/pyz.js';
import { GateClient } from '../../src/gate/client.js';
import type { GateTransport } from '../../src/gate/transport.js';

/** A gate spoken to frame by frame, raw bytes allowed. */
class RawGate {
  private readonly decoder = new FrameDecoder();
  private readonly got: GateMessage[] = [];
  private readonly waiters: (() => void)[] = [];
  constructor(readonly t: GateTransport) {
    t.stdout.on('data', (b: Buffer) => {
      this.got.push(...this.decoder.push(b));
      for (const w of this.waiters.splice(0)) w();
    });
  }
  write(bytes: Buffer | string): void {
    this.t.stdin.write(bytes);
  }
  async reply(id: number | undefined, timeoutMs = 30_000): Promise<GateMessage> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = this.got.find((x) => x.id === id);
      if (m !== undefined) return m;
      if (Date.now() > until) throw new Error(`no reply for id ${String(id)}; got ${JSON.stringify(this.got).slice(0, 300)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
}

function rawFrame(body: string | Buffer): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from(b.length.toString(16).padStart(8, '0'), 'ascii'), b]);
}

function nested(depth: number): unknown {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('requests the gate cannot read fail alone', () => {
  let dir: string;
  let build: GateBuild;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ftl-bad-req-'));
    build = await ensureGate({ cacheDir: dir });
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('bad JSON, a bad shape, a non-integer id and a frame over 64 MiB each get an Error; the gate goes on', async () => {
    const g = new RawGate(spawnLocalGate(build.path));
    try {
      g.write(encodeFrame('Hello', { capabilities: ['multiplex'] }));
      assert.equal((await g.reply(undefined)).type, 'Hello');
      g.write(rawFrame('["Module", {"module_name": "x", oops}, 7]'));
      const bad = await g.reply(7);
      assert.equal(bad.type, 'Error');
      assert.match((bad.data as { message: string }).message, /^Module request is not valid JSON/);
      g.write(rawFrame('{"not": "an array"}'));
      g.write(rawFrame('["Info", {}, "eight"]'));
      g.write(encodeFrame('Info', {}, 9));
      assert.equal((await g.reply(9)).type, 'InfoResult', 'the frames before were skipped, not fatal');
      // The body is skipped as it streams in: 65 MiB is never held.
      const big = Buffer.alloc(65 * 1024 * 1024 + 20, 0x20);
      Buffer.from('["Module", {"x": "').copy(big, 0);
      Buffer.from('"}, 11]').copy(big, big.length - 7);
      g.write(rawFrame(big));
      g.write(encodeFrame('FTLModule', { module_name: 'ping', module_args: {} }, 12));
      const tooBig = await g.reply(11);
      assert.equal(tooBig.type, 'Error');
      assert.match((tooBig.data as { message: string }).message, /over the 64 MiB frame limit/);
      assert.equal((await g.reply(12)).type, 'FTLModuleResult');
    } finally {
      g.t.kill();
    }
  });

  it('args nested 3,000 deep fail that call only; a concurrent call on the same gate succeeds', async () => {
    const s = await GateClient.open(spawnLocalGate(build.path), { host: 'localhost' });
    try {
      const slow = s.request('FTLModule', { module_name: 'command', module_args: { argv: ['sleep', '1'] } }, { timeoutMs: 60_000 });
      const deep = s.request('FTLModule', { module_name: 'ping', module_args: { data: nested(3000) } }, { timeoutMs: 60_000 });
      const quick = s.request('FTLModule', { module_name: 'ping', module_args: {} }, { timeoutMs: 60_000 });
      const [d, q, sl] = await Promise.all([deep, quick, slow]);
      assert.equal(d.type, 'Error');
      assert.match(String(d.data.message), /nested too deeply/);
      assert.deepEqual(q.data.result, { ping: 'pong', changed: false });
      assert.equal((sl.data.result as { rc: number }).rc, 0, 'the call in flight finished too');
      assert.equal(s.status, 'ready');
    } finally {
      await s.close();
    }
  });
});
