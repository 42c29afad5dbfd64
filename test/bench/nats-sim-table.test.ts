/**
 * The NATS-on-simulated-fleet bench's table (bench/nats-sim.ts): one row per size and
 * setup, ok counts against what all-ok would be, the workers' columns empty for one
 * controller. The measuring itself is run by hand or by the big bench (figures, not tests).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { natsSimTableMarkdown, type NatsSimRow } from '../../bench/nats-sim.js';

const zero = { rssMb: 0, firstCpuMs: 0, warmCpuMs: 0 };
const base: NatsSimRow = {
  hosts: 100,
  setup: 'one controller',
  workers: 0,
  firstMs: 2400,
  warmMedianMs: 88,
  warmCalls: 10,
  firstOk: 100,
  warmOk: 1000,
  firstError: '',
  warmError: '',
  controller: { rssMb: 84, firstCpuMs: 706, warmCpuMs: 21 },
  workersTotal: zero,
  natsServer: zero,
  simServersRssMb: 88,
  simServers: 1,
};

describe('nats-sim table', () => {
  it('renders one line per row, the setups told apart, ok counts out of hosts and hosts × warm calls', () => {
    const nats: NatsSimRow = { ...base, setup: 'nats workers', workers: 3, firstMs: 2900, warmMedianMs: 61, warmOk: 998, workersTotal: { rssMb: 233, firstCpuMs: 900, warmCpuMs: 41 }, natsServer: { rssMb: 12, firstCpuMs: 5, warmCpuMs: 3 } };
    const md = natsSimTableMarkdown([base, nats], { warmCalls: 10 }, { start: '1.00, 2.00, 3.00', end: '4.00, 5.00, 6.00' });
    const rows = md.split('\n').filter((l) => /^\| 100 \|/.test(l));
    assert.equal(rows.length, 2, md);
    assert.equal(rows[0], '| 100 | one controller | 2.4 s | 88 ms | 100/100, 1000/1000 | 84 MB | 706 / 21 ms (210.0 µs/host) | – | – | – | 88 MB (1) |');
    assert.equal(rows[1], '| 100 | 3 ftl workers + nats-server | 2.9 s | 61 ms | 100/100, 998/1000 | 84 MB | 706 / 21 ms (210.0 µs/host) | 233 MB | 900 / 41 ms (410.0 µs/host) | 12 MB, 3 ms | 88 MB (1) |');
    assert.match(md, /Load average at the start 1\.00, 2\.00, 3\.00, at the end 4\.00, 5\.00, 6\.00/);
    assert.match(md, /the median of 10 pings/);
  });
});
