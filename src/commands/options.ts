import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { UsageError } from '../base/errors.js';
import { becomeMethodOf, connectionKind } from '../inventory/facts.js';
import type { AutomationOptions } from '../run/automation.js';
import { parseExtraVars } from './extra-vars.js';
import { moduleList } from '../modules/bake.js';
import { readSecretBindings } from './secret-bindings.js';

/** Options shared by the REPL (`ftl`) and one-shot calls (`ftl run`), named as ansible names them. */
export interface CommonCliOptions {
  inventory?: string[];
  limit?: string;
  check?: boolean;
  diff?: boolean;
  forks?: string;
  timeout?: string;
  become?: string | boolean;
  becomeUser?: string;
  becomeMethod?: string;
  user?: string;
  privateKey?: string;
  keyFile?: string;
  connection?: string;
  extraVars?: string[];
  vaultPasswordFile?: string[];
  vaultPassFile?: string[];
  vaultId?: string[];
  askVaultPass?: boolean;
  askVaultPassword?: boolean;
  json?: boolean;
  acceptNew?: boolean;
  hostKeyCheck?: boolean;
  askPass?: boolean;
  askBecomePass?: boolean;
  secret?: string[];
  secretBindings?: string;
  stateFile?: string;
  policy?: string;
  environment?: string;
  yes?: boolean;
  audit?: boolean;
  gateModules?: string;
  nats?: string;
  natsKeyFile?: string;
  observe?: boolean;
  record?: string;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('-i, --inventory <source>', 'inventory file, directory or script (repeatable); none: localhost only', collect)
    .option('-l, --limit <pattern>', 'only hosts that also match this pattern')
    .option('-e, --extra-vars <vars>', 'variables over every other, for every host: key=value words, YAML/JSON, or @file (repeatable, later wins)', collect)
    .option('-u, --user <user>', 'login user for hosts whose inventory gives no ansible_user')
    .option('--private-key <file>', 'SSH key for hosts whose inventory gives none')
    .addOption(new Option('--key-file <file>', 'the same as --private-key').hideHelp())
    .option('-c, --connection <type>', 'ssh or local, for hosts whose inventory gives no ansible_connection')
    .option('-C, --check', 'check mode: report what would change, change nothing')
    .option('-D, --diff', 'show the differences that changes make')
    .option('-f, --forks <n>', 'hosts worked on at once (default 50)')
    .option('-T, --timeout <seconds>', 'per host per call (default 300)')
    .addOption(new Option('-b, --become [user]', "become another user: each host's ansible_become_user (else --become-user, else root), or the user given"))
    .option('--become-user <user>', 'the become user of hosts whose inventory names none (with -b, or ansible_become)')
    .option('--become-method <method>', 'sudo (default) or su, for hosts whose inventory names none')
    .option('-k, --ask-pass', 'ask for the SSH password once, on the terminal (for hosts whose inventory gives none)')
    .option('-K, --ask-become-pass', 'ask for the become (sudo/su) password once, on the terminal')
    .option('--vault-password-file <file>', 'file (or script) giving the vault password (repeatable)', collect)
    .addOption(new Option('--vault-pass-file <file>', 'the same as --vault-password-file').argParser(collect).hideHelp())
    .option('--vault-id <id>', 'a vault password with a label: LABEL@FILE, or FILE (repeatable)', collect)
    .option('--ask-vault-pass', 'ask for the vault password once, on the terminal')
    .addOption(new Option('--ask-vault-password', 'the same as --ask-vault-pass').hideHelp())
    .option('--secret <name>', 'expose an environment variable as ftl.secrets.NAME (shown as ********), or NAME=vault:path#field from HashiCorp Vault KV v2 (repeatable)', collect)
    .option('--secret-bindings <file>', 'YAML/JSON { module pattern: { parameter: SECRET_NAME } }: secrets put into matching calls')
    .option('--state-file <file>', 'the state file of provisioned hosts (default ./.ftl2-state.json, merged into the inventory)')
    .option('--json', 'results as JSON lines')
    .option('--accept-new', 'record host keys not yet in known_hosts (a changed key is still refused)')
    .option('--no-host-key-check', 'do not check host keys at all (throwaway labs only)')
    .option('--policy <path>', 'policy file or directory of rules (deny, confirm), as FTL2 writes them (default: FTL_POLICY)')
    .option('--environment <name>', 'the environment of hosts whose inventory sets no ftl_environment, for policy rules')
    .option('-y, --yes', 'go on with calls that need a confirmation (policy confirm rules) without asking')
    .option('--gate-modules <list>', "Ansible modules baked into the gate (lineinfile,community.general.ini_file), or auto: the modules this project's last session ran")
    .option('--nats <url>', 'NATS server of ftl workers (nats://host:4222): calls go to the workers there (docs/scale.md)')
    .option('--nats-key-file <file>', 'file holding the key that seals call args on NATS, the same for caller and workers (default: FTL_NATS_KEY)')
    .option('--no-audit', 'do not append this session\'s calls to the audit trail (~/.ftl/audit, FTL_AUDIT_DIR)')
    .option('--no-observe', 'after a failure, do not look around the host (service status, journal, ls, df, command -v)')
    .option('--record <file>', 'append each call (pattern, module, args with secrets masked, outcome per host) to FILE as JSON lines, for ftl replay');
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError('FTL_USAGE', `${name} must be a positive whole number, not '${v}'`);
  return n;
}

