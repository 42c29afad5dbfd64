import { stringify } from 'yaml';

/** One lab host as recorded in <dir>/lab.json. */
export interface LabHostSpec {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** <dir>/<name>: sshd_config, host key, log, pidfile. */
  readonly dir: string;
}

/** What <dir>/lab.json holds, so `down` and `status` need only the directory. */
export interface LabSpec {
  readonly dir: string;
  readonly user: string;
  readonly hosts: readonly LabHostSpec[];
  /** Each host logs its user in with HOME=<host dir>/home, as separate machines would (gates, ~/.ansible/tmp). */
  readonly ownHomes?: boolean;
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

export function hostPaths(host: LabHostSpec): { config: string; hostKey: string; log: string; pid: string; home: string } {
  return {
    home: `${host.dir}/home`,
    config: `${host.dir}/sshd_config`,
    hostKey: `${host.dir}/ssh_host_ed25519_key`,
    log: `${host.dir}/sshd.log`,
    pid: `${host.dir}/sshd.pid`,
  };
}

export function labHostName(i: number, count: number): string {
  return `lab${String(i).padStart(Math.max(2, String(count).length), '0')}`;
}

/**
 * passwordAuth: sshd also takes passwords of the system's users (for teaching -k and the REPL's password question).
 * ownHome: a home directory per host (sshd sets HOME), so each host deploys and keeps its own files.
 */
export function sshdConfig(host: LabHostSpec, labDir: string, asRoot: boolean, opts: { passwordAuth?: boolean; ownHome?: boolean } = {}): string {
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
    'Subsystem sftp internal-sftp',
    // All hosts are one machine and one user: a home each keeps what lands in ~ apart, as on a real fleet.
    ownHome ? `SetEnv HOME=${p.home}` : '',
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

/** The inventory: group `lab`, with what real `ansible` needs to reach the same hosts. */
export function labInventory(spec: LabSpec): string {
  const p = labPaths(spec.dir);
  const hosts: Record<string, Record<string, unknown>> = {};
  for (const h of spec.hosts) hosts[h.name] = { ansible_host: h.address, ansible_port: h.port };
  const doc = {
    lab: {
      hosts,
      vars: {
        ansible_user: spec.user,
        ansible_ssh_private_key_file: p.key,
        ansible_ssh_common_args: `-o UserKnownHostsFile=${p.knownHosts} -o StrictHostKeyChecking=yes`,
        ansible_python_interpreter: '/usr/bin/python3',
      },
    },
  };
  return `# Written by ftl lab up; ftl lab down removes it.\n${stringify(doc, { lineWidth: 0 })}`;
}
