/**
 * The registry of controller-side actions: modules whose Ansible action plugin does
 * work on the controller (copy from here, fetch to here, template, raw, script) or
 * picks what runs (service, package), or that ftl keeps per session (setup).
 * prepareCall dispatches here for the names below; everything else runs as a module.
 */
import type { GateProvider } from '../hosts/gates.js';
import type { PreparedCall } from '../base/types.js';
import type { ModuleIndex } from '../modules/index.js';
import type { ModuleInfo } from '../base/module-types.js';
import { packageAction, serviceAction } from './backend.js';
import { actionContext, type SessionState } from './context.js';
import { copy } from './copy.js';
import { FactsCache } from './facts-cache.js';
import { fetch } from './fetch.js';
import { raw } from './raw.js';
import { script } from './script.js';
import { setup } from './setup.js';
import { template } from './template.js';
import type { Action, Args } from './types.js';
import { CallTemplating, workerInventory } from './vars.js';
import { waitForConnection } from './wait-for-connection.js';

export { FactsCache } from './facts-cache.js';
export type { SessionState } from './context.js';
export type { VarsSource } from './types.js';

/** Short names of ansible.builtin modules that ftl runs as controller-side actions. */
export const ACTION_NAMES: readonly string[] = ['copy', 'fetch', 'template', 'raw', 'script', 'service', 'package', 'setup', 'gather_facts', 'wait_for_connection'];

function registry(modules: ModuleIndex): Record<string, Action> {
  // A backend is a module this controller has and runs on hosts (not another action).
  const known = (name: string): boolean => {
    const info = modules.resolve(name);
    return info !== undefined && info.kind === 'module' && !ACTION_NAMES.includes(info.shortName);
  };
  return {
    copy,
    fetch,
    template,
    raw,
    script,
    service: serviceAction(known),
    package: packageAction(known),
    setup,
    gather_facts: setup,
    wait_for_connection: waitForConnection,
  };
}

/** The action for a module, if ftl runs it as one (ansible.builtin names, and the native copy). */
export function actionFor(info: ModuleInfo, modules: ModuleIndex): Action | undefined {
  if (info.collection !== 'ansible.builtin' && info.collection !== 'ftl') return undefined;
  if (!ACTION_NAMES.includes(info.shortName)) return undefined;
  return registry(modules)[info.shortName];
}

/** A session's state when the caller keeps none: facts are then cached for this call only. */
export function newSessionState(vars?: SessionState['vars']): SessionState {
  return { factsCache: new FactsCache(), vars };
}

export interface ActionPrepare {
  readonly modules: ModuleIndex;
  readonly gates: GateProvider;
  readonly module: string;
  readonly args: Args;
  readonly shownArgs: Record<string, unknown>;
  readonly secrets?: readonly string[] | undefined;
  readonly check: boolean;
  readonly diff: boolean;
  readonly session?: SessionState | undefined;
  readonly callVars?: Readonly<Record<string, unknown>> | undefined;
  readonly refresh?: boolean | undefined;
  /** The call's hosts: templating asks the worker once for all of them. */
  readonly hosts?: readonly string[] | undefined;
  /** A host's gate key (host, or host|become user), under which its facts are kept. */
  readonly gateKeyOf?: ((host: string) => string) | undefined;
  readonly forks?: number | undefined;
  readonly limit?: string | undefined;
}

/** Templating for one call: the worker, the inventory and facts it reads, the call's options. */
export function callTemplating(p: Pick<ActionPrepare, 'gates' | 'check' | 'diff' | 'callVars' | 'hosts' | 'gateKeyOf' | 'forks' | 'limit'>, session: SessionState): CallTemplating {
  return new CallTemplating({
    worker: () => p.gates.ansible,
    inventory: workerInventory(session.vars),
    factsCache: session.factsCache,
    hosts: p.hosts,
    gateKeyOf: p.gateKeyOf ?? ((h) => h),
    callVars: p.callVars ?? {},
    extraVars: session.vars?.extraVars?.(),
    check: p.check,
    diff: p.diff,
    forks: p.forks,
    limit: p.limit,
  });
}

/** Prepares an action once for the call (its controller-side checks), then runs it per host. */
export async function prepareAction(action: Action, p: ActionPrepare): Promise<PreparedCall> {
  const perHost = await action.prepare(p.args);
  const session = p.session ?? newSessionState();
  const call = {
    modules: p.modules,
    gates: p.gates,
    session,
    check: p.check,
    diff: p.diff,
    refresh: p.refresh === true,
    templating: callTemplating(p, session),
  };
  return {
    module: p.module,
    shownArgs: p.shownArgs,
    ...(p.secrets === undefined ? {} : { secrets: p.secrets }),
    run: (host, facts, become, run) => perHost(actionContext(call, host, facts, become, run)),
  };
}
