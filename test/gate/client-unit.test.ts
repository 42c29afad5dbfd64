import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { encodeFrame, FrameDecoder, type GateMessage } from '../../src/gate/codec.js';
import { GateClient } from '../../src/gate/client.js';
import { spawnLocalGate } from '../../src/gate/local.js';
import type { GateExit, GateTransport } from '../../src/gate/transport.js';

/**
 * A scripted gate on PassThrough streams: the test sees every frame the session
 * writes and answers (or not) by hand. Unit tests of the session's bookkeeping only;
 * the real gate is exercised in client.test.ts.
 */
class FakeGate implements GateTransport {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly label = 'fake gate';
  readonly received: GateMessage[] = [];
  readonly exited: Promise<GateExit>;
  killed = false;
  private finish: (e: GateExit) => void = () => undefined;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly autoHello = true) {
    this.exited = new Promise((resolve) => {
      this.finish = resolve;
    });
    const decoder = new FrameDecoder();
    this.stdin.on('data', (chunk: Buffer) => {
      for (const m of decoder.push(chunk)) {
        this.received.push(m);
        if (this.autoHello && m.type === 'Hello' && m.id === undefined) this.reply('Hello', { capabilities: ['multiplex'], gate_hash: 'fakehash', pid: 4242 });
        for (const w of this.waiters.splice(0)) w();
      }
    });
  }

  reply(type: string, data: unknown, id?: number): void {
    this.stdout.write(encodeFrame(type, data, id));
  }

  /** The first frame of this type the session sent, once it arrives. */
  async frame(type: string, nth = 0): Promise<GateMessage> {
    for (;;) {
      const found = this.received.filter((m) => m.type === type)[nth];
      if (found !== undefined) return found;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  exit(code: number | null, signal: string | null = null): void {
    this.stdout.end();
    this.finish({ code, signal });
  }

  kill(): void {
    this.killed = true;
    this.exit(null, 'SIGKILL');
  }
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

function code(e: unknown): string | undefined {
  return (e as { code?: string }).code;
}

describe('GateClient bookkeeping (scripted gate)', () => {
  it('handshakes with Hello and multiplex, then is ready', async () => {
    const gate = new FakeGate();
    const s = await GateClient.open(gate, { host: 'web01' });
    assert.equal(s.status, 'ready');
    assert.equal(s.hello.gate_hash, 'fakehash');
    assert.deepEqual(gate.received[0], { type: 'Hello', data: { capabilities: ['multiplex', 'cancel'] }, id: undefined });
    gate.exit(0);
  });

  it('a gate that never answers Hello fails to start, names the host and its stderr, and is killed', async () => {
    const gate = new FakeGate(false);
    gate.stderr.write('python3: bad interpreter\n');
    await assert.rejects(GateClient.open(gate, { host: 'web01', helloTimeoutMs: 50 }), (e: Error) => {
      assert.equal(code(e), 'FTL_GATE_START');
      assert.match(e.message, /did not answer Hello within 0\.05 s.*bad interpreter/);
      assert.equal((e as { host?: string }).host, 'web01');
      return true;
    });
    assert.equal(gate.killed, true);
  });

  it('matches replies by id in any order and leaves no timer behind', async () => {
    const gate = new FakeGate();
    const s = await GateClient.open(gate, { host: 'web01' });
    const before = timers();
    const a = s.request('FTLModule', { module_name: 'ping', n: 1 });
    const b = s.request('FTLModule', { module_name: 'ping', n: 2 });
    assert.equal(s.pending, 2);
    assert.equal(timers(), before + 2);
    const fa = await gate.frame('FTLModule', 0);
    const fb = await gate.frame('FTLModule', 1);
    gate.reply('FTLModuleResult', { n: 2 }, fb.id);
    gate.reply('FTLModuleResult', { n: 1 }, fa.id);
    assert.deepEqual(await a, { type: 'FTLModuleResult', data: { n: 1 } });
    assert.deepEqual(await b, { type: 'FTLModuleResult', data: { n: 2 } });
    assert.equal(s.pending, 0);
    assert.equal(s.calls, 2);
    assert.equal(timers(), before, 'each request cleared its timer when it settled');
    gate.exit(0);
  });

  it('an Error reply resolves: it is the gate answering', async () => {
    const gate = new FakeGate();
    const s = await GateClient.open(gate, { host: 'web01' });
    const r = s.request('Bogus', {});
    gate.reply('Error', { message: 'Unknown message type: Bogus' }, (await gate.frame('Bogus')).id);
    assert.deepEqual(await r, { type: 'Error', data: { message: 'Unknown message type: Bogus' } });
    gate.exit(0);
  });

  it('a timeout rejects with FTL_GATE_TIMEOUT, sends Cancel for that id, and ignores the late reply', async () => {
    const gate = new FakeGate();
    const s = await GateClient.open(gate, { host: 'web01' });
    const before = timers();
    const slow = s.request('Module', { module_name: 'sleeper' }, { timeoutMs: 50 });
    await assert.rejects(slow, (e: Error) => {
      assert.equal(code(e), 'FTL_GATE_TIMEOUT');
      assert.match(e.message, /the sleeper module did not finish within 0\.05 s/);
      return true;
    });
    const sent = await gate.frame('Module');
    const cancel = await gate.frame('Cancel');
    assert.deepEqual(cancel.data, { id: sent.id });
    assert.notEqual(cancel.id, sent.id);
    gate.reply('ModuleResult', { late: true }, sent.id);
    const next = s.request('Info', {});
    gate.reply('InfoResult', { ok: true }, (await gate.frame('Info')).id);
    assert.deepEqual((await next).data, { ok: true }, 'the late reply did not settle anything else');
    assert.equal(timers(), before);
    assert.equal(s.status, 'ready');
    gate.exit(0);
  });

  it('an abort rejects with FTL_CANCELLED and sends Cancel; an aborted signal sends nothing', async () => {
    const gate = new FakeGate();
    const s = await GateClient.open(gate, { host: 'web01' });
    const ac = new AbortController();
    const r = s.request('Module', { module_name: 'sleeper' }, { signal: ac.signal });
    const sent = await gate.frame('Module');
    ac.abort();
    await assert.rejects(r, (e: Error) => code(e) === 'FTL_CANCELLED');
    assert.deepEqual((await gate.frame('Cancel')).data, { id: sent.id });
    const count = gate.received.length;
    await assert.rejects(s.request('Module', { module_name: 'x' }, { signal: ac.signal }), (e: Error) => code(e) === 'FTL_CANCELLED');
    await new Promise((r2) => setImmediate(r2));
    assert.equal(gate.received.length, count);
    assert.equal(s.pending, 0);
    gate.exit(0);
  });

  it('a gate that exits fails every pending request with its exit and stderr, closes once, refuses later requests', async () => {
    const gate = new FakeGate();
    const s = await GateClient.open(gate, { host: 'web01' });
    const closes: unknown[] = [];
    s.on('close', (e: unknown) => closes.push(e));
    const before = timers();
    const pending = [s.request('Module', { module_name: 'a' }), s.request('Module', { module_name: 'b' })];
    gate.stderr.write('Traceback (most recent call last):\nMemoryError\n');
    await gate.frame('Module', 1);
    gate.exit(137);
    for (const p of pending) {
      await assert.rejects(p, (e: Error) => {
        assert.equal(code(e), 'FTL_GATE_DIED');
        assert.match(e.message, /exited with code 137.*MemoryError/);
        return true;
      });
    }
    assert.equal(s.status, 'closed');
    assert.equal(closes.length, 1);
    assert.equal(code(closes[0]), 'FTL_GATE_DIED');
    assert.equal(timers(), before);
    await assert.rejects(s.request('Info', {}), (e: Error) => code(e) === 'FTL_GATE_CLOSED');
    await s.close();
    assert.equal(closes.length, 1);
  });

  it('a bad frame from the gate is fatal: pending requests fail, the gate is killed', async () => {
    const gate = new FakeGate();
    const s = await GateClient.open(gate, { host: 'web01' });
    const p = s.request('Info', {});
    await gate.frame('Info');
    gate.stdout.write('Welcome to the server!\n');
    await assert.rejects(p, (e: Error) => {
      assert.equal(code(e), 'FTL_GATE_DIED');
      assert.match(e.message, /bad frame.*not 8 hex digits.*Welcome/);
      return true;
    });
    assert.equal(gate.killed, true);
    assert.equal(s.status, 'closed');
  });

  it('close sends Shutdown, waits for Goodbye, ends stdin, and kills a gate that lingers', async () => {
    const gate = new FakeGate();
    const s = await GateClient.open(gate, { host: 'web01' });
    let stdinEnded = false;
    gate.stdin.on('finish', () => {
      stdinEnded = true;
    });
    const closing = s.close({ timeoutMs: 1000 });
    assert.equal(s.status, 'closing');
    gate.reply('Goodbye', {}, (await gate.frame('Shutdown')).id);
    await closing;
    assert.equal(stdinEnded, true);
    assert.equal(gate.killed, true, 'the fake never exits on its own, so close killed it');
    assert.equal(s.status, 'closed');
  });

  it('a keepalive that goes unanswered marks the gate dead', async () => {
    const gate = new FakeGate();
    const s = await GateClient.open(gate, { host: 'web01', keepaliveMs: 50 });
    // The keepalive timer is unref'd (it must not hold a CLI open); hold the loop here.
    const hold = setInterval(() => undefined, 1000);
    const err = await new Promise<unknown>((r) => s.once('close', r));
    clearInterval(hold);
    assert.equal(code(err), 'FTL_GATE_DIED');
    assert.match((err as Error).message, /keepalive/);
    assert.equal(gate.killed, true);
  });
});

describe('spawnLocalGate', () => {
  it('a missing interpreter is a clear start error', async () => {
    await assert.rejects(GateClient.open(spawnLocalGate('/nonexistent.pyz', { python: 'python3-not-installed' }), { host: 'localhost' }), (e: Error) => {
      assert.equal(code(e), 'FTL_GATE_START');
      assert.match(e.message, /python3-not-installed' not found/);
      return true;
    });
  });
});
