import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { labUp, type Lab } from '../src/lab/lab.js';
import { hostPaths, labPaths } from '../src/lab/files.js';

const execFileP = promisify(execFile);

/** The group every bench inventory puts its hosts in. */
export const GROUP = 'bench';

/** OpenSSH's ControlPersist: long enough that no master expires during a run (Ansible's default is 60 s). */
const CONTROL_PERSIST = '600s';

/**
 * A lab for the benchmarks: real sshd hosts, each with its own home directory (so each
 * deploys its own gate and keeps its own ~/.ansible/tmp, as separate machines would),
 * and one inventory per fleet size holding the first N hosts in group `bench`.
 */
export class Fleet {
  private readonly inventories = new Map<number, string>();

  private constructor(
    readonly lab: Lab,
    readonly workDir: string,
  ) {}

  static async up(count: number, workDir: string): Promise<Fleet> {
    const lab = await labUp({ count, dir: join(workDir, 'lab'), ownHomes: true });
    return new Fleet(lab, workDir);
  }

  get size(): number {
    return this.lab.hosts.length;
  }

  /** The lab's /24 on loopback, for counting bytes on its TCP connections. */
  get prefix(): string {
    const first = this.lab.hosts[0]?.address ?? '127.0.0.1';
    return `${first.split('.').slice(0, 3).join('.')}.0/24`;
  }

  /** The sshd listeners of the first n hosts: their trees hold every session and gate on those hosts. */
  listeners(n: number): number[] {
    return this.lab
      .status()
      .slice(0, n)
      .flatMap((s) => (s.pid === undefined ? [] : [s.pid]));
  }

  hostNames(n: number): string[] {
    return this.lab.hosts.slice(0, n).map((h) => h.name);
  }

  /** An inventory of the first n hosts, with the variables the lab gives Ansible. */
  inventory(n: number): string {
    let path = this.inventories.get(n);
    if (path !== undefined) return path;
    const p = labPaths(this.lab.dir);
    const hosts: Record<string, Record<string, unknown>> = {};
    for (const h of this.lab.hosts.slice(0, n)) hosts[h.name] = { ansible_host: h.address, ansible_port: h.port };
    const doc = {
      [GROUP]: {
        hosts,
        vars: {
          ansible_user: this.lab.user,
          ansible_ssh_private_key_file: p.key,
          // Host keys are checked, as the lab's own inventory does.
          ansible_ssh_common_args: `-o UserKnownHostsFile=${p.knownHosts} -o StrictHostKeyChecking=yes`,
          ansible_python_interpreter: '/usr/bin/python3',
        },
      },
    };
    path = join(this.workDir, `inventory-${String(n)}.yml`);
    writeFileSync(path, stringify(doc, { lineWidth: 0 }));
    this.inventories.set(n, path);
    return path;
  }

  /** Removes what a first call leaves on the first n hosts: ftl's gate (~/.ftl) and Ansible's ~/.ansible. */
  wipeRemote(n: number, what: 'ftl' | 'ansible' | 'both' = 'both'): void {
    for (const h of this.lab.hosts.slice(0, n)) {
      const home = hostPaths(h).home;
      if (what !== 'ansible') rmSync(join(home, '.ftl'), { recursive: true, force: true });
      if (what !== 'ftl') rmSync(join(home, '.ansible'), { recursive: true, force: true });
    }
  }

  async down(): Promise<void> {
    await this.lab.down();
  }
}

export interface AnsibleSettings {
  pipelining: boolean;
  forks: number;
  /** ControlPath directory: each setting gets its own, so masters are never shared between measurements by accident. */
  controlDir: string;
}

/**
 * How Ansible runs in every measurement: Debian's ansible-core with its defaults
 * (ssh_args -C -o ControlMaster=auto -o ControlPersist, strategy linear), host keys
 * checked against the lab's known_hosts, forks at least the host count, and
 * ControlPersist long enough to stay up for the whole run.
 */
export function ansibleEnv(s: AnsibleSettings, workDir: string): NodeJS.ProcessEnv {
  mkdirSync(s.controlDir, { recursive: true, mode: 0o700 });
  return {
    ...process.env,
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_PIPELINING: s.pipelining ? 'True' : 'False',
    ANSIBLE_FORKS: String(s.forks),
    ANSIBLE_SSH_ARGS: `-C -o ControlMaster=auto -o ControlPersist=${CONTROL_PERSIST}`,
    ANSIBLE_SSH_CONTROL_PATH_DIR: s.controlDir,
    ANSIBLE_LOCAL_TEMP: join(workDir, 'ansible-local'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_DEPRECATION_WARNINGS: 'False',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_GATHERING: 'explicit',
    // The console's prompt and each host's result must reach the pipe as they happen.
    PYTHONUNBUFFERED: '1',
  };
}

/** Stops the ControlPersist masters under a control directory (ours: we started them), through their control sockets. */
export async function stopMasters(controlDir: string): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(controlDir);
  } catch {
    return;
  }
  await Promise.all(
    names.map((name) =>
      execFileP('ssh', ['-o', `ControlPath=${join(controlDir, name)}`, '-O', 'exit', 'unused'], { timeout: 10_000 }).catch(() => undefined),
    ),
  );
}
