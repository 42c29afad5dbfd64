/**
 * `npm run bench:cold-path`: the first call of a session, against clush and Ansible on the
 * same lab hosts, paired round by round. Figures, never assertions. `npm run bench:scale`
 * runs the same rounds as part of the whole of issue 18's figures.
 *   --hosts 10,50   fleet sizes for the paired rounds     --runs 3   rounds per size
 *   --big 200       first call and warm ping at this size (0: skip)
 *   --floor         also lineinfile through the gate against a bare fork of a warm interpreter
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bigFleetFirstCall, pairedColdRounds } from './cold-rounds.js';
import { Fleet } from './fleet.js';
import { benchLineinfileFloor } from './lineinfile-floor.js';

const { values: opt } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10,50' },
    runs: { type: 'string', default: '3' },
    big: { type: 'string', default: '200' },
    floor: { type: 'boolean', default: false },
  },
});
const sizes = opt.hosts.split(',').map(Number).filter((n) => n > 0);
const runs = Number(opt.runs);
const big = Number(opt.big);
const log = (s: string): void => {
  console.log(s);
};
const load = (): string => (loadavg()[0] ?? NaN).toFixed(1);

const work = mkdtempSync(join(tmpdir(), 'ftl-bench-coldpath-'));
const size = Math.max(...sizes, big);
log(`cold path · ${new Date().toISOString()} · load ${load()}`);
const fleet = await Fleet.up(size, work);
try {
  for (const n of sizes) await pairedColdRounds(fleet, n, runs, log);
  if (big > 0) await bigFleetFirstCall(fleet, big, log);
} finally {
  await fleet.down();
  rmSync(work, { recursive: true, force: true });
}
if (opt.floor) await benchLineinfileFloor(log);
log(`done · load ${load()}`);
