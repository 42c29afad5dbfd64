/**
 * Ansible's configuration as the worker read it, kept between starts. Reading it starts the
 * worker (~0.4 s of Python importing ansible.constants), which every `ftl run` and every REPL
 * start in a directory with an ansible.cfg (or with any ANSIBLE_* variable set) paid again,
 * though nothing had changed.
 *
 * An entry is used only when everything Ansible's reading depends on is as it was:
 *  - the whole environment (ANSIBLE_* and any variable a path in ansible.cfg expands),
 *  - the working directory and whether others may write to it (Ansible then skips its
 *    ansible.cfg),
 *  - each file where Ansible looks for ansible.cfg: its bytes and its stat, or its absence,
 *  - the controller's Python and ansible-core (version, and the file of its settings'
 *    definitions), and ftl's own Config handler.
 * Only a hash of these is kept, never the environment itself. A read that warned is not
 * kept (its warnings would not be said on the next start), and anything off (no ansible-core,
 * a corrupt entry, a directory that cannot be written) means reading as if there were no
 * cache: the cache can cost time, never change what is read.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ownPrivateDir, packageRoot } from '../base/paths.js';
import { packageVersion } from '../base/version.js';
import type { AnsibleConfig } from '../hosts/ansible-project.js';
import { probeAnsible } from '../modules/ansible-env.js';
import { configCandidates } from './project-config.js';

/** Bumped when what an entry holds changes in a way the rest of the key would not show. */
const FORMAT = 1;
/** Entries beyond this many (the oldest first) are removed when one is written. */
const KEEP = 64;

export interface ConfigCacheOptions {
  /** Default ~/.ftl/cache/ansible-config. */
  readonly dir?: string;
}

/** A file as far as its reading goes: absent, a directory, or its stat and its bytes' hash. */
function fileIdentity(path: string): unknown {
  try {
    const st = statSync(path, { bigint: true });
    // A directory's entries are not read: only whether others may write to it (Ansible's test for the working directory).
    if (st.isDirectory()) return [path, 'dir', String(st.mode), String(st.uid)];
    const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
    return [path, String(st.size), String(st.mtimeNs), String(st.ino), String(st.dev), String(st.mode), sha];
  } catch (e) {
    return [path, (e as NodeJS.ErrnoException).code ?? 'unreadable'];
  }
}

function handlerIdentity(): string {
  try {
    return createHash('sha256')
      .update(readFileSync(join(packageRoot(), 'python', 'ftl_ansible', 'handlers', 'config.py')))
      .digest('hex');
  } catch {
    return 'unknown';
  }
}

/**
 * The entry's name for this environment and directory; undefined when there is no
 * ansible-core to vouch for (nothing is cached then).
 */
export async function configCacheKey(env: NodeJS.ProcessEnv, cwd: string): Promise<string | undefined> {
  const ansible = await probeAnsible(env);
  if (ansible.ansibleDir === undefined || ansible.version === undefined) return undefined;
  const candidates = configCandidates(env, cwd);
  const files = candidates.flatMap((p, i) => (i === 0 && env.ANSIBLE_CONFIG !== undefined && env.ANSIBLE_CONFIG !== '' ? [fileIdentity(p), fileIdentity(join(p, 'ansible.cfg'))] : [fileIdentity(p)]));
  const envEntries = Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const material = JSON.stringify([
    FORMAT,
    packageVersion(),
    handlerIdentity(),
    ansible.python,
    ansible.ansibleDir,
    ansible.version,
    fileIdentity(join(ansible.ansibleDir, 'config', 'base.yml')),
    // The worker reads from the process's directory; `cwd` is where ftl was told it is.
    cwd,
    process.cwd(),
    fileIdentity(cwd),
    files,
    envEntries,
  ]);
  return createHash('sha256').update(material).digest('hex').slice(0, 40);
}

export class ConfigCache {
  private readonly dir: string;

  constructor(opts: ConfigCacheOptions = {}) {
    this.dir = opts.dir ?? join(homedir(), '.ftl', 'cache', 'ansible-config');
  }

  /** The configuration kept under this key, if any and whole. */
  read(key: string): AnsibleConfig | undefined {
    try {
      const e = JSON.parse(readFileSync(join(this.dir, `${key}.json`), 'utf8')) as { format?: unknown; key?: unknown; config?: unknown };
      if (e.format !== FORMAT || e.key !== key || e.config === null || typeof e.config !== 'object') return undefined;
      const c = e.config as Record<string, unknown>;
      const isRecord = (v: unknown): v is AnsibleConfig['settings'] => typeof v === 'object' && v !== null && !Array.isArray(v);
      if (!isRecord(c.settings) || !isRecord(c.ssh) || (c.configFile !== null && typeof c.configFile !== 'string')) return undefined;
      return { configFile: c.configFile, settings: c.settings, ssh: c.ssh };
    } catch {
      return undefined;
    }
  }

  /** Keeps a configuration under its key (0600 in a 0700 directory of the user's, written whole or not at all). */
  store(key: string, config: AnsibleConfig): void {
    try {
      if (!ownPrivateDir(this.dir)) return;
      const file = join(this.dir, `${key}.json`);
      const tmp = `${file}.${String(process.pid)}.tmp`;
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, key, config }), { mode: 0o600 });
      renameSync(tmp, file);
      this.prune();
    } catch {
      // A cache that cannot be written costs the next start its 0.4 s, nothing else.
    }
  }

  private prune(): void {
    const entries = readdirSync(this.dir)
      .filter((n) => n.endsWith('.json'))
      .map((n) => {
        try {
          return { n, at: statSync(join(this.dir, n)).mtimeMs };
        } catch {
          return { n, at: 0 };
        }
      });
    if (entries.length <= KEEP) return;
    entries.sort((a, b) => a.at - b.at);
    for (const { n } of entries.slice(0, entries.length - KEEP)) {
      try {
        unlinkSync(join(this.dir, n));
      } catch {
        // gone already (another ftl pruned it)
      }
    }
  }
}
