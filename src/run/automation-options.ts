import type { GateProviderOptions } from '../hosts/options.js';
import type { ModuleIndex } from '../modules/index.js';
import type { SecretBindings } from './session-secrets.js';
import type { SafetyOptions } from './safety.js';
import type { GateModules } from './gate-modules.js';

/** What `automation()` (and the REPL, and `ftl run`) take. */
export interface AutomationOptions extends GateProviderOptions, SafetyOptions {
  /** Inventory sources (-i); none: localhost only. */
  inventory?: string | string[];
  /** Restrict every call to hosts also matching this pattern (--limit). */
  limit?: string;
  check?: boolean;
  diff?: boolean;
  forks?: number;
  /** Seconds per host per call. */
  timeout?: number;
  /**
   * Become for every call (-b): a user name runs every host as that user; true runs each
   * host as its ansible_become_user, else becomeUser, else root (ansible's -b).
   */
  become?: string | true;
  /** --become-user: the become user of hosts whose inventory names none. */
  becomeUser?: string;
  /** --become-method: sudo (the default) or su, for hosts whose inventory names none. */
  becomeMethod?: 'sudo' | 'su';
  /** -u: the login user of hosts whose inventory gives no ansible_user. */
  remoteUser?: string;
  /** --private-key: the SSH key of hosts whose inventory gives none. */
  privateKeyFile?: string;
  /** -c: local or ssh, for hosts whose inventory gives no ansible_connection. */
  connection?: 'local' | 'ssh';
  /**
   * -e: variables over every other (inventory, connection variables, facts, call vars),
   * for every host, as Ansible's extra vars.
   */
  extraVars?: Record<string, unknown>;
  /**
   * --vault-password-file (repeatable): files (or executable scripts) that give the
   * passwords of vault-encrypted inventory and vars values. Never read into logs or results.
   */
  vaultPasswordFiles?: string[];
  /** --vault-id (repeatable): `label@file` or a file, as Ansible's vault ids (a file may be a script). */
  vaultIds?: string[];
  /**
   * --ask-vault-pass: ask once, on the terminal, for the vault password (the CLI and the
   * REPL ask before loading the inventory; a script gives vaultPassword instead).
   */
  askVaultPass?: boolean;
  /** The vault password itself (what --ask-vault-pass asks for): memory only, masked wherever it shows. */
  vaultPassword?: string;
  /** Bytes of stdout (and of stderr) a host's result may carry; more is cut (truncated: true). Default 16 MiB. */
  maxOutput?: number;
  /**
   * Secrets the session may use, as `ftl.secrets.NAME` (shown as ********, given to modules
   * as the value): environment variable names, or `NAME=vault:path#field` (HashiCorp Vault
   * KV v2, with VAULT_ADDR and VAULT_TOKEN). A missing one stops the start with its name.
   */
  secrets?: string[];
  /** FTL2's vault_secrets: name → `path#field` under the KV v2 mount. */
  vaultSecrets?: Record<string, string>;
  /** The KV v2 mount Vault paths are under (default "secret"). */
  vaultMount?: string;
  /**
   * Secrets put into the calls of the modules a pattern matches (fnmatch on the module as
   * called, its FQCN or its short name), unless the call gives the parameter:
   * `{ 'community.aws.*': { aws_secret_key: 'AWS_SECRET_KEY' } }`. The caller never sees them.
   */
  secretBindings?: SecretBindings;
  /**
   * The state file of provisioned hosts (FTL2's .ftl2-state.json): its hosts are merged
   * into the inventory. Given, every ftl.addHost is written to it; otherwise only
   * addHost(..., { persist: true }) writes, to ./.ftl2-state.json (also the file read).
   * false: no state file.
   */
  stateFile?: string | false;
  /**
   * Ansible modules to bake into the gate (with the collection module_utils they import),
   * so a fresh host gets them with its one gate upload: names or FQCNs, or 'auto' for the
   * modules this project's last session ran (recorded in ~/.ftl/projects/<id>/modules.json).
   */
  gateModules?: GateModules;
  /**
   * A NATS server URL (nats://host:4222): calls are published to the \`ftl worker\`s there
   * instead of run from this process (docs/scale.md). The inventory is still read here, to
   * resolve patterns; policy, confirmation and the audit stay here too.
   */
  nats?: string;
  /**
   * The key that seals call args on NATS (AES-256-GCM), the same on the caller and every
   * worker; default the FTL_NATS_KEY environment variable. Without one, a call whose args
   * hold a secret is refused rather than sent in clear.
   */
  natsKey?: string;
  /** false: no failure observations (service status, ls, df, ...) after a failure (--no-observe). Default: on. */
  observe?: boolean;
  /** A file to record every call in (JSON lines) for ftl replay (--record). */
  record?: string;
  /**
   * ftl's settings files (~/.ftl/config.yml, then ./.ftl.yml or FTL_CONFIG): read unless
   * false. Options given here win over them.
   */
  config?: false;
  /** The settings files that were read (set by ftl; .settings shows them). */
  configFiles?: readonly string[];
  /** A module index already loaded (the REPL shares one). */
  modules?: ModuleIndex;
}
