import { inspect } from 'node:util';
import { UsageError } from '../base/errors.js';
import type { CallOptions } from './runner.js';
import type { RunResult } from './result.js';
import type { MetricsOptions, StreamHandle, WatchOptions } from './events.js';

/** What the proxies need from the automation core. */
export interface ProxyCore {
  /** The inventory target a property means, or undefined. */
  target(prop: string): string | undefined;
  /** Closest host and group names, for errors. */
  suggestTargets(prop: string): string[];
  /** Whether `name` is a module (short name or FQCN). */
  isModule(name: string): boolean;
  /** Whether `prefix` (e.g. "community" or "community.general") starts some module's FQCN. */
  isNamespace(prefix: string): boolean;
  suggestModules(name: string): string[];
  /** The error for a name that is no module (or collection) here. */
  moduleNotFound(name: string, what: string): Error;
  call(pattern: string, module: string, args: unknown, opts: CallOptions | undefined): Promise<RunResult>;
  /** Hosts a pattern matches (throws on no match). */
  hostsOf(pattern: string): string[];
  watch(pattern: string, path: unknown, opts?: WatchOptions): Promise<StreamHandle>;
  metrics(pattern: string, opts?: MetricsOptions): Promise<StreamHandle>;
}

export type ModuleFunction = (args?: Record<string, unknown> | string, opts?: CallOptions) => Promise<RunResult>;

/** Properties every proxy answers itself, so that inspection and await never mistake it. */
function passthrough(prop: string): boolean {
  return prop === 'then' || prop === 'toJSON' || prop === 'constructor' || prop === 'prototype' || prop === 'valueOf' || prop === 'toString';
}

function didYouMean(names: string[]): string {
  return names.length === 0 ? '' : `; did you mean ${names.map((n) => `'${n}'`).join(', ')}?`;
}

/** `ftl.<target>.<ns>.<coll>.<module>`: the namespace part of an FQCN chain. */
function namespaceProxy(core: ProxyCore, pattern: string, prefix: string): object {
  const base = { [inspect.custom]: () => `[ftl ${pattern}: ${prefix}.*]` };
  return new Proxy(base, {
    get(t, prop) {
      if (typeof prop === 'symbol' || passthrough(prop)) return Reflect.get(t, prop) as unknown;
      const name = `${prefix}.${prop}`;
      if (core.isModule(name)) return moduleFunction(core, pattern, name);
      if (core.isNamespace(name)) return namespaceProxy(core, pattern, name);
      throw core.moduleNotFound(name, 'module or collection');
    },
  });
}

function moduleFunction(core: ProxyCore, pattern: string, module: string): ModuleFunction {
  const fn: ModuleFunction = (args, opts) => core.call(pattern, module, args, opts);
  Object.defineProperty(fn, 'name', { value: module });
  return fn;
}

/** `ftl.<target>`: module calls on the hosts a pattern matches. */
export function targetProxy(core: ProxyCore, pattern: string): object {
  const base = {
    [inspect.custom]: () => {
      try {
        return `[ftl target ${pattern}: ${core.hostsOf(pattern).length} hosts]`;
      } catch (e) {
        return `[ftl target ${pattern}: ${e instanceof Error ? e.message : String(e)}]`;
      }
    },
  };
  return new Proxy(base, {
    get(t, prop) {
      if (typeof prop === 'symbol' || passthrough(prop)) return Reflect.get(t, prop) as unknown;
      if (prop === 'hosts') return core.hostsOf(pattern);
      if (prop === 'pattern') return pattern;
      // Streams, not modules: ansible has no module of these names.
      if (prop === 'watch') return (path: unknown, opts?: WatchOptions) => core.watch(pattern, path, opts);
      if (prop === 'metrics') return (opts?: MetricsOptions) => core.metrics(pattern, opts);
      if (core.isModule(prop)) return moduleFunction(core, pattern, prop);
      if (core.isNamespace(prop)) return namespaceProxy(core, pattern, prop);
      throw core.moduleNotFound(prop, 'module');
    },
  });
}

/** The top-level `ftl` object: its own members, then targets by name or pattern. */
export function rootProxy<T extends object>(core: ProxyCore, members: T): T & Record<string, unknown> {
  return new Proxy(members, {
    get(t, prop) {
      if (typeof prop === 'symbol' || prop in t) return Reflect.get(t, prop) as unknown;
      if (passthrough(prop)) return undefined;
      const target = core.target(prop);
      if (target !== undefined) return targetProxy(core, target);
      throw new UsageError('FTL_PATTERN_NO_MATCH', `no host or group '${prop}'${didYouMean(core.suggestTargets(prop))}`, {
        hint: ".hosts lists the hosts; ftl['pattern'] takes a host pattern",
      });
    },
    has(t, prop) {
      return prop in t || (typeof prop === 'string' && core.target(prop) !== undefined);
    },
  }) as T & Record<string, unknown>;
}
