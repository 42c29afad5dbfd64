import type { HostFacts } from '../base/types.js';
import { GateProvider } from '../hosts/gates.js';
import type { BecomeSpec, HostRunOptions } from '../base/types.js';
import type { ModuleIndex } from '../modules/index.js';
import type { FactsCache } from './facts-cache.js';
import { callModule, moduleFor } from './module-call.js';
import type { ActionContext, VarsSource } from './types.js';
import type { CallTemplating } from './vars.js';

/** What lives as long as an ftl session: gathered facts, and where variables come from. */
export interface SessionState {
  readonly factsCache: FactsCache;
  readonly vars: VarsSource | undefined;
}

/** One call of an action, before it meets a host. */
export interface ActionCall {
  readonly modules: ModuleIndex;
  readonly gates: GateProvider;
  readonly session: SessionState;
  readonly check: boolean;
  readonly diff: boolean;
  /** Gather facts again instead of answering from the cache. */
  readonly refresh: boolean;
  readonly templating: CallTemplating;
}

export function actionContext(
  call: ActionCall,
  host: string,
  facts: HostFacts,
  become: BecomeSpec | undefined,
  run: HostRunOptions,
): ActionContext {
  const { modules, gates } = call;
  const gate = () => gates.openUntil(host, facts, become, run.signal, run.timeoutMs);
  const gateKey = GateProvider.keyOf(host, become);
  return {
    host,
    facts,
    become,
    check: call.check,
    diff: call.diff,
    timeoutMs: run.timeoutMs,
    signal: run.signal,
    gateKey,
    refresh: call.refresh,
    factsCache: call.session.factsCache,
    gate,
    async module(name, args, o = {}) {
      const info = moduleFor(modules, name, o.real === true);
      const check = o.check ?? call.check;
      const diff = o.diff ?? call.diff;
      return callModule(gates, await gate(), info, args, { check, diff, ...run }, modules);
    },
    exec(command, o = {}) {
      return gates.raw(facts, become, command, { executable: o.executable, ...run });
    },
    templating: call.templating,
  };
}
