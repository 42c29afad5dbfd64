import type { HostFacts } from '../base/host-facts.js';
import { InventoryError } from '../base/errors.js';

export type { HostFacts } from '../base/host-facts.js';

function str(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function bool(v: unknown, dflt: boolean): boolean {
  if (typeof v === 'boolean') return v;
  const s = str(v)?.toLowerCase();
  if (s === undefined) return dflt;
  if (['yes', 'on', '1', 'true', 'y', 't'].includes(s)) return true;
  if (['no', 'off', '0', 'false', 'n', 'f'].includes(s)) return false;
  return dflt;
}

function expandHome(p: string | undefined, home: string): string | undefined {
  if (p === undefined) return undefined;
  return p === '~' || p.startsWith('~/') ? home + p.slice(1) : p;
}

/**
 * Splits ssh arguments as Ansible does (Python's shlex.split): blanks separate words,
 * quotes group and may sit inside a word (`-o ProxyCommand="ssh -W %h:%p gw"`),
 * backslash escapes outside single quotes. An unclosed quote runs to the end.
 */
export function shellWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s.charAt(i);
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      cur += end < 0 ? s.slice(i + 1) : s.slice(i + 1, end);
      i = end < 0 ? s.length : end + 1;
      inWord = true;
    } else if (c === '"') {
      i++;
      while (i < s.length && s.charAt(i) !== '"') {
        const next = s.charAt(i + 1);
        if (s.charAt(i) === '\\' && '"\\$`\n'.includes(next) && next !== '') {
          cur += next;
          i += 2;
        } else {
          cur += s.charAt(i);
          i++;
        }
      }
      i++;
      inWord = true;
    } else if (c === '\\') {
      cur += s.charAt(i + 1);
      i += 2;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** ssh(1) flags that take an argument (the rest of the word, or the next word). */
const FLAGS_WITH_ARG = new Set('BbcDEeFIiJLlmOoPpQRSWw'.split(''));

/** What ssh arguments say: -o options (lowercased names, first value of each, in order; -J is ProxyJump), and every other flag. */
export function parseSshArgs(args: string | undefined): { options: Record<string, string>; flags: string[] } {
  const options: Record<string, string> = {};
  const flags: string[] = [];
  const words = shellWords(args ?? '');
  const setOption = (text: string): void => {
    const m = /^([A-Za-z0-9]+)(?:\s*=\s*|\s+)(.*)$/s.exec(text.trim());
    if (m === null) {
      flags.push(`-o ${text}`);
      return;
    }
    const name = (m[1] ?? '').toLowerCase();
    // ssh keeps the first value it is given for an option.
    if (!(name in options)) options[name] = (m[2] ?? '').trim();
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (!w.startsWith('-') || w === '-' || w === '--') {
      flags.push(w);
      continue;
    }
    for (let j = 1; j < w.length; j++) {
      const f = w.charAt(j);
      if (!FLAGS_WITH_ARG.has(f)) {
        flags.push(`-${f}`);
        continue;
      }
      const value = j + 1 < w.length ? w.slice(j + 1) : (words[++i] ?? '');
      if (f === 'o') setOption(value);
      else if (f === 'J') setOption(`ProxyJump=${value}`);
      else flags.push(`-${f} ${value}`);
      break;
    }
  }
  return { options, flags };
}

/** ProxyJump hops named in ansible_ssh_common_args: `-J a,b`, `-Ja`, `-o ProxyJump=a` or `-o 'ProxyJump a'`. */
export function parseProxyJump(commonArgs: string | undefined): string[] {
  return jumpHops(parseSshArgs(commonArgs).options.proxyjump);
}

function jumpHops(value: string | undefined): string[] {
  if (value === undefined || value.toLowerCase() === 'none') return [];
  return value.split(',').map((h) => h.trim()).filter(Boolean);
}

/** The value of `-o Name=value` (or `-o 'Name value'`, `-oName=value`) in ssh arguments, the first one winning as in ssh. */
export function sshOption(args: string | undefined, option: string): string | undefined {
  return parseSshArgs(args).options[option.toLowerCase()];
}

function seconds(v: unknown): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

/** Connection plugins ftl runs, by every name Ansible knows them by (smart and paramiko are ssh to ftl). */
const CONNECTIONS: Readonly<Record<string, 'local' | 'ssh'>> = {
  local: 'local',
  ssh: 'ssh',
  smart: 'ssh',
  paramiko: 'ssh',
  paramiko_ssh: 'ssh',
};

const BECOME_METHODS: readonly string[] = ['sudo', 'su'];

function withoutBuiltinPrefix(name: string): string {
  return name.replace(/^ansible\.(?:builtin|legacy)\./, '');
}

/** 'local' or 'ssh' for a connection name ftl runs; undefined for the others (docker, winrm, ...). */
export function connectionKind(name: string): 'local' | 'ssh' | undefined {
  return CONNECTIONS[withoutBuiltinPrefix(name)];
}

/** 'sudo' or 'su' for a become method ftl runs; undefined for the others (doas, pbrun, ...). */
export function becomeMethodOf(name: string): 'sudo' | 'su' | undefined {
  const short = withoutBuiltinPrefix(name);
  return BECOME_METHODS.includes(short) ? (short as 'sudo' | 'su') : undefined;
}

/**
 * What the command line says for every host (-u, --private-key, -c, -b, --become-user,
 * --become-method): below the inventory, as in Ansible, where ansible_user beats -u.
 */
export interface ConnectionDefaults {
  readonly user?: string | undefined;
  readonly privateKeyFile?: string | undefined;
  readonly connection?: 'local' | 'ssh' | undefined;
  readonly becomeUser?: string | undefined;
  readonly becomeMethod?: 'sudo' | 'su' | undefined;
  /** ansible.cfg / ANSIBLE_*: the ssh plugin's ssh_args, ssh_common_args, ssh_extra_args (each host's variables replace the last two). */
  readonly sshArgs?: string | undefined;
  readonly sshCommonArgs?: string | undefined;
  readonly sshExtraArgs?: string | undefined;
  /** interpreter_python (ansible.cfg, ANSIBLE_PYTHON_INTERPRETER) for hosts without ansible_python_interpreter. */
  readonly python?: string | undefined;
}

/** A variable known by several names: the last one set wins, as Ansible's plugin options resolve them. */
function lastOf(vars: Readonly<Record<string, unknown>>, names: readonly string[]): string | undefined {
  let found: string | undefined;
  for (const n of names) found = str(vars[n]) ?? found;
  return found;
}

export function hostFacts(name: string, vars: Readonly<Record<string, unknown>>, home = process.env.HOME ?? '', defaults: ConnectionDefaults = {}): HostFacts {
  const connText = str(vars.ansible_connection);
  const conn = connText === undefined ? defaults.connection : connectionKind(connText);
  const address = str(vars.ansible_host) ?? str(vars.ansible_ssh_host) ?? name;
  const portText = str(vars.ansible_port) ?? str(vars.ansible_ssh_port);
  const port = portText === undefined ? undefined : Number.parseInt(portText, 10);
  const become = bool(vars.ansible_become, false);
  const methodText = str(vars.ansible_become_method);
  const method = methodText === undefined ? (defaults.becomeMethod ?? 'sudo') : becomeMethodOf(methodText);
  const m = method ?? 'sudo';
  // As Ansible's ssh plugin builds the command: ssh_args, then ssh_common_args, then ssh_extra_args.
  const common = str(vars.ansible_ssh_common_args) ?? defaults.sshCommonArgs;
  const extra = str(vars.ansible_ssh_extra_args) ?? defaults.sshExtraArgs;
  const ssh = parseSshArgs([str(vars.ansible_ssh_args) ?? defaults.sshArgs, common, extra].filter((a) => a !== undefined && a !== '').join(' '));
  const opt = ssh.options;
  // ProxyJump and ProxyCommand exclude each other: the first given wins, as in ssh.
  const proxy = Object.keys(opt).find((k) => k === 'proxyjump' || k === 'proxycommand');
  return {
    name,
    connection: conn === 'local' || (conn === undefined && connText === undefined && LOCAL_NAMES.has(name) && address === name) ? 'local' : 'ssh',
    ...(connText !== undefined && conn === undefined ? { unsupportedConnection: connText } : {}),
    address,
    port: port !== undefined && Number.isFinite(port) ? port : undefined,
    user: str(vars.ansible_user) ?? str(vars.ansible_ssh_user) ?? defaults.user,
    privateKeyFile: expandHome(str(vars.ansible_ssh_private_key_file) ?? str(vars.ansible_private_key_file) ?? defaults.privateKeyFile, home),
    password: str(vars.ansible_password) ?? str(vars.ansible_ssh_pass),
    python: str(vars.ansible_python_interpreter) ?? defaults.python,
    become,
    becomeUser: lastOf(vars, ['ansible_become_user', `ansible_${m}_user`]) ?? defaults.becomeUser ?? (become ? 'root' : undefined),
    becomePassword: lastOf(vars, ['ansible_become_password', 'ansible_become_pass', `ansible_${m}_pass`]),
    becomeMethod: m,
    ...(methodText !== undefined && method === undefined ? { unsupportedBecomeMethod: methodText } : {}),
    becomeFlags: lastOf(vars, ['ansible_become_flags', `ansible_${m}_flags`]),
    proxyJump: proxy === 'proxyjump' ? jumpHops(opt.proxyjump) : [],
    hostKeyChecking: bool(vars.ansible_host_key_checking, true),
    knownHostsFile: expandHome(opt.userknownhostsfile?.split(/\s+/)[0], home),
    strictHostKeyChecking: opt.stricthostkeychecking,
    proxyCommand: proxy === 'proxycommand' ? opt.proxycommand : undefined,
    // As Ansible: its timeout goes to ssh before the inventory's arguments, so it wins.
    connectTimeoutS: seconds(vars.ansible_ssh_timeout) ?? seconds(vars.ansible_timeout) ?? seconds(opt.connecttimeout),
    sshOptions: opt,
    sshFlags: ssh.flags,
  };
}

/**
 * Why ftl will not run on a host, naming the host and the value: a connection it does not
 * have, or (when the call becomes another user) a become method it does not have.
 */
export function refusalFor(facts: HostFacts, becomes: boolean): InventoryError | undefined {
  if (facts.unsupportedConnection !== undefined) {
    return new InventoryError('FTL_INVENTORY_UNSUPPORTED', `ansible_connection '${facts.unsupportedConnection}' is not supported: ftl connects over ssh or locally`, {
      host: facts.name,
      hint: 'set ansible_connection to ssh or local for this host, or run it with ansible',
    });
  }
  if (becomes && facts.unsupportedBecomeMethod !== undefined) {
    return new InventoryError('FTL_INVENTORY_UNSUPPORTED', `ansible_become_method '${facts.unsupportedBecomeMethod}' is not supported: ftl becomes other users with sudo or su`, {
      host: facts.name,
      hint: 'set ansible_become_method to sudo or su for this host, or run it with ansible',
    });
  }
  return undefined;
}
