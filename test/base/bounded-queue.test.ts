import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedQueue } from '../../src/base/bounded-queue.js';
import { EventHub, type FtlEvent } from '../../src/run/events.js';

function change(n: number, host = 'web01'): FtlEvent {
  return { event: 'FileChanged', host, path: `/etc/f${String(n)}`, kind: 'modified', name: `f${String(n)}`, is_dir: false, watch: '/etc', timestamp: n };
}

describe('BoundedQueue', () => {
  it('keeps at most its capacity, drops the oldest and counts them once', () => {
    const q = new BoundedQueue<number>(3);
    for (let i = 1; i <= 10; i++) q.push(i);
    assert.equal(q.length, 3);
    assert.equal(q.takeDropped(), 7);
    assert.equal(q.takeDropped(), 0);
    assert.deepEqual([q.shift(), q.shift(), q.shift(), q.shift()], [8, 9, 10, undefined]);
  });

  it('stays bounded over many pushes (the array is compacted)', () => {
    const q = new BoundedQueue<number>(5);
    for (let i = 0; i < 100_000; i++) q.push(i);
    assert.equal(q.length, 5);
    assert.ok((q as unknown as { items: number[] }).items.length < 3000);
    assert.equal(q.shift(), 99_995);
  });

  it('refuses a capacity that is not a whole number of 1 or more', () => {
    assert.throws(() => new BoundedQueue(0), /capacity/);
  });
});

describe('EventHub', () => {
  it('a slow consumer gets the newest events, after one EventsDropped with the count', async () => {
    const hub = new EventHub();
    const it = hub.events({ capacity: 3 });
    for (let i = 1; i <= 10; i++) hub.emit(change(i));
    const first = await it.next();
    assert.deepEqual({ ...(first.value as FtlEvent), timestamp: 0 }, { event: 'EventsDropped', count: 7, timestamp: 0 });
    const rest = [await it.next(), await it.next(), await it.next()].map((r) => (r.value as { path: string }).path);
    assert.deepEqual(rest, ['/etc/f8', '/etc/f9', '/etc/f10']);
    await it.return?.();
    assert.equal(hub.listeners, 0);
  });

  it('an iteration waits for the next event, filters by type, and ends when the hub closes', async () => {
    const hub = new EventHub();
    const got: FtlEvent[] = [];
    const loop = (async () => {
      for await (const ev of hub.events({ types: ['FileChanged'] })) got.push(ev);
    })();
    await new Promise((r) => setTimeout(r, 10));
    hub.emit({ event: 'StreamEnded', host: 'web01', stream: 'metrics', reason: 'x', timestamp: 0 });
    hub.emit(change(1));
    await new Promise((r) => setTimeout(r, 10));
    hub.close();
    await loop;
    assert.deepEqual(got.map((e) => e.event), ['FileChanged']);
    assert.equal(hub.listeners, 0);
  });

  it('listen(ms) returns what came meanwhile, nothing from before, and keeps nothing after', async () => {
    const hub = new EventHub();
    hub.emit(change(0));
    const listening = hub.listen(50);
    hub.emit(change(1, 'web01'));
    hub.emit(change(2, 'web02'));
    const evs = await listening;
    assert.deepEqual(evs.map((e) => (e.event === 'FileChanged' ? `${e.host}:${e.path}` : e.event)), ['web01:/etc/f1', 'web02:/etc/f2']);
    assert.equal(hub.listeners, 0);
  });

  it('a break out of for-await stops listening', async () => {
    const hub = new EventHub();
    setTimeout(() => {
      hub.emit(change(1));
    }, 5);
    for await (const ev of hub.events()) {
      assert.equal(ev.event, 'FileChanged');
      break;
    }
    assert.equal(hub.listeners, 0);
  });
});