function positiveNumber(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError('FTL_USAGE', `${name} must be a positive number of seconds, not '${v}'`);
  return n;
}

function nonEmpty(name: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v.trim() === '') throw new UsageError('FTL_USAGE', `${name} needs a value, not an empty one`);
  return v;
}

function connectionOption(v: string | undefined): 'local' | 'ssh' | undefined {
  if (v === undefined) return undefined;
  const kind = connectionKind(v);
  if (kind === undefined) {
    throw new UsageError('FTL_USAGE', `-c/--connection '${v}' is not supported: ftl connects with ssh or local`, { hint: '-c ssh or -c local (smart and paramiko mean ssh), or run it with ansible' });
  }
  return kind;
}

function becomeMethodOption(v: string | undefined): 'sudo' | 'su' | undefined {
  if (v === undefined) return undefined;
  const method = becomeMethodOf(v);
  if (method === undefined) {
    throw new UsageError('FTL_USAGE', `--become-method '${v}' is not supported: ftl becomes other users with sudo or su`, { hint: '--become-method sudo or --become-method su, or run it with ansible' });
  }
  return method;
}

function gateModulesOption(v: string): string[] | 'auto' {
  const names = moduleList(v);
  if (names.length === 0) throw new UsageError('FTL_USAGE', '--gate-modules needs module names or auto', { hint: '--gate-modules lineinfile,community.general.ini_file' });
  return names.length === 1 && names[0] === 'auto' ? 'auto' : names;
}

/** nats://host:port, or host:port (as nats-server's clients take it). */
export function natsUrl(v: string): string {
  const url = nonEmpty('--nats', v) ?? v;
  if (!/^(nats|tls|ws|wss):\/\/[^/\s]+$|^[^/\s:]+(:\d+)?$/.test(url)) {
    throw new UsageError('FTL_USAGE', `--nats '${v}' is not a NATS server URL`, { hint: 'e.g. --nats nats://127.0.0.1:4222' });
  }
  return url;
}

function readKeyFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new UsageError('FTL_USAGE', `--nats-key-file ${file} cannot be read: ${e instanceof Error ? e.message : String(e)}`, { hint: 'give a readable file holding the key (one line)' });
  }
  if (text.length < 16) throw new UsageError('FTL_USAGE', `the NATS key in ${file} is shorter than 16 characters`, { hint: 'e.g. openssl rand -base64 32 > FILE' });
  return text;
}

