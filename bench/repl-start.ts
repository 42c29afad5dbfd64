/**
 * The REPL's start-up alone (bench/repl.ts's figures, without the rest of `npm run bench`):
 *   npm run build && node --import tsx bench/repl-start.ts [--runs N] [--against OTHER/bin/ftl.js]
 * --against measures another build (a checkout of the commit before, built) in the same
 * rounds, taking turns, for a before/after that a busy machine does not skew; --bin
 * measures another build instead of this one.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchReplStartup } from './repl.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, bin: { type: 'string' }, against: { type: 'string' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`repl-start: --runs must be a whole number of at least 1, not '${values.runs}'`);
  process.exit(1);
}
await benchReplStartup((line) => {
  console.log(line);
}, { runs, ...(values.bin === undefined ? {} : { bin: resolve(values.bin) }), ...(values.against === undefined ? {} : { against: resolve(values.against) }) });
