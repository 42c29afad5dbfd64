/**
 * A controller process of its own for ftl's library object, so the bench can measure its
 * CPU and memory from outside. Plain JavaScript on the built package (dist/), as a user's
 * script would run it: no TypeScript loader in the process being measured.
 * Reads JSON requests on stdin, one a line, and answers each with one JSON line:
 *   {"op":"open","inventory":"…","forks":10}                          → {"ok":true,"ms":…}
 *   {"op":"calls","pattern":"bench","module":"ping","args":{},"n":50}  → {"ok":true,"samples":[ms…],"failures":…,"statuses":{…}}
 *   "budgetMs" and "minSamples" in a calls request stop it early once past the budget with enough samples;
 *   "profile":"/path.cpuprofile" in a calls request profiles the controller over those calls only.
 *   {"op":"close"}                                                     → {"ok":true}, then exit
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
// The package's index does not export automation yet; the module itself does.
import { automation } from '../dist/index.js';

let ftl;

function reply(v) {
  process.stdout.write(`${JSON.stringify(v)}\n`);
}

async function handle(req) {
  switch (req.op) {
    case 'open': {
      const t0 = performance.now();
      ftl = await automation({ inventory: req.inventory, ...(req.forks === undefined ? {} : { forks: req.forks }) });
      reply({ ok: true, ms: performance.now() - t0 });
      return true;
    }
    case 'calls': {
      if (ftl === undefined) throw new Error('calls before open');
      const samples = [];
      const statuses = {};
      let failures = 0;
      let firstError = '';
      const profiler = req.profile === undefined ? undefined : new Session();
      if (profiler !== undefined) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const start = performance.now();
      for (let i = 0; i < req.n; i++) {
        // Past the time budget, stop once there are enough samples.
        if (req.budgetMs !== undefined && i >= req.minSamples && performance.now() - start > req.budgetMs) break;
        const t0 = performance.now();
        const r = await ftl.run(req.pattern, req.module, req.args);
        samples.push(performance.now() - t0);
        for (const h of r.hosts) {
          statuses[h.status] = (statuses[h.status] ?? 0) + 1;
          if (h.status === 'failed' || h.status === 'unreachable') {
            failures++;
            if (firstError === '') firstError = `${h.host}: ${JSON.stringify(h.result).slice(0, 300)}`;
          }
        }
      }
      if (profiler !== undefined) {
        const { profile } = await profiler.post('Profiler.stop');
        writeFileSync(req.profile, JSON.stringify(profile));
        profiler.disconnect();
      }
      reply({ ok: true, samples, failures, statuses, firstError });
      return true;
    }
    case 'close':
      await ftl?.close();
      ftl = undefined;
      reply({ ok: true });
      return false;
    default:
      throw new Error(`unknown op ${String(req.op)}`);
  }
}

const rl = createInterface({ input: process.stdin, terminal: false });
for await (const line of rl) {
  if (line.trim() === '') continue;
  let more = true;
  try {
    more = await handle(JSON.parse(line));
  } catch (e) {
    reply({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
  if (!more) break;
}
rl.close();
