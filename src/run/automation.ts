import { SecretValues } from '../base/secrets.js';
import type { PasswordRequest } from '../base/passwords.js';
import { Inventory } from '../inventory/index.js';
import { ModuleIndex } from '../modules/index.js';
import { GateProvider } from '../hosts/gates.js';
import type { AutomationOptions } from './automation-options.js';
import { FtlCore } from './core.js';
import { ftlObject } from './ftl-object.js';
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
  const [inventory, modules] = await Promise.all([Inventory.load(sources, { extraVars: opts.extraVars, connectionDefaults }), opts.modules ?? ModuleIndex.load()]);
  // Every password the session is given or asks for is a secret to mask wherever it shows.
  const secrets = new SecretValues();
  secrets.add(opts.sshPassword);
  secrets.add(opts.becomePassword);
  const ask = opts.askPassword;
  const askPassword =
    ask === undefined
      ? undefined
      : async (req: PasswordRequest): Promise<string> => {
          const answer = await ask(req);
          secrets.add(answer);
          return answer;
        };
  const gates = new GateProvider(inventory, { ...opts, ...(askPassword === undefined ? {} : { askPassword }) });
  return ftlObject(new FtlCore(inventory, modules, gates, opts, secrets));
}
