import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pacer } from '../../src/base/pacer.js';

test('a small burst starts at once; a big one in slices, with the event loop getting turns in between, in order', async () => {
  let t = 0;
  const pacer = new Pacer(10, 8, 4096, () => t);
  const started: number[] = [];
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 8; i++) assert.equal(pacer.turn(), undefined, 'the first batch does not wait');
  for (let i = 0; i < 200; i++) {
    const w = pacer.turn();
    assert.ok(w !== undefined, 'past the batch, a start waits its turn');
    waits.push(
      w.then(() => {
        started.push(i);
        t += 5; // each start costs 5 ms: 2 fit a 10 ms slice
      }),
    );
  }
  // An event that arrives meanwhile (a keypress, a reply) is handled before the burst is done.
  let seenAt = -1;
  setImmediate(() => {
    setImmediate(() => {
      seenAt = started.length;
    });
  });
  await Promise.all(waits);
  assert.deepEqual(started, Array.from({ length: 200 }, (_, i) => i), 'released in the order they asked');
  assert.ok(seenAt >= 0 && seenAt < 200, `the loop had a turn while hosts were starting (at ${String(seenAt)})`);
  // Idle again: the next burst's first starts go at once.
  await new Promise((r) => setImmediate(r));
  assert.equal(pacer.turn(), undefined);
});
