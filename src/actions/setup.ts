/**
 * ansible.builtin.setup with facts cached per host for the ftl session: the first call
 * runs Ansible's setup module on the host; a later call with the same args answers from
 * the cache, unless the call asks for fresh facts with the call option `{ refresh: true }`.
 * service, package and template use the same cache.
 */
import type { HostOutcome } from '../base/types.js';
import { outcomeOf } from './results.js';
import type { Action, ActionContext, Args } from './types.js';

/** A gathering that did not end well: its outcome is the call's, and it is not cached. */
class NotGathered extends Error {
  constructor(readonly outcome: HostOutcome) {
    super('facts not gathered');
  }
}

/** The same args in any key order make the same key. */
function keyOf(args: Args): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
  };
  return JSON.stringify(sorted(args));
}

/** Runs setup on the host (or takes its cached result) and keeps what it gathered. */
export async function gatherFacts(ctx: ActionContext, args: Args, fresh: boolean): Promise<HostOutcome> {
  const key = keyOf(args);
  const cached = fresh ? undefined : ctx.factsCache.get(ctx.gateKey, key);
  const gathering =
    cached ??
    ctx.module('setup', args, { check: false, real: true }).then((o) => {
      if (o.status !== 'ok' && o.status !== 'changed') throw new NotGathered(o);
      return o.result;
    });
  if (cached === undefined) ctx.factsCache.put(ctx.gateKey, key, gathering);
  try {
    // A copy: callers may add to a result, the cache keeps its own.
    return outcomeOf({ ...(await gathering) });
  } catch (e) {
    if (e instanceof NotGathered) return e.outcome;
    throw e;
  }
}

export const setup: Action = {
  prepare: (args) => (ctx) => gatherFacts(ctx, args, ctx.refresh),
};
