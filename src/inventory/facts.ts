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

/** ProxyJump hops named in ansible_ssh_common_args: `-J a,b`, `-Ja`, `-o ProxyJump=a` or `-o 'ProxyJump a'`. */
export function parseProxyJump(commonArgs: string | undefined): string[] {
  if (commonArgs === undefined) return [];
  const words = commonArgs.match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
  const unq = words.map((w) => w.replace(/^['"]|['"]$/g, ''));
  for (let i = 0; i < unq.length; i++) {
    const w = unq[i] ?? '';
    let value: string | undefined;
    if (w === '-J') value = unq[i + 1];
    else if (w.startsWith('-J')) value = w.slice(2);
    else if (w === '-o') {
      const m = /^ProxyJump[= ]\s*(.+)$/i.exec(unq[i + 1] ?? '');
      value = m?.[1];
    } else {
      const m = /^-oProxyJump[= ]\s*(.+)$/i.exec(w);
      value = m?.[1];
    }
    if (value !== undefined && value.toLowerCase() !== 'none') return value.split(',').map((h) => h.trim()).filter(Boolean);
  }
  return [];
}

/** The value of `-o Name=value` (or `-o 'Name value'`, `-oName=value`) in ssh arguments, the first one winning as in ssh. */
export function sshOption(args: string | undefined, option: string): string | undefined {
  if (args === undefined) return undefined;
  const words = (args.match(/'[^']*'|"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^['"]|['"]$/g, ''));
  const re = new RegExp(`^${option}(?:\\s*=\\s*|\\s+)(.+)$`, 'i');
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    const text = w === '-o' ? words[i + 1] : w.startsWith('-o') ? w.slice(2) : undefined;
    const m = text === undefined ? null : re.exec(text);
    if (m?.[1] !== undefined) return m[1].trim();
  }
  return undefined;
}

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

export function hostFacts(name: string, vars: Readonly<Record<string, unknown>>, home = process.env.HOME ?? ''): HostFacts {
  const conn = str(vars.ansible_connection);
  const address = str(vars.ansible_host) ?? str(vars.ansible_ssh_host) ?? name;
  const portText = str(vars.ansible_port) ?? str(vars.ansible_ssh_port);
  const port = portText === undefined ? undefined : Number.parseInt(portText, 10);
  const become = bool(vars.ansible_become, false);
  const sshArgs = [str(vars.ansible_ssh_common_args), str(vars.ansible_ssh_extra_args)].filter((a) => a !== undefined).join(' ');
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
    proxyJump: parseProxyJump(str(vars.ansible_ssh_common_args)),
    hostKeyChecking: bool(vars.ansible_host_key_checking, true),
    knownHostsFile: expandHome(sshOption(sshArgs, 'UserKnownHostsFile')?.split(/\s+/)[0], home),
    strictHostKeyChecking: sshOption(sshArgs, 'StrictHostKeyChecking'),
  };
}
