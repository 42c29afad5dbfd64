import { resolve as resolvePath } from 'node:path';
import { UsageError } from '../base/errors.js';
import { Inventory } from '../inventory/index.js';
import { newActionSession, type ActionSession } from '../actions/index.js';
import { ModuleIndex } from '../modules/index.js';
import { GateProvider, type GateProviderOptions } from '../hosts/gates.js';
import { prepareCall } from './prepare.js';
import { rootProxy, targetProxy, type ProxyCore } from './proxy.js';
import type { RunResult } from './result.js';
import type { RunProgress } from '../base/types.js';
import { becomeFor, runOnHosts, type CallOptions, type RunnerDefaults } from './runner.js';
import { looksLikePattern, targetName } from './targets.js';
import Fuse from 'fuse.js';
import { closest } from '../base/suggest.js';

export interface AutomationOptions extends GateProviderOptions {
  /** Inventory sources (-i); none: localhost only. */
  inventory?: string | string[];
  /** Restrict every call to hosts also matching this pattern (--limit). */
  limit?: string;
  check?: boolean;
  diff?: boolean;
  forks?: number;
  /** Seconds per host per call. */
  timeout?: number;
  become?: string;
  /** A module index already loaded (the REPL shares one). */
  modules?: ModuleIndex;
}

const CALL_OPTION_KEYS = ['check', 'diff', 'become', 'timeout', 'forks', 'vars', 'refresh', 'signal', 'onProgress'];

/** A wrong type in the call options is a usage error naming the option, not NaN seconds on every host. */
function checkCallOptions(o: Readonly<Record<string, unknown>>): void {
  const bad = (name: string, want: string, v: unknown): UsageError =>
    new UsageError('FTL_USAGE', `call option '${name}' must be ${want}, not ${typeof v === 'string' ? `'${v}'` : JSON.stringify(v)}`);
  for (const name of ['check', 'diff', 'refresh'] as const) {
    const v = o[name];
    if (v !== undefined && typeof v !== 'boolean') throw bad(name, 'true or false', v);
  }
  if (o.become !== undefined && typeof o.become !== 'boolean' && (typeof o.become !== 'string' || o.become === '')) throw bad('become', "true, false or a user name such as 'postgres'", o.become);
  if (o.timeout !== undefined && (typeof o.timeout !== 'number' || !Number.isFinite(o.timeout) || o.timeout <= 0)) throw bad('timeout', 'a positive number of seconds', o.timeout);
  if (o.forks !== undefined && (typeof o.forks !== 'number' || !Number.isInteger(o.forks) || o.forks < 1)) throw bad('forks', 'a positive whole number', o.forks);
  if (o.vars !== undefined && (o.vars === null || typeof o.vars !== 'object' || Array.isArray(o.vars))) throw bad('vars', "an object such as { port: 8080 }", o.vars);
}

/** The automation core behind the `ftl` object: inventory, modules, gates and defaults. */
export class FtlCore implements ProxyCore {
  readonly defaults: RunnerDefaults;
  last: RunResult | undefined;
  limit: string | undefined;
  /** The target of `ftl.here` (the REPL's .target). */
  defaultTarget: string;
  /** Progress of every call that has no onProgress of its own (the REPL's live display). */
  onProgress: ((p: RunProgress) => void) | undefined;
  /** What actions keep for the session: gathered facts, and where template variables come from. */
  readonly actions: ActionSession;
  private interruption = new AbortController();
  private targetFuse: Fuse<string> | undefined;
  /** Bumped when hosts or variables change: the Ansible worker is sent the inventory again. */
  private inventoryVersion = 1;

  constructor(
    readonly inventory: Inventory,
    readonly modules: ModuleIndex,
    readonly gates: GateProvider,
    opts: AutomationOptions,
  ) {
    this.defaults = {
      forks: opts.forks ?? 50,
      timeoutS: opts.timeout ?? 300,
      check: opts.check ?? false,
      diff: opts.diff ?? false,
      become: opts.become,
    };
    this.limit = opts.limit;
    const given = opts.inventory === undefined ? [] : Array.isArray(opts.inventory) ? opts.inventory : [opts.inventory];
    // As Ansible lists them in ansible_inventory_sources: paths made absolute, host lists as given.
    const sources = given.map((s) => (s.includes(',') && !s.includes('/') ? s : resolvePath(s)));
    this.actions = newActionSession({
      version: () => this.inventoryVersion,
      varsOf: (h) => inventory.varsOf(h),
      groups: () => Object.fromEntries(inventory.groupNames.map((g) => [g, inventory.hostsOfGroup(g)])),
      allVars: () => inventory.group('all')?.vars ?? {},
      sources: () => sources,
    });
    this.defaultTarget = inventory.hostNames.length > 0 ? 'all' : 'localhost';
  }

  /** Cancels every call in flight (Ctrl-C); later calls are not affected. */
  interrupt(): void {
    this.interruption.abort();
    this.interruption = new AbortController();
  }

  target(prop: string): string | undefined {
    if (looksLikePattern(prop)) return prop;
    return targetName(prop, (n) => this.inventory.host(n) !== undefined || this.inventory.group(n) !== undefined || n === 'localhost');
  }

  suggestTargets(prop: string): string[] {
    this.targetFuse ??= new Fuse([...this.inventory.groupNames, ...this.inventory.hostNames, 'local'], { threshold: 0.4 });
    return closest(prop, [...this.inventory.groupNames, ...this.inventory.hostNames, 'local'], 3, this.targetFuse);
  }

