/**
 * ansible.cfg and ANSIBLE_* as ftl's options, with Ansible's precedence: the command line
 * over the environment over the file over the default. Ansible's configuration manager (in
 * the controller's worker) resolves the environment and the file and says where each value
 * came from; this file only lays the command line over it and maps Ansible's names to ftl's.
 *
 * Reading it starts the worker (~0.3 s of Python importing ansible.constants), so it is read
 * only when there is something to read: an ansible.cfg where Ansible looks, or an ANSIBLE_*
 * variable. Where Ansible says 'default', ftl keeps its own defaults (forks 50, its own
 * interpreter probe), which are shown as such.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { UsageError } from '../base/errors.js';
import type { AnsibleConfig, AnsibleSetting } from '../hosts/ansible-project.js';
import { becomeMethodOf } from '../inventory/facts.js';
import type { ConnectionDefaults } from '../inventory/facts.js';
import type { AutomationOptions } from './automation-options.js';

/** Where Ansible looks for its configuration file, in its order (ANSIBLE_CONFIG first). */
export function configCandidates(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const out: string[] = [];
  if (env.ANSIBLE_CONFIG !== undefined && env.ANSIBLE_CONFIG !== '') out.push(env.ANSIBLE_CONFIG);
  out.push(join(cwd, 'ansible.cfg'), join(env.HOME ?? homedir(), '.ansible.cfg'), '/etc/ansible/ansible.cfg');
  return out;
}

/** Whether Ansible would find any configuration to read here: a file where it looks, or an ANSIBLE_* variable. */
export function hasAnsibleConfig(env: NodeJS.ProcessEnv, cwd: string): boolean {
  if (Object.keys(env).some((k) => k.startsWith('ANSIBLE_') && k !== 'ANSIBLE_CONFIG')) return true;
  return configCandidates(env, cwd).some((p) => existsSync(p));
}

/** One line of `.settings`: an ftl setting, its value, and where the value came from. */
export interface ShownSetting {
  readonly name: string;
  readonly value: string;
  /** 'command line', 'env: ANSIBLE_X', an ansible.cfg path, 'default' (Ansible's), 'ftl default'. */
  readonly origin: string;
}

export interface ProjectSettings {
  /** The options with ansible.cfg and ANSIBLE_* filled in under what the command line gave. */
  readonly options: AutomationOptions;
  /** What ftl's host facts take from the configuration beneath every host's own variables. */
  readonly connectionDefaults: ConnectionDefaults;
  /** The environment the module index reads (ANSIBLE_COLLECTIONS_PATH, ANSIBLE_LIBRARY as configured). */
  readonly moduleEnv: NodeJS.ProcessEnv;
  readonly configFile: string | null;
  readonly shown: readonly ShownSetting[];
}

const CLI = 'command line';

function given(s: AnsibleSetting | undefined): s is AnsibleSetting {
  return s !== undefined && s.origin !== 'default' && s.value !== null && s.value !== undefined;
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '(none)';
  if (Array.isArray(v)) return v.map(String).join(', ');
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? [v] : [];
}

/**
 * Lays the command line (opts) over Ansible's configuration (cfg; undefined: none read)
 * and says where each value came from.
 */
