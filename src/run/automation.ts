import { resolve as resolvePath } from 'node:path';
import { SecretValues } from '../base/secrets.js';
import type { PasswordRequest } from '../base/passwords.js';
import { Warnings } from '../base/warnings.js';
import { Inventory } from '../inventory/index.js';
import { ModuleIndex } from '../modules/index.js';
import { GateProvider } from '../hosts/gates.js';
import type { AutomationOptions } from './automation-options.js';
import { FtlCore } from './core.js';
import { ftlObject } from './ftl-object.js';
import type { Ftl } from './ftl-types.js';
import { SessionSecrets } from './session-secrets.js';
import { DEFAULT_STATE_FILE, hostOfEntry, StateFile } from './state-file.js';

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
  // Every password the session is given or asks for is a secret to mask wherever it shows.
  const secrets = new SecretValues();
  // Named secrets first: a missing one or a Vault refusal stops the start before any host is touched.
  const named = await SessionSecrets.load(opts, secrets);
  const [inventory, modules] = await Promise.all([Inventory.load(sources, { extraVars: opts.extraVars, connectionDefaults }), opts.modules ?? ModuleIndex.load()]);
  const warnings = opts.warnings ?? new Warnings();
  const state = opts.stateFile === false ? undefined : new StateFile(resolvePath(opts.stateFile ?? DEFAULT_STATE_FILE), (message) => { warnings.warn({ message }); });
  // Hosts provisioned by earlier sessions join the inventory, in their groups (the state wins over the inventory, as in FTL2).
  if (state !== undefined) {
    for (const [name, entry] of Object.entries(state.load().hosts)) {
      const { vars, groups } = hostOfEntry(entry);
      inventory.addHost(name, vars, groups);
    }
  }
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
  const gates = new GateProvider(inventory, { ...opts, warnings, ...(askPassword === undefined ? {} : { askPassword }) });
  return ftlObject(new FtlCore(inventory, modules, gates, opts, secrets, { named, state, persistAll: opts.stateFile !== undefined && opts.stateFile !== false }));
}
