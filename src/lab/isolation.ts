import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { hostPaths, type LabHostSpec, type LabIsolation } from './files.js';

/**
 * Lab hosts that really differ: each sshd runs in a UTS namespace (its own hostname) and a
 * mount namespace where the host's own directories are mounted over /tmp and the login
 * user's home, and an overlay (or, where overlayfs is refused, single files) over /etc.
 * The mounts exist only inside the namespace, so they vanish with its last process: stopping
 * the sshd, however it happens, leaves nothing mounted on the controller.
 */

/** Finds a program on PATH (and the usual sbin directories, which a user's PATH may lack). */
export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (d === '') continue;
    const p = join(d, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** unshare's options for a mode; 'user' maps the current user to itself and keeps the capabilities the namespace grants, for the mounts. */
export function namespaceFlags(isolation: LabIsolation): string[] {
  const base = ['--uts', '--mount', '--propagation', 'private'];
  if (isolation === 'root') return base;
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return ['--user', `--map-user=${String(uid)}`, `--map-group=${String(gid)}`, '--keep-caps', ...base];
}

function run(file: string, args: readonly string[]): Promise<{ ok: boolean; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000 }, (err, _stdout, stderr) => {
      resolve({ ok: err === null, stderr: (stderr || (err?.message ?? '')).trim().split('\n')[0] ?? '' });
    });
  });
}

/**
 * Which namespaces this machine gives us, tried for real (a hostname and a bind mount in a
 * throw-away namespace): plain ones as root, else an unprivileged user namespace.
 * The reason says why neither works, for the one-line warning of the shared fallback.
 */
export async function probeIsolation(unshare: string | undefined): Promise<{ isolation: LabIsolation } | { reason: string }> {
  const bin = unshare ?? findProgram('unshare');
  if (bin === undefined || !existsSync(bin)) return { reason: 'unshare not found (install util-linux)' };
  const probe = ['/bin/sh', '-c', 'hostname ftl-lab-probe && mount --bind /tmp /tmp'];
  const modes: LabIsolation[] = process.getuid?.() === 0 ? ['root', 'user'] : ['user'];
  let reason = '';
  for (const mode of modes) {
    const r = await run(bin, [...namespaceFlags(mode), '--', ...probe]);
    if (r.ok) return { isolation: mode };
    if (reason === '') reason = r.stderr;
  }
  const hint = process.getuid?.() === 0 ? '' : '; unprivileged user namespaces may be off (sysctl kernel.unprivileged_userns_clone=1), or run as root';
  return { reason: `namespaces refused: ${reason}${hint}` };
}

/**
 * Run inside the host's fresh namespaces, as root there (really, or in the user namespace):
 * $1 lab dir, $2 host name, $3 home to cover ('' for none), then the sshd command line.
 * The lab dir may sit under /tmp or the home, which the mounts cover: fd 3 keeps it
 * reachable (through /proc/self/fd/3, not canonicalized, which would follow the covered
 * path), and at the end what sshd reads (the host's own dir and authorized_keys) is mounted
 * back at its own path, where sshd_config points; the other hosts' dirs stay out of sight.
 */
const NAMESPACE_SCRIPT = `set -e
L=$1; N=$2; HOMEDIR=$3; shift 3
exec 3<"$L"
hostname "$N"
if ! mount -t overlay ftl-lab-etc -o "lowerdir=/etc,upperdir=$L/$N/etc,workdir=$L/$N/etc-work$FTL_LAB_XATTR" /etc 2>/dev/null; then
  echo "ftl lab: overlayfs refused, so only /etc/hostname and /etc/hosts are this host's own" >&2
  for f in hostname hosts; do
    if [ -f "/etc/$f" ]; then mount --bind "$L/$N/etc/$f" "/etc/$f"; fi
  done
fi
if [ -n "$HOMEDIR" ]; then mount --no-canonicalize --bind "/proc/self/fd/3/$N/home" "$HOMEDIR"; fi
mount --no-canonicalize --bind "/proc/self/fd/3/$N/tmp" /tmp
if [ ! -e "$L/$N/sshd_config" ]; then
  mkdir -p "$L/$N"
  mount --no-canonicalize --bind "/proc/self/fd/3/$N" "$L/$N"
  : >>"$L/authorized_keys"
  mount --no-canonicalize --bind /proc/self/fd/3/authorized_keys "$L/authorized_keys"
fi
exec 3<&-
exec "$@"
`;

/**
 * What runs sshd: setpriv, when there is something to set. In a user namespace the
 * capabilities were kept for the mounts; sshd and its sessions should not have them.
 * tied: sshd is killed when the process that started it dies (a test run that crashes).
 */
export function sshdPrefix(isolation: LabIsolation | undefined, tied: boolean): string[] {
  const flags = [...(isolation === 'user' ? ['--inh-caps=-all', '--ambient-caps=-all'] : []), ...(tied ? ['--pdeathsig', 'KILL'] : [])];
  const setpriv = flags.length > 0 ? findProgram('setpriv') : undefined;
  return setpriv === undefined ? [] : [setpriv, ...flags, '--'];
}

