/**
 * Templating for one call, through the controller's Ansible worker: the variables a host
 * sees (inventory, facts gathered in this session, the call's `vars`, the magic variables,
 * hostvars) are computed there by Ansible's VariableManager, not here. This side only says
 * which hosts, which facts, which options, and asks once for all the call's hosts.
 */
import type { AnsibleWorker, HostFactsRef, HostsScope, InventorySnapshot, RenderOutcome, TemplateOutcome, WorkerInventory } from '../hosts/ansible-worker.js';
import type { FactsCache } from './facts-cache.js';

/** The inventory as templates see it (through the controller's Ansible worker): one per ftl session. */
export interface VarsSource {
  /** Changes whenever a host, group or variable changes (the worker is sent the inventory again). */
  version(): number;
  /** The host's variables merged as the inventory layer gives them. */
  varsOf(host: string): Readonly<Record<string, unknown>>;
  /** Every group with its hosts, 'all' and 'ungrouped' included. */
  groups(): Readonly<Record<string, readonly string[]>>;
  /** The variables of 'all' (what the implicit localhost gets). */
  allVars(): Readonly<Record<string, unknown>>;
  /** The inventory sources as absolute paths (ansible_inventory_sources). */
  sources(): readonly string[];
  /** -e: over every other variable, the call's own and gathered facts too (Ansible's highest precedence). */
  extraVars?(): Readonly<Record<string, unknown>>;
  /** Whether some vaulted values stayed sealed (no vault password opened them). */
  sealed?(): boolean;
}

type Args = Readonly<Record<string, unknown>>;

/** The inventory as the worker wants it, read from the session's variables source. */
export function workerInventory(source: VarsSource | undefined): WorkerInventory {
  if (source === undefined) {
    const empty: InventorySnapshot = { hosts: {}, groups: { all: [], ungrouped: [] }, allVars: {}, sources: [] };
    return { version: () => 0, snapshot: () => empty };
  }
  return {
    version: () => source.version(),
    snapshot: () => {
      const groups = source.groups();
      const names = groups.all ?? [];
      return { hosts: Object.fromEntries(names.map((h) => [h, source.varsOf(h)])), groups, allVars: source.allVars(), sources: source.sources(), sealed: source.sealed?.() === true };
    },
  };
}

export interface TemplatingCall {
  readonly worker: () => AnsibleWorker;
  readonly inventory: WorkerInventory;
  readonly factsCache: FactsCache;
  /** The call's hosts: a request covers all of them at once. */
  readonly hosts: readonly string[] | undefined;
  /** The key of a host's facts (its gate key: host, or host|become user). */
  readonly gateKeyOf: (host: string) => string;
  readonly callVars: Readonly<Record<string, unknown>>;
  /** -e's variables, over every other. */
  readonly extraVars?: Readonly<Record<string, unknown>> | undefined;
  readonly check: boolean;
  readonly diff: boolean;
  readonly forks?: number | undefined;
  readonly limit?: string | undefined;
}

export interface RunBounds {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/**
 * One call's templating. The first host to ask starts one request for every host of the
 * call; the others wait for the same answer. A host outside the call's list (a caller
 * that gave none) is asked for on its own.
 */
export class CallTemplating {
  private readonly batches = new Map<string, Promise<Map<string, unknown>>>();

  constructor(private readonly call: TemplatingCall) {}

  private factsOf(host: string): HostFactsRef {
    const key = this.call.gateKeyOf(host);
    const facts = this.call.factsCache.factsOf(key);
    return { key, facts: Object.keys(facts).length === 0 ? undefined : facts };
  }

  private scope(hosts: readonly string[], run: RunBounds): HostsScope {
    return {
      inventory: this.call.inventory,
      hosts,
      factsOf: (h) => this.factsOf(h),
      taskVars: this.call.callVars,
      extraVars: this.call.extraVars,
      check: this.call.check,
      diff: this.call.diff,
      forks: this.call.forks,
      limit: this.call.limit,
      timeoutMs: run.timeoutMs,
      signal: run.signal,
    };
  }

  private async forHost<T>(kind: string, key: unknown, host: string, run: RunBounds, ask: (scope: HostsScope) => Promise<Map<string, T>>): Promise<T> {
    const all = this.call.hosts;
    let answer: Promise<Map<string, unknown>>;
    if (all !== undefined && all.includes(host)) {
      const id = `${kind} ${JSON.stringify(key)}`;
      let batch = this.batches.get(id);
      if (batch === undefined) {
        batch = ask(this.scope(all, run));
        this.batches.set(id, batch);
      }
      answer = batch;
    } else {
      answer = ask(this.scope([host], run));
    }
    const r = (await answer).get(host);
    if (r === undefined) throw new Error(`the Ansible worker gave no answer for ${host}`);
    return r as T;
  }

  /** The template action's rendering for this host (the batch renders every host of the call). */
  renderTemplate(args: Args, host: string, run: RunBounds): Promise<RenderOutcome> {
    return this.forHost('render', args, host, run, (scope) => this.call.worker().renderTemplate(scope, args));
  }

  /** A value templated for this host; with `module`, as that module's task args. */
  template(value: unknown, host: string, run: RunBounds, module?: string): Promise<TemplateOutcome> {
    return this.forHost(`template ${module ?? ''}`, value, host, run, (scope) => this.call.worker().template(scope, value, module));
  }
}
