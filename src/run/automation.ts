import { UsageError } from '../base/errors.js';
import { SecretValues } from '../base/secrets.js';
import { Warnings } from '../base/warnings.js';
import type { PasswordRequest } from '../base/passwords.js';
import { Inventory } from '../inventory/index.js';
import { ModuleIndex } from '../modules/index.js';
import { AnsibleWorker } from '../hosts/ansible-worker.js';
import { GateProvider } from '../hosts/gates.js';
import { workerVault } from '../hosts/vault.js';
import type { AutomationOptions } from './automation-options.js';
import { FtlCore } from './core.js';
import { ftlObject } from './ftl-object.js';
import { vaultPasswords } from './vault-passwords.js';
import type { Ftl } from './ftl-types.js';

export type { AutomationOptions } from './automation-options.js';
export type { Ftl } from './ftl-types.js';

/** `import { automation } from 'ftl'`: the same object the REPL gives, for scripts. */
export async function automation(opts: AutomationOptions = {}): Promise<Ftl> {
  const sources = opts.inventory === undefined ? [] : Array.isArray(opts.inventory) ? opts.inventory : [opts.inventory];
  const connectionDefaults = {
    user: opts.remoteUser,
    privateKeyFile: opts.privateKeyFile,
    connection: opts.connection,
    becomeUser: opts.becomeUser,
    becomeMethod: opts.becomeMethod,
  };
  if (opts.askVaultPass === true && opts.vaultPassword === undefined) {
    throw new UsageError('FTL_USAGE', 'askVaultPass asks on the terminal, which only the ftl command does', { hint: 'give automation() vaultPassword or vaultPasswordFiles' });
  }
  // Every password the session is given or asks for is a secret to mask wherever it shows;
  // so is every value decrypted from the vault.
  const secrets = new SecretValues();
  secrets.add(opts.sshPassword);
  secrets.add(opts.becomePassword);
  secrets.add(opts.vaultPassword);
  // The controller's Ansible worker, made here only when the inventory has vault values to
  // decrypt; the gates use the same one after (templating).
  const warnings = opts.warnings ?? new Warnings();
  let worker: AnsibleWorker | undefined;
  const vault = workerVault(() => (worker ??= new AnsibleWorker({ warnings })), vaultPasswords(opts));
  let inventory: Inventory;
  let modules: ModuleIndex;
  try {
    [inventory, modules] = await Promise.all([Inventory.load(sources, { extraVars: opts.extraVars, connectionDefaults, vault, secrets }), opts.modules ?? ModuleIndex.load()]);
  } catch (e) {
    // A worker started to decrypt (a wrong password) must not keep the process alive.
    await worker?.close();
    throw e;
  }
  const ask = opts.askPassword;
  const askPassword =
    ask === undefined
      ? undefined
      : async (req: PasswordRequest): Promise<string> => {
          const answer = await ask(req);
          secrets.add(answer);
          return answer;
        };
  const gates = new GateProvider(inventory, { ...opts, warnings, ...(askPassword === undefined ? {} : { askPassword }) }, worker);
  return ftlObject(new FtlCore(inventory, modules, gates, opts, secrets));
}
