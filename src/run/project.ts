import { existsSync } from 'node:fs';
import { FtlError } from '../base/errors.js';
import type { Warnings } from '../base/warnings.js';
import { loadInventoryWithAnsible, readAnsibleConfig, type AnsibleConfig } from '../hosts/ansible-project.js';
import type { AnsibleWorker } from '../hosts/ansible-worker.js';
import { Inventory } from '../inventory/index.js';
import type { AutomationOptions } from './automation-options.js';
import { applyAnsibleConfig, configCandidates, hasAnsibleConfig, type ProjectSettings } from './project-config.js';

/**
 * Ansible's configuration for this directory, read by the worker when there is any to read.
 * Without ansible-core the session goes on without it; an ansible.cfg left unread is said once.
 */
export async function readConfigIfAny(worker: AnsibleWorker, warnings: Warnings, env: NodeJS.ProcessEnv, cwd: string): Promise<AnsibleConfig | undefined> {
  if (!hasAnsibleConfig(env, cwd)) return undefined;
  try {
    return await readAnsibleConfig(worker);
  } catch (e) {
    if (!(e instanceof FtlError) || e.code !== 'FTL_NO_ANSIBLE') throw e;
    const file = configCandidates(env, cwd).find((p) => existsSync(p));
    if (file !== undefined) warnings.warn({ message: `${file} is not read: reading ansible.cfg needs ansible-core on the controller (${e.message})` });
    return undefined;
  }
}

/** The session's settings (command line over ansible.cfg and ANSIBLE_*) and its inventory, read as Ansible reads it. */
export async function loadProject(
  opts: AutomationOptions,
  worker: AnsibleWorker,
  warnings: Warnings,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Promise<{ settings: ProjectSettings; inventory: Promise<Inventory> }> {
  const settings = applyAnsibleConfig(opts, await readConfigIfAny(worker, warnings, env, cwd), env);
  const o = settings.options;
  const sources = o.inventory === undefined ? [] : Array.isArray(o.inventory) ? o.inventory : [o.inventory];
  const inventory = Inventory.load(sources, {
    cwd,
    extraVars: o.extraVars,
    connectionDefaults: settings.connectionDefaults,
    ansible: (paths) => loadInventoryWithAnsible(worker, paths, cwd),
  });
  return { settings, inventory };
}
