import { UsageError } from '../base/errors.js';
import type { GateClient } from '../gate/client.js';
import type { GateProvider } from '../hosts/gates.js';
import type { HostOutcome, HostRunOptions } from '../base/types.js';
import type { ModuleIndex } from '../modules/index.js';
import { buildModuleRequest, interpretReply } from '../modules/request.js';
import type { ModuleInfo } from '../base/module-types.js';
import type { Args } from './types.js';

export interface ModuleCall extends HostRunOptions {
  check: boolean;
  diff: boolean;
}

/**
 * A module by name, as an action runs it: the gate's native one unless `real` asks for
 * Ansible's (copy's remote_src, setup's backends), never another action.
 */
export function moduleFor(modules: ModuleIndex, name: string, real: boolean): ModuleInfo {
  const info = modules.resolve(name);
  if (info === undefined) throw new UsageError('FTL_MODULE_NOT_FOUND', `no module '${name}' on this controller`, { hint: 'install ansible-core (apt-get install ansible-core) for Ansible\'s modules' });
  if (!real || !info.native) return info;
  if (info.path === undefined) {
    throw new UsageError('FTL_MODULE_NOT_FOUND', `${name}: this needs Ansible's ${info.shortName} module, and the controller has no ansible-core`, {
      hint: 'install ansible-core (apt-get install ansible-core)',
    });
  }
  return { ...info, native: false };
}

/** Runs one module on a gate and reads its reply as Ansible's controller would (plain calls and actions alike). */
export async function callModule(gates: GateProvider, gate: GateClient, info: ModuleInfo, args: Args, o: ModuleCall, modules: ModuleIndex): Promise<HostOutcome> {
  const request = buildModuleRequest(info, args, {
    check: o.check,
    diff: o.diff,
    verbosity: 0,
    ansibleVersion: modules.ansibleVersion,
    sentHashes: gates.shippedTo(gate),
    collectionRoots: modules.collectionRoots,
    maxOutput: o.maxOutput,
  });
  const opts = { timeoutMs: o.timeoutMs, signal: o.signal };
  if (request.type === 'Module') gates.noteModuleRequest(info.fqcn, request.data);
  let reply = await gate.request(request.type, request.data, opts);
  // A gate that lost its copy (a new home directory, a cleaned cache) gets the source again.
  if (reply.type === 'ModuleNotFound' && request.withSource !== undefined) {
    const full = request.withSource();
    gates.noteModuleRequest(info.fqcn, full.data);
    reply = await gate.request(full.type, full.data, opts);
  }
  return interpretReply(reply, info.fqcn);
}
