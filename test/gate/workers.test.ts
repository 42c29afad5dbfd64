/**
 * The gate's request threads (gate/ftl_gate/workers.py) in a real Python: requests run
 * at once however many there are, a thread that finished one takes the next instead of a
 * new thread being started, threads beyond the idle limit end, and a request that raises
 * does not cost a thread.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const GATE_DIR = join(import.meta.dirname, '..', '..', 'gate');

function python(script: string): Record<string, unknown> {
  const r = spawnSync('python3', ['-c', script], { cwd: GATE_DIR, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const PRELUDE = `
import json, threading, time
from ftl_gate.workers import Workers

def settle(test, limit=20.0):
    until = time.time() + limit
    while not test():
        if time.time() > until:
            raise SystemExit("gave up waiting")
        time.sleep(0.01)
`;

describe('gate request threads', () => {
  it('runs every request at once, then keeps only the idle limit of threads', () => {
    const out = python(`${PRELUDE}
w = Workers(idle_kept=2)
base = threading.active_count()
release = threading.Event()
running = []
def job(i):
    running.append(i)
    release.wait(30)
for i in range(6):
    w.submit(job, i)
settle(lambda: len(running) == 6)  # none waits for another
during = threading.active_count() - base
release.set()
settle(lambda: threading.active_count() - base == 2)
print(json.dumps({"during": during, "after": threading.active_count() - base, "idle": w.idle}))
`);
    assert.deepEqual(out, { during: 6, after: 2, idle: 2 });
  });

  it('gives sequential requests to a waiting thread, and survives a request that raises', () => {
    const out = python(`${PRELUDE}
w = Workers(idle_kept=4)
base = threading.active_count()
seen = set()
done = []
def job(i):
    seen.add(threading.get_ident())
    done.append(i)
    if i == 3:
        raise RuntimeError("a request's own failure")
for i in range(20):
    w.submit(job, i)
    settle(lambda: len(done) == i + 1 and w.idle == 1)
print(json.dumps({"threads": len(seen), "done": len(done), "alive": threading.active_count() - base}))
`);
    assert.deepEqual(out, { threads: 1, done: 20, alive: 1 });
  });
});