/** The command that starts one host's sshd inside its own namespaces. */
export function isolatedCommand(unshare: string, isolation: LabIsolation, labDir: string, host: LabHostSpec, home: string, sshdArgv: readonly string[]): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  return {
    file: unshare,
    args: [...namespaceFlags(isolation), '--', '/bin/sh', '-c', NAMESPACE_SCRIPT, 'ftl-lab', labDir, host.name, home, ...sshdArgv],
    // overlayfs in a user namespace keeps its bookkeeping in user.* attributes.
    env: { ...process.env, FTL_LAB_XATTR: isolation === 'user' ? ',userxattr' : '' },
  };
}

interface Account {
  readonly home: string;
  readonly uid: number;
  readonly gid: number;
}

/** The login user's home and ids, from /etc/passwd (os.userInfo for the current user). */
export function account(user: string): Account | undefined {
  const me = userInfo();
  if (me.username === user) return { home: me.homedir, uid: me.uid, gid: me.gid };
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user && f.length >= 7) return { home: f[5] ?? '', uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    // no passwd file: no home to cover
  }
  return undefined;
}

/** Regular files mounted somewhere under /etc (containers bind /etc/resolv.conf and friends), which an overlay of /etc would hide. */
function mountedEtcFiles(): string[] {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => (l.split(' ')[4] ?? '').replace(/\\040/g, ' '))
      .filter((p) => p.startsWith('/etc/') && existsSync(p) && statSync(p).isFile());
  } catch {
    return [];
  }
}

/** /etc/hosts of a lab host: localhost, itself, and the other lab hosts where each has an address of its own. */
export function etcHosts(host: LabHostSpec, all: readonly LabHostSpec[]): string {
  const distinct = new Set(all.map((h) => h.address)).size === all.length;
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  if (distinct) for (const h of all) lines.push(`${h.address}\t${h.name}`);
  else lines.push(`127.0.1.1\t${host.name}`);
  return `# Written by ftl lab for ${host.name}.\n${lines.join('\n')}\n`;
}

/**
 * The host's own directories: tmp (1777, as /tmp), home (the login user's, from /etc/skel), and the upper
 * layer of its /etc with its hostname, hosts, a machine-id of its own and copies of the
 * files a container mounts under /etc (the overlay would show the image's versions instead).
 */
export function prepareHostDirs(host: LabHostSpec, all: readonly LabHostSpec[], owner: Account | undefined): void {
  const p = hostPaths(host);
  mkdirSync(p.tmp, { recursive: true });
  chmodSync(p.tmp, 0o1777);
  mkdirSync(p.home, { recursive: true, mode: 0o700 });
  mkdirSync(p.etc, { recursive: true, mode: 0o755 });
  mkdirSync(p.etcWork, { recursive: true, mode: 0o700 });
  for (const file of mountedEtcFiles()) {
    const target = join(p.etc, file.slice('/etc/'.length));
    mkdirSync(dirname(target), { recursive: true });
    try {
      copyFileSync(file, target);
    } catch {
      // unreadable: the overlay shows what lies under the mount
    }
  }
  writeFileSync(join(p.etc, 'hostname'), `${host.name}\n`);
  writeFileSync(join(p.etc, 'hosts'), etcHosts(host, all));
  if (existsSync('/etc/machine-id')) writeFileSync(join(p.etc, 'machine-id'), `${randomBytes(16).toString('hex')}\n`, { mode: 0o444 });
  // A fresh home, as a new account on a real host has one (the shell's start files from /etc/skel).
  const skel = existsSync('/etc/skel') && readdirSync(p.home).length === 0 ? readdirSync('/etc/skel', { withFileTypes: true }).filter((e) => e.isFile()) : [];
  for (const e of skel) {
    try {
      copyFileSync(join('/etc/skel', e.name), join(p.home, e.name));
    } catch {
      // unreadable: the home simply lacks it
    }
  }
  if (owner !== undefined && process.getuid?.() === 0 && owner.uid !== 0) {
    for (const f of [p.home, ...skel.map((e) => join(p.home, e.name))]) chownSync(f, owner.uid, owner.gid);
  }
}

/** The mount namespace of a process ('' when it is gone). */
function mountNamespace(pid: number | 'self'): string {
  try {
    return readlinkSync(`/proc/${String(pid)}/ns/mnt`);
  } catch {
    return '';
  }
}

/**
 * Every process in the same mount namespace as pid: what a session left running in the
 * background (reparented away from sshd) keeps the namespace, and its mounts, alive.
 * Empty when pid shares the controller's or init's namespace (a shared lab).
 */
export function namespaceMembers(pid: number): number[] {
  const ns = mountNamespace(pid);
  // Not a namespace of its own (shared with us or with init): that would be everything.
  if (ns === '' || ns === mountNamespace('self') || ns === mountNamespace(1)) return [];
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = Number.parseInt(name, 10);
    if (mountNamespace(p) === ns) out.push(p);
  }
  return out;
}

/** overlayfs leaves its work dir mode 000; opened up so the lab dir can be removed without root. */
export function unlockWorkDir(host: LabHostSpec): void {
  try {
    chmodSync(join(hostPaths(host).etcWork, 'work'), 0o700);
  } catch {
    // none
  }
}
