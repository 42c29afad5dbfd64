import { UsageError } from '../base/errors.js';
import type { FtlCore } from './core.js';
import type { Ftl, FtlMembers, Gates, Secrets, Target } from './ftl-types.js';
import { rootProxy, targetProxy } from './proxy.js';

/** Where the object keeps its core: a symbol, so that no target name can hide it. */
const CORE = Symbol('ftl.core');

/** The automation core behind an `ftl` object (the REPL's and the tests' way in). */
export function coreOf(ftl: Ftl): FtlCore {
  return (ftl as unknown as { [CORE]: FtlCore })[CORE];
}

export function ftlObject(core: FtlCore): Ftl {
  let secrets: Secrets | undefined;
  const gates: Gates = {
    list: () => core.gates.list(),
    restart: (pattern) => core.restartGates(pattern),
    upgrade: (pattern) => core.upgradeGates(pattern),
    drain: (pattern) => core.drainGates(pattern),
    drained: () => core.gates.drained(),
    remove: (pattern) => core.removeGates(pattern),
    stats: () => core.gates.stats(),
  };
  const members: FtlMembers & { [CORE]: FtlCore } = {
    [CORE]: core,
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
      return targetProxy(core, core.defaultTarget) as Target;
    },
    get secrets() {
      return (secrets ??= core.named.proxy() as Secrets);
    },
    gates,
    addHost(name, vars, groups, opts) {
      core.addHost(name, vars, groups, opts);
    },
    removeHost(name) {
      core.removeHost(name);
    },
    run: (pattern, module, args, opts) => core.call(pattern, module, args, opts),
    replay: (file, opts) => core.replay(file, opts?.onNote),
    target: (pattern) => targetProxy(core, pattern) as Target,
    events: (opts) => core.events.events(opts),
    listen: (ms, opts) => {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return Promise.reject(new UsageError('FTL_USAGE', `listen takes a number of milliseconds, not ${JSON.stringify(ms)}`, { hint: 'e.g. await ftl.listen(5000)' }));
      return core.events.listen(ms, opts);
    },
    close: () => core.close(),
  };
  return rootProxy(core, members) as unknown as Ftl;
}
