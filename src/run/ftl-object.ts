import type { FtlCore } from './core.js';
import type { Ftl, FtlMembers, Target } from './ftl-types.js';
import { rootProxy, targetProxy } from './proxy.js';

/** Where the object keeps its core: a symbol, so that no target name can hide it. */
const CORE = Symbol('ftl.core');

/** The automation core behind an `ftl` object (the REPL's and the tests' way in). */
export function coreOf(ftl: Ftl): FtlCore {
  return (ftl as unknown as { [CORE]: FtlCore })[CORE];
}

export function ftlObject(core: FtlCore): Ftl {
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
    addHost(name, vars, groups) {
      core.inventory.addHost(name, vars, groups);
      core.inventoryChanged();
    },
    removeHost(name) {
      core.inventory.removeHost(name);
      core.inventoryChanged();
    },
    run: (pattern, module, args, opts) => core.call(pattern, module, args, opts),
    target: (pattern) => targetProxy(core, pattern) as Target,
    close: () => core.close(),
  };
  return rootProxy(core, members) as unknown as Ftl;
}