export function automationOptions(o: CommonCliOptions): AutomationOptions {
  const become = o.become === true ? true : typeof o.become === 'string' ? nonEmpty('--become', o.become) : undefined;
  const privateKeyFile = nonEmpty('--private-key', o.privateKey ?? o.keyFile);
  const vaultFiles = [...(o.vaultPasswordFile ?? []), ...(o.vaultPassFile ?? [])];
  const extraVars = parseExtraVars(o.extraVars);
  const connection = connectionOption(o.connection);
  const becomeMethod = becomeMethodOption(o.becomeMethod);
  const user = nonEmpty('-u/--user', o.user);
  const becomeUser = nonEmpty('--become-user', o.becomeUser);
  const stateFile = nonEmpty('--state-file', o.stateFile);
  const secretBindings = o.secretBindings === undefined ? undefined : readSecretBindings(o.secretBindings);
  return {
    ...(o.inventory === undefined ? {} : { inventory: o.inventory }),
    ...(o.limit === undefined ? {} : { limit: o.limit }),
    check: o.check === true,
    diff: o.diff === true,
    ...(o.forks === undefined ? {} : { forks: positiveInt('--forks', o.forks) }),
    ...(o.timeout === undefined ? {} : { timeout: positiveNumber('--timeout', o.timeout) }),
    ...(become === undefined ? {} : { become }),
    ...(becomeUser === undefined ? {} : { becomeUser }),
    ...(becomeMethod === undefined ? {} : { becomeMethod }),
    ...(user === undefined ? {} : { remoteUser: user }),
    ...(privateKeyFile === undefined ? {} : { privateKeyFile }),
    ...(connection === undefined ? {} : { connection }),
    ...(extraVars === undefined ? {} : { extraVars }),
    ...(vaultFiles.length === 0 ? {} : { vaultPasswordFiles: vaultFiles }),
    ...(o.vaultId === undefined ? {} : { vaultIds: o.vaultId }),
    ...(o.askVaultPass === true || o.askVaultPassword === true ? { askVaultPass: true } : {}),
    ...(o.secret === undefined ? {} : { secrets: o.secret }),
    ...(secretBindings === undefined ? {} : { secretBindings }),
    ...(stateFile === undefined ? {} : { stateFile }),
    ...(o.acceptNew === true ? { acceptNew: true } : {}),
    ...(o.hostKeyCheck === false ? { noHostKeyCheck: true } : {}),
    ...(o.policy === undefined ? {} : { policy: nonEmpty('--policy', o.policy) }),
    ...(o.environment === undefined ? {} : { environment: nonEmpty('--environment', o.environment) }),
    ...(o.yes === true ? { confirm: true } : {}),
    ...(o.audit === false ? { audit: false } : {}),
    ...(o.gateModules === undefined ? {} : { gateModules: gateModulesOption(o.gateModules) }),
    ...(o.nats === undefined ? {} : { nats: natsUrl(o.nats) }),
    ...(o.natsKeyFile === undefined ? {} : { natsKey: readKeyFile(o.natsKeyFile) }),
    ...(o.observe === false ? { observe: false } : {}),
    ...(o.record === undefined ? {} : { record: nonEmpty('--record', o.record) }),
  };
}

/** The option of cmd a flag's attribute belongs to, as a person would type it (-i, --inventory). */
function flagOf(cmd: Command, key: string): string {
  const opt = cmd.options.find((o) => o.attributeName() === key);
  return opt === undefined ? key : [opt.short, opt.long].filter((f) => f !== undefined).join('/');
}

/**
 * Options typed before a subcommand (`ftl -i inv run web ping`) belong to ftl itself
 * (commander's positional options) and would be dropped. They are given to the
 * subcommand when it takes them too (repeatable ones come first, the subcommand's own
 * value wins otherwise); when it does not, that is an error saying where they go.
 */
export function passParentOptions(parent: Command, sub: Command): void {
  const target = sub.options;
  const path = [];
  for (let c: Command | null = sub; c !== null && c !== parent; c = c.parent) path.unshift(c.name());
  const name = `ftl ${path.join(' ')}`;
  for (const [key, value] of Object.entries(parent.opts())) {
    if (parent.getOptionValueSource(key) !== 'cli') continue;
    if (!target.some((o) => o.attributeName() === key)) {
      throw new UsageError('FTL_USAGE', `${flagOf(parent, key)} is not an option of '${name}'`, { hint: `see ${name} --help for the options it takes` });
    }
    const own: unknown = sub.getOptionValue(key);
    if (Array.isArray(value)) sub.setOptionValueWithSource(key, [...(value as unknown[]), ...(Array.isArray(own) ? (own as unknown[]) : [])], 'cli');
    else if (sub.getOptionValueSource(key) !== 'cli') sub.setOptionValueWithSource(key, value, 'cli');
  }
}
