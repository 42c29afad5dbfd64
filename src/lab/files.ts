import { yaml } from '../base/yaml.js';
import { UsageError } from '../base/errors.js';

/** One lab host as recorded in <dir>/lab.json. */
export interface LabHostSpec {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** <dir>/<name>: sshd_config, host key, log, pidfile. */
  readonly dir: string;
  /** The inventory group (from --groups); absent: group `lab`. */
  readonly group?: string;
}

/**
 * How the hosts are kept apart: 'root' (plain mount and UTS namespaces), 'user' (the same
 * inside an unprivileged user namespace); absent: they share the controller's files and name.
 */
export type LabIsolation = 'root' | 'user';

/** What <dir>/lab.json holds, so `down` and `status` need only the directory. */
export interface LabSpec {
  readonly dir: string;
  readonly user: string;
  readonly hosts: readonly LabHostSpec[];
  /** Each host logs its user in with HOME=<host dir>/home, as separate machines would (gates, ~/.ansible/tmp). */
  readonly ownHomes?: boolean;
  /** The hosts die with the process that started them (tests). */
  readonly tied?: boolean;
  /** Each host in namespaces of its own: hostname, /tmp, home and /etc view. */
  readonly isolation?: LabIsolation;
  /** With isolation: the login user's home, over which each host's own home is mounted ('' when it has none). */
  readonly home?: string;
}

export function labPaths(dir: string): { spec: string; inventory: string; knownHosts: string; key: string; authorizedKeys: string } {
  return {
    spec: `${dir}/lab.json`,
    inventory: `${dir}/inventory.yml`,
    knownHosts: `${dir}/known_hosts`,
    key: `${dir}/id_ed25519`,
    authorizedKeys: `${dir}/authorized_keys`,
  };
}

export function hostPaths(host: LabHostSpec): { config: string; hostKey: string; log: string; pid: string; home: string; tmp: string; etc: string; etcWork: string; startLog: string } {
  return {
    home: `${host.dir}/home`,
    tmp: `${host.dir}/tmp`,
    // The upper layer of the host's /etc (its own hostname, hosts, and whatever it changes), and overlayfs' work dir.
    etc: `${host.dir}/etc`,
    etcWork: `${host.dir}/etc-work`,
    // What goes wrong before sshd runs (namespace set-up).
    startLog: `${host.dir}/start.log`,
    config: `${host.dir}/sshd_config`,
    hostKey: `${host.dir}/ssh_host_ed25519_key`,
    log: `${host.dir}/sshd.log`,
    pid: `${host.dir}/sshd.pid`,
  };
}

export function labHostName(i: number, count: number, prefix = 'lab'): string {
  return `${prefix}${String(i).padStart(Math.max(2, String(count).length), '0')}`;
}

export interface LabGroup {
  readonly name: string;
  readonly count: number;
}

const GROUP_NAME = /^[a-z_][a-z0-9_]*$/;

/** `web:3,db:2` → groups; the error names the bad part and the form. */
export function parseLabGroups(text: string): LabGroup[] {
  const groups: LabGroup[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = /^([^:]+):(\d+)$/.exec(part);
    const name = m?.[1] ?? '';
    const count = Number.parseInt(m?.[2] ?? '', 10);
    if (m === null || !GROUP_NAME.test(name) || count < 1) {
      throw new UsageError('FTL_USAGE', `--groups: '${part}' is not a group: write NAME:COUNT with a lower-case name and a count of 1 or more, as in web:3,db:2`);
    }
    if (name === 'all' || name === 'ungrouped') throw new UsageError('FTL_USAGE', `--groups: '${name}' is a group every inventory has already; choose another name`);
    if (groups.some((g) => g.name === name)) throw new UsageError('FTL_USAGE', `--groups: group ${name} is given twice; give each group once`);
    groups.push({ name, count });
  }
  return groups;
}

