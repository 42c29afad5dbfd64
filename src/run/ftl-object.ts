import type { FtlCore } from './core.js';
import type { Ftl, FtlMembers, Secrets, Target } from './ftl-types.js';
import { rootProxy, targetProxy } from './proxy.js';

/** Where the object keeps its core: a symbol, so that no target name can hide it. */
const CORE = Symbol('ftl.core');

/** The automation core behind an `ftl` object (the REPL's and the tests' way in). */
export function coreOf(ftl: Ftl): FtlCore {
  return (ftl as unknown as { [CORE]: FtlCore })[CORE];
}

export function ftlObject(core: FtlCore): Ftl {
  let secrets: Secrets | undefined;
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
    addHost(name, vars, groups, opts) {
      core.addHost(name, vars, groups, opts);
    },
    removeHost(name) {
      core.removeHost(name);
    },
    run: (pattern, module, args, opts) => core.call(pattern, module, args, opts),
    replay: (file, opts) => core.replay(file, opts?.onNote),
    target: (pattern) => targetProxy(core, pattern) as Target,
    close: () => core.close(),
  };
  return rootProxy(core, members) as unknown as Ftl;
}