export function applyAnsibleConfig(opts: AutomationOptions, cfg: AnsibleConfig | undefined, env: NodeJS.ProcessEnv = process.env): ProjectSettings {
  const s = cfg?.settings ?? {};
  const ssh = cfg?.ssh ?? {};
  const shown: ShownSetting[] = [];
  const out: AutomationOptions = { ...opts };
  /** The command line's value, else the configuration's, else ftl's default; said in `shown`. */
  const pick = <T>(name: string, cli: T | undefined, setting: AnsibleSetting | undefined, convert: (v: unknown) => T | undefined, dflt: string): T | undefined => {
    if (cli !== undefined) {
      shown.push({ name, value: text(cli), origin: CLI });
      return cli;
    }
    if (given(setting)) {
      const v = convert(setting.value);
      if (v !== undefined) {
        shown.push({ name, value: text(setting.value), origin: setting.origin });
        return v;
      }
    }
    shown.push({ name, value: setting === undefined ? dflt : text(setting.value), origin: setting === undefined ? 'ftl default' : 'default' });
    return undefined;
  };
  const inventory = pick('inventory', opts.inventory, s.DEFAULT_HOST_LIST, (v) => (strings(v).length > 0 ? strings(v) : undefined), '(none: localhost only)');
  if (inventory !== undefined) out.inventory = inventory;
  const user = pick('remote_user', opts.remoteUser, ssh.remote_user, (v) => (typeof v === 'string' && v !== '' ? v : undefined), '(the local user, or ~/.ssh/config)');
  if (user !== undefined) out.remoteUser = user;
  const key = pick('private_key_file', opts.privateKeyFile, ssh.private_key_file, (v) => (typeof v === 'string' && v !== '' ? v : undefined), '(none)');
  if (key !== undefined) out.privateKeyFile = key;
  const cliHostKeys = opts.noHostKeyCheck === true ? false : undefined;
  const hostKeys = pick('host_key_checking', cliHostKeys, ssh.host_key_checking, (v) => (typeof v === 'boolean' ? v : undefined), 'true');
  if (hostKeys === false && opts.acceptNew !== true) out.noHostKeyCheck = true;
  const forks = pick('forks', opts.forks, s.DEFAULT_FORKS, (v) => (typeof v === 'number' && v > 0 ? v : undefined), '50');
  if (forks !== undefined) out.forks = forks;
  if (s.DEFAULT_FORKS?.origin === 'default' && opts.forks === undefined) shown[shown.length - 1] = { name: 'forks', value: '50', origin: 'ftl default' };
  const cliTimeout = opts.connectTimeoutMs === undefined ? undefined : opts.connectTimeoutMs / 1000;
  const timeout = pick('timeout (connect)', cliTimeout, ssh.timeout, (v) => (typeof v === 'number' && v > 0 ? v : undefined), '10');
  if (timeout !== undefined) out.connectTimeoutMs = timeout * 1000;
  const cliBecome = opts.become === undefined ? undefined : opts.become;
  const become = pick('become', cliBecome, s.DEFAULT_BECOME, (v) => (v === true ? (true as const) : undefined), 'false');
  if (become !== undefined) out.become = become;
  const method = pick('become_method', opts.becomeMethod, s.DEFAULT_BECOME_METHOD, (v) => {
    const m = becomeMethodOf(String(v));
    if (m === undefined) {
      throw new UsageError('FTL_USAGE', `become_method '${String(v)}' (${s.DEFAULT_BECOME_METHOD?.origin ?? ''}) is not supported: ftl becomes other users with sudo or su`, { hint: 'set become_method to sudo or su, or run it with ansible' });
    }
    return m;
  }, 'sudo');
  if (method !== undefined) out.becomeMethod = method;
  const becomeUser = pick('become_user', opts.becomeUser, s.DEFAULT_BECOME_USER, (v) => (typeof v === 'string' && v !== '' ? v : undefined), 'root');
  if (becomeUser !== undefined) out.becomeUser = becomeUser;
  const vault = pick('vault_password_file', opts.vaultPasswordFiles, s.DEFAULT_VAULT_PASSWORD_FILE, (v) => (strings(v).length > 0 ? strings(v) : undefined), '(none)');
  if (vault !== undefined) out.vaultPasswordFiles = vault;
  const python = pick('interpreter_python', undefined, s.INTERPRETER_PYTHON, (v) => (typeof v === 'string' && v !== '' ? v : undefined), "(ftl's probe: python3, /usr/bin/python3, ...)");
  if (python === undefined && s.INTERPRETER_PYTHON?.origin === 'default') {
    shown[shown.length - 1] = { name: 'interpreter_python', value: "auto (ftl's probe: python3, /usr/bin/python3, ...)", origin: 'default' };
  }
  const sshArgs: Record<string, string | undefined> = {};
  for (const name of ['ssh_args', 'ssh_common_args', 'ssh_extra_args']) {
    sshArgs[name] = pick(name, undefined, ssh[name], (v) => (typeof v === 'string' && v !== '' ? v : undefined), '(none)');
  }
  const moduleEnv: NodeJS.ProcessEnv = { ...env };
  const collections = pick('collections_path', undefined, s.COLLECTIONS_PATHS, (v) => (strings(v).length > 0 ? strings(v) : undefined), '(ftl default)');
  if (collections !== undefined) moduleEnv.ANSIBLE_COLLECTIONS_PATH = collections.join(delimiter);
  const library = pick('library', undefined, s.DEFAULT_MODULE_PATH, (v) => (strings(v).length > 0 ? strings(v) : undefined), '(none)');
  if (library !== undefined) moduleEnv.ANSIBLE_LIBRARY = library.join(delimiter);
  return {
    options: out,
    connectionDefaults: {
      user: out.remoteUser,
      privateKeyFile: out.privateKeyFile,
      connection: out.connection,
      becomeUser: out.becomeUser,
      becomeMethod: out.becomeMethod,
      sshArgs: sshArgs.ssh_args,
      sshCommonArgs: sshArgs.ssh_common_args,
      sshExtraArgs: sshArgs.ssh_extra_args,
      python,
    },
    moduleEnv,
    configFile: cfg?.configFile ?? null,
    shown,
  };
}
