import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ftl } from '../helpers/ftl.js';

/** A port nothing listens on (taken, then let go). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => {
        resolve(typeof a === 'object' && a !== null ? a.port : 0);
      });
    });
  });
}

describe('ftl worker and --nats on the command line', () => {
  it('refuses what it cannot serve, in one line with the fix, exit 1', async () => {
    const cases: [string[], RegExp][] = [
      [['worker'], /ftl worker needs --nats URL \(e\.g\. ftl worker --nats nats:\/\/127\.0\.0\.1:4222/],
      [['worker', '--nats', 'nats://127.0.0.1:4222', '--shard', '1/3', '--hosts', 'web'], /--shard and --hosts both choose the hosts: give one/],
      [['worker', '--nats', 'nats://127.0.0.1:4222', '--shard', '4/3'], /--shard '4\/3' is not K\/N with 1 <= K <= N \(e\.g\. --shard 1\/3/],
      [['worker', '--nats', 'nats://127.0.0.1:4222', '--name', 'a.b'], /worker name 'a\.b' can hold only letters, digits, - and _/],
      [['run', '--nats', 'http://x/y', 'localhost', 'ping'], /--nats 'http:\/\/x\/y' is not a NATS server URL \(e\.g\. --nats nats:\/\/127\.0\.0\.1:4222\)/],
    ];
    for (const [args, re] of cases) {
      const r = await ftl(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
  it('a NATS server that is not there: the call says where and how to start one', async () => {
    const port = await closedPort();
    const r = await ftl(['run', '--nats', `nats://127.0.0.1:${String(port)}`, 'localhost', 'ping']);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, new RegExp(`cannot reach the NATS server at nats://127\\.0\\.0\\.1:${String(port)}.*start nats-server there`));
  });
});
