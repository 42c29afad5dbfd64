import { resolve as resolvePath } from 'node:path';
import { UsageError } from '../base/errors.js';
import { SecretValues } from '../base/secrets.js';
import { Warnings } from '../base/warnings.js';
import type { PasswordRequest } from '../base/passwords.js';
import { AnsibleWorker } from '../hosts/ansible-worker.js';
import { probeAnsible } from '../modules/ansible-env.js';
import { ModuleIndex } from '../modules/index.js';
import { GateProvider } from '../hosts/gates.js';
import type { AutomationOptions } from './automation-options.js';
import { FtlCore } from './core.js';
import { ftlObject } from './ftl-object.js';
import type { Ftl } from './ftl-types.js';
import { SessionSecrets } from './session-secrets.js';
import { DEFAULT_STATE_FILE, hostOfEntry, StateFile } from './state-file.js';
import { loadProject } from './project.js';
import { hasAnsibleConfig } from './project-config.js';
import { resolveGateModules } from './gate-modules.js';
import { withFtlConfig } from './ftl-config.js';
import { NatsCaller } from '../nats/caller.js';

export type { AutomationOptions } from './automation-options.js';
export type { Ftl } from './ftl-types.js';

/** `import { automation } from 'ftl'`: the same object the REPL gives, for scripts. */
export async function automation(given: AutomationOptions = {}): Promise<Ftl> {
  // ftl's settings files under the options given (a bad file stops here, before anything starts).
  const opts = withFtlConfig(given);
  if (opts.askVaultPass === true && opts.vaultPassword === undefined) {
    throw new UsageError('FTL_USAGE', 'askVaultPass asks on the terminal, which only the ftl command does', { hint: 'give automation() vaultPassword or vaultPasswordFiles' });
  }
  const warnings = opts.warnings ?? new Warnings();
  // Started only on first need: ansible.cfg, a plugin inventory, vault values, {{ }}, a non-native module.
  const worker = new AnsibleWorker({ warnings });
  // The module index's probe of the controller's Python (~50 ms, another process) runs while the
  // inventory is read, when no Ansible configuration can change what it probes; ModuleIndex.load finds it done.
  if (opts.modules === undefined && !hasAnsibleConfig(process.env, process.cwd())) void probeAnsible(process.env);
  try {
    // Every password the session is given or asks for is a secret to mask wherever it shows;
    // so is every value decrypted from the vault.
    const secrets = new SecretValues();
    const { settings, inventory: loading } = await loadProject(opts, worker, warnings, { secrets });
    const o = settings.options;
    // Awaited below; if the secrets fail first, the inventory's own failure must not go unhandled.
    loading.catch(() => undefined);
    // Named secrets first: a missing one or a Vault refusal stops the start before any host is touched.
    const named = await SessionSecrets.load(o, secrets);
    const [inventory, modules] = await Promise.all([loading, o.modules ?? ModuleIndex.load({ env: settings.moduleEnv })]);
    const state = o.stateFile === false ? undefined : new StateFile(resolvePath(o.stateFile ?? DEFAULT_STATE_FILE), (message) => { warnings.warn({ message }); });
    // Hosts provisioned by earlier sessions join the inventory, in their groups (the state wins over the inventory, as in FTL2).
    if (state !== undefined) {
      for (const [name, entry] of Object.entries(state.load().hosts)) {
        const { vars, groups } = hostOfEntry(entry);
        inventory.addHost(name, vars, groups);
      }
    }
    secrets.add(o.sshPassword);
    secrets.add(o.becomePassword);
    secrets.add(o.vaultPassword);
    const ask = o.askPassword;
    const askPassword =
      ask === undefined
        ? undefined
        : async (req: PasswordRequest): Promise<string> => {
            const answer = await ask(req);
            secrets.add(answer);
            return answer;
          };
    const baked = resolveGateModules(modules, o.gateModules);
    const natsKey = o.natsKey ?? (process.env.FTL_NATS_KEY === '' ? undefined : process.env.FTL_NATS_KEY);
    secrets.add(natsKey);
    const remote = o.nats === undefined ? undefined : { nats: new NatsCaller(o.nats), key: natsKey };
    const gates = new GateProvider(inventory, { ...o, warnings, ...(askPassword === undefined ? {} : { askPassword }), ...(baked === undefined ? {} : { baked }) }, worker);
    return ftlObject(new FtlCore(inventory, modules, gates, o, secrets, settings, { named, state, persistAll: o.stateFile !== undefined && o.stateFile !== false, remote }));
  } catch (e) {
    // A worker started to read the config or decrypt (a wrong password) must not keep the process alive.
    await worker.close();
    throw e;
  }
}