  /** Forget cached name lists after the inventory changes. */
  inventoryChanged(): void {
    this.targetFuse = undefined;
    this.inventoryVersion++;
  }

  isModule(name: string): boolean {
    return this.modules.resolve(name) !== undefined;
  }

  isNamespace(prefix: string): boolean {
    return this.modules.collections().some((c) => c === prefix || c.startsWith(`${prefix}.`));
  }

  suggestModules(name: string): string[] {
    return this.modules.suggest(name, 3);
  }

  moduleNotFound(name: string, what: string): Error {
    return this.modules.notFound(name, what);
  }

  hostsOf(pattern: string): string[] {
    const hosts = this.inventory.resolve(pattern);
    if (this.limit === undefined) return hosts;
    const allowed = new Set(this.inventory.resolve(this.limit));
    const limited = hosts.filter((h) => allowed.has(h));
    if (limited.length === 0) {
      throw new UsageError('FTL_PATTERN_NO_MATCH', `no host of '${pattern}' is within the limit '${this.limit}'`, { hint: 'change or clear the limit' });
    }
    return limited;
  }

  async call(pattern: string, module: string, args: unknown, opts: CallOptions | undefined): Promise<RunResult> {
    const o = opts ?? {};
    if (typeof o !== 'object' || Array.isArray(o)) {
      throw new UsageError('FTL_USAGE', 'call options must be an object such as { check: true, timeout: 30 }');
    }
    for (const key of Object.keys(o)) {
      if (!CALL_OPTION_KEYS.includes(key)) {
        throw new UsageError('FTL_USAGE', `unknown call option '${key}' for ${module}; call options are ${CALL_OPTION_KEYS.slice(0, 7).join(', ')}`, {
          hint: 'module args go in the first object, call options in the second',
        });
      }
    }
    // From the REPL or plain JavaScript: the types are not checked until here.
    checkCallOptions(o as Readonly<Record<string, unknown>>);
    // Taken before any await: a Ctrl-C while the call is being prepared cancels it too.
    const signal = o.signal === undefined ? this.interruption.signal : AbortSignal.any([o.signal, this.interruption.signal]);
    const hosts = this.hostsOf(pattern);
    if (o.vars !== undefined && (typeof o.vars !== 'object' || Array.isArray(o.vars))) {
      throw new UsageError('FTL_USAGE', "the call option vars must be an object such as { port: 8080 }");
    }
    const call = await prepareCall(this.modules, this.gates, module, args, {
      check: o.check ?? this.defaults.check,
      diff: o.diff ?? this.defaults.diff,
      session: this.actions,
      callVars: o.vars,
      refresh: o.refresh,
      hosts,
      gateKeyOf: (h) => GateProvider.keyOf(h, becomeFor(this.inventory.facts(h), o.become, this.defaults.become)),
      forks: o.forks ?? this.defaults.forks,
      limit: this.limit,
    });
    const onProgress = o.onProgress ?? this.onProgress;
    const result = await runOnHosts(pattern, hosts, call, (h) => this.inventory.facts(h), this.defaults, {
      ...o,
      signal,
      ...(onProgress === undefined ? {} : { onProgress }),
    });
    this.last = result;
    return result;
  }

  async close(): Promise<void> {
    await this.gates.closeAll();
  }
}

/** The members of the `ftl` object besides targets. */
export interface FtlMembers {
  readonly core: FtlCore;
  readonly hosts: string[];
  readonly groups: string[];
  readonly last: RunResult | undefined;
  /** The default target (all hosts, or localhost without an inventory; .target changes it). */
  readonly here: object;
  addHost(name: string, vars?: Record<string, unknown>, groups?: string[]): void;
  removeHost(name: string): void;
  /** ftl.run('web:&prod', 'dnf', { name: 'nginx' }) */
  run(pattern: string, module: string, args?: Record<string, unknown> | string, opts?: CallOptions): Promise<RunResult>;
  /** A target by pattern, the same as ftl['pattern']. */
  target(pattern: string): object;
  close(): Promise<void>;
}

export type Ftl = FtlMembers & Record<string, unknown>;

export function ftlObject(core: FtlCore): Ftl {
  const members: FtlMembers = {
    core,
    get hosts() {
      return [...core.inventory.hostNames];
    },
    get groups() {
      return [...core.inventory.groupNames];
    },
    get last() {
      return core.last;
    },
    get here() {
      return targetProxy(core, core.defaultTarget);
    },
    addHost(name, vars, groups) {
      core.inventory.addHost(name, vars, groups);
      core.inventoryChanged();
    },
    removeHost(name) {
      core.inventory.removeHost(name);
      core.inventoryChanged();
    },
    run: (pattern, module, args, opts) => core.call(pattern, module, args, opts),
    target: (pattern) => targetProxy(core, pattern),
    close: () => core.close(),
  };
  return rootProxy(core, members);
}

/** `import { automation } from 'ftl'`: the same object the REPL gives, for scripts. */
export async function automation(opts: AutomationOptions = {}): Promise<Ftl> {
  const sources = opts.inventory === undefined ? [] : Array.isArray(opts.inventory) ? opts.inventory : [opts.inventory];
  const [inventory, modules] = await Promise.all([Inventory.load(sources), opts.modules ?? ModuleIndex.load()]);
  const gates = new GateProvider(inventory, opts);
  return ftlObject(new FtlCore(inventory, modules, gates, opts));
}
