import type { HostFacts } from '../base/host-facts.js';

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

export function hostFacts(name: string, vars: Readonly<Record<string, unknown>>, home = process.env.HOME ?? ''): HostFacts {
  const conn = str(vars.ansible_connection);
  const address = str(vars.ansible_host) ?? str(vars.ansible_ssh_host) ?? name;
  const portText = str(vars.ansible_port) ?? str(vars.ansible_ssh_port);
  const port = portText === undefined ? undefined : Number.parseInt(portText, 10);
  const become = bool(vars.ansible_become, false);
  const ssh = parseSshArgs([str(vars.ansible_ssh_common_args), str(vars.ansible_ssh_extra_args)].filter((a) => a !== undefined).join(' '));
  const opt = ssh.options;
  // ProxyJump and ProxyCommand exclude each other: the first given wins, as in ssh.
  const proxy = Object.keys(opt).find((k) => k === 'proxyjump' || k === 'proxycommand');
  return {
    name,
    connection: conn === 'local' || (conn === undefined && LOCAL_NAMES.has(name) && address === name) ? 'local' : 'ssh',
    address,
    port: port !== undefined && Number.isFinite(port) ? port : undefined,
    user: str(vars.ansible_user) ?? str(vars.ansible_ssh_user),
    privateKeyFile: expandHome(str(vars.ansible_ssh_private_key_file) ?? str(vars.ansible_private_key_file), home),
    password: str(vars.ansible_password) ?? str(vars.ansible_ssh_pass),
    python: str(vars.ansible_python_interpreter),
    become,
    becomeUser: str(vars.ansible_become_user) ?? (become ? 'root' : undefined),
    becomePassword: str(vars.ansible_become_password) ?? str(vars.ansible_become_pass),
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