/** Host names and groups: web01..web03, db01..db02; or lab01..labNN without groups. */
export function labHostNames(count: number, groups?: readonly LabGroup[]): { name: string; group?: string }[] {
  if (groups === undefined || groups.length === 0) return Array.from({ length: count }, (_, i) => ({ name: labHostName(i + 1, count) }));
  return groups.flatMap((g) => Array.from({ length: g.count }, (_, i) => ({ name: labHostName(i + 1, g.count, g.name), group: g.name })));
}

/**
 * passwordAuth: sshd also takes passwords of the system's users (for teaching -k and the REPL's password question).
 * ownHome: a home directory per host (sshd sets HOME), so each host deploys and keeps its own files.
 */
export function sshdConfig(
  host: LabHostSpec,
  labDir: string,
  asRoot: boolean,
  opts: { passwordAuth?: boolean; ownHome?: boolean; isolated?: boolean; maxStartups?: string | undefined } = {},
): string {
  const passwordAuth = opts.passwordAuth === true;
  const ownHome = opts.ownHome === true;
  const p = hostPaths(host);
  return [
    '# Written by ftl lab: one disposable sshd of a local lab.',
    `ListenAddress ${host.address}:${String(host.port)}`,
    `HostKey ${p.hostKey}`,
    // The controller writes the pidfile itself (the pid it spawned).
    'PidFile none',
    `AuthorizedKeysFile ${labPaths(labDir).authorizedKeys}`,
    // The lab lives in a temp or home directory whose modes sshd would otherwise reject.
    'StrictModes no',
    'PubkeyAuthentication yes',
    // Checked against /etc/shadow by sshd itself (UsePAM no), which needs root.
    `PasswordAuthentication ${passwordAuth ? 'yes' : 'no'}`,
    'KbdInteractiveAuthentication no',
    // PAM needs root; without it sshd runs as any user.
    'UsePAM no',
    asRoot ? 'PermitRootLogin prohibit-password' : '',
    'MaxSessions 10',
    // Benches and tests throttle connection bursts as a busy sshd would (sshd's default is 10:30:100).
    opts.maxStartups === undefined ? '' : `MaxStartups ${opts.maxStartups}`,
    'Subsystem sftp internal-sftp',
    // All hosts are one machine and one user: a home each keeps what lands in ~ apart, as on a real fleet.
    // (Isolated hosts have theirs mounted over the real home instead.)
    ownHome && opts.isolated !== true ? `SetEnv HOME=${p.home}` : '',
    'LogLevel VERBOSE',
    '',
  ]
    .filter((l, i, all) => l !== '' || i === all.length - 1)
    .join('\n');
}

export function knownHostsLine(address: string, port: number, publicKey: string): string {
  const [type, blob] = publicKey.trim().split(/\s+/);
  const host = port === 22 ? address : `[${address}]:${String(port)}`;
  return `${host} ${type ?? ''} ${blob ?? ''}`;
}

/**
 * The inventory, with what real `ansible` needs to reach the same hosts: group `lab`, or with
 * --groups one group each under `all` (the connection vars then go to `all`).
 */
export function labInventory(spec: LabSpec): string {
  const p = labPaths(spec.dir);
  const vars = {
    ansible_user: spec.user,
    ansible_ssh_private_key_file: p.key,
    ansible_ssh_common_args: `-o UserKnownHostsFile=${p.knownHosts} -o StrictHostKeyChecking=yes`,
    ansible_python_interpreter: '/usr/bin/python3',
  };
  const hostsOf = (group: string | undefined): Record<string, Record<string, unknown>> => {
    const hosts: Record<string, Record<string, unknown>> = {};
    for (const h of spec.hosts) if (h.group === group) hosts[h.name] = { ansible_host: h.address, ansible_port: h.port };
    return hosts;
  };
  const groups = [...new Set(spec.hosts.map((h) => h.group))];
  const doc =
    groups.length === 1 && groups[0] === undefined
      ? { lab: { hosts: hostsOf(undefined), vars } }
      : { all: { vars, children: Object.fromEntries(groups.map((g) => [g ?? 'lab', { hosts: hostsOf(g) }])) } };
  return `# Written by ftl lab up; ftl lab down removes it.\n${yaml().stringify(doc, { lineWidth: 0 })}`;
}
