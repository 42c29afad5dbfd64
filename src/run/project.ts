import { existsSync } from 'node:fs';
import { FtlError } from '../base/errors.js';
import type { Warnings } from '../base/warnings.js';
import { loadInventoryWithAnsible, readAnsibleConfig, type AnsibleConfig } from '../hosts/ansible-project.js';
import type { AnsibleWorker } from '../hosts/ansible-worker.js';
import { workerVault } from '../hosts/vault.js';
import { Inventory } from '../inventory/index.js';
import type { SecretSink } from '../inventory/vault.js';
import type { AutomationOptions } from './automation-options.js';
import { ConfigCache, configCacheKey } from './config-cache.js';
import { vaultPasswords } from './vault-passwords.js';
import { applyAnsibleConfig, configCandidates, hasAnsibleConfig, type ProjectSettings } from './project-config.js';

/**
 * Ansible's configuration for this directory, read by the worker when there is any to read.
 * Without ansible-core the session goes on without it; an ansible.cfg left unread is said once.
 */
export async function readConfigIfAny(worker: AnsibleWorker, warnings: Warnings, env: NodeJS.ProcessEnv, cwd: string, cache: ConfigCache | false = new ConfigCache()): Promise<AnsibleConfig | undefined> {
  if (!hasAnsibleConfig(env, cwd)) return undefined;
  try {
    const key = cache === false ? undefined : await configCacheKey(env, cwd);
    const kept = key === undefined || cache === false ? undefined : cache.read(key);
    if (kept !== undefined) return kept;
    const { config, warned } = await readAnsibleConfig(worker);
    if (key !== undefined && cache !== false && !warned) cache.store(key, config);
    return config;
  } catch (e) {
    if (!(e instanceof FtlError) || e.code !== 'FTL_NO_ANSIBLE') throw e;
    const file = configCandidates(env, cwd).find((p) => existsSync(p));
    if (file !== undefined) warnings.warn({ message: `${file} is not read: reading ansible.cfg needs ansible-core on the controller (${e.message})` });
    return undefined;
  }
}

/** What loading does with vault values: where decrypted ones go, and whether `!vault` values are decrypted (not for ansible-inventory's display). */
export interface ProjectVault {
  readonly secrets?: SecretSink | undefined;
  readonly decryptValues?: boolean | undefined;
}

/** The session's settings (command line over ansible.cfg and ANSIBLE_*) and its inventory, read as Ansible reads it. */
export async function loadProject(
  opts: AutomationOptions,
  worker: AnsibleWorker,
  warnings: Warnings,
  vault: ProjectVault = {},
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
    // Vault passwords as Ansible gathers them: the command line, ansible.cfg's vault_password_file, ANSIBLE_VAULT_*.
    vault: workerVault(() => worker, vaultPasswords(o, env, cwd)),
    secrets: vault.secrets,
    decryptValues: vault.decryptValues,
  });
  return { settings, inventory };
}
