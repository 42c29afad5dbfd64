import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, join, resolve as resolvePath } from 'node:path';
import Fuse from 'fuse.js';
import { yaml } from '../base/yaml.js';
import { UsageError } from '../base/errors.js';
import { closest } from '../base/suggest.js';
import { probeAnsible, type AnsibleEnv } from './ansible-env.js';
import { DocLoader } from './docs.js';
import { NATIVE_MODULES } from './native.js';
import type { ModuleDoc, ModuleInfo, ModuleKind } from '../base/module-types.js';

export type { ModuleDoc, ModuleInfo, ModuleOption } from '../base/module-types.js';

/** Playbook actions that only make sense on the controller: ftl refuses them with what to write instead. */
const CONTROLLER_ONLY = new Set([
  'debug', 'assert', 'fail', 'set_fact', 'include_tasks', 'import_tasks', 'include_role', 'import_role', 'import_playbook', 'include_vars',
  'meta', 'pause', 'add_host', 'group_by', 'set_stats', 'include', 'async_status',
]);
/**
 * Modules whose Ansible action plugin does controller-side work ftl has not built yet.
 * The ones it has built (copy, fetch, template, raw, script, service, package, setup,
 * gather_facts, wait_for_connection) are in src/modules/actions.
 */
const NEEDS_ACTION = new Set(['unarchive', 'synchronize', 'reboot']);

function kindOf(collection: string, short: string): ModuleKind {
  if (collection !== 'ansible.builtin') return 'module';
  if (CONTROLLER_ONLY.has(short)) return 'controller-only';
  if (NEEDS_ACTION.has(short)) return 'action';
  return 'module';
}

function pyFiles(dir: string, recursive: boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    if (n.startsWith('_') || n.startsWith('.')) continue;
    const full = join(dir, n);
    if (n.endsWith('.py')) out.push(full);
    else if (recursive && !n.includes('.')) {
      try {
        if (statSync(full).isDirectory()) out.push(...pyFiles(full, true));
      } catch {
        // unreadable entries are skipped
      }
    }
  }
  return out;
}

function collectionDirs(env: NodeJS.ProcessEnv, a: AnsibleEnv): string[] {
  const configured = env.ANSIBLE_COLLECTIONS_PATH ?? env.ANSIBLE_COLLECTIONS_PATHS;
  const roots = configured !== undefined && configured !== '' ? configured.split(delimiter) : [join(homedir(), '.ansible', 'collections'), '/usr/share/ansible/collections'];
  const dirs = [resolvePath('collections'), ...roots, ...a.collectionRoots].map((r) => (basename(r) === 'ansible_collections' ? r : join(r, 'ansible_collections')));
  return [...new Set(dirs)].filter((d) => existsSync(d));
}

/**
 * Every module the controller knows: the gate's native ones, ansible-core's, every
 * installed collection's, and one's own (FTL_MODULE_PATH, ANSIBLE_LIBRARY). Names are
 * read from directories at start; docs are read per module on demand and cached.
 */
export class ModuleIndex {
  private readonly byFqcn = new Map<string, ModuleInfo>();
  private readonly byShort = new Map<string, ModuleInfo>();
  private redirects: Map<string, { to?: string; deprecation?: string; removal?: string }> | undefined;
  private fuse: Fuse<string> | undefined;
  private readonly docs: DocLoader;
  private collectionDirs: readonly string[] = [];
  private collectionsScanned = false;

  private constructor(
    private readonly ansible: AnsibleEnv,
    cacheDir: string,
  ) {
    this.docs = new DocLoader(ansible.python, cacheDir);
  }

  static async load(opts: { cacheDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ModuleIndex> {
    const env = opts.env ?? process.env;
    const ansible = await probeAnsible(env);
    const index = new ModuleIndex(ansible, opts.cacheDir ?? join(homedir(), '.ftl', 'cache'));
    index.scan(env);
    return index;
  }

  private add(info: ModuleInfo, short: boolean): void {
    if (!this.byFqcn.has(info.fqcn)) this.byFqcn.set(info.fqcn, info);
    if (short && !this.byShort.has(info.shortName)) this.byShort.set(info.shortName, info);
  }

  private scan(env: NodeJS.ProcessEnv): void {
    const own = [env.FTL_MODULE_PATH, env.ANSIBLE_LIBRARY].flatMap((v) => (v === undefined || v === '' ? [] : v.split(delimiter)));
    for (const dir of own) {
      for (const path of pyFiles(dir, false)) {
        const short = basename(path, '.py');
        this.add({ fqcn: short, shortName: short, collection: '', path, native: false, kind: 'module' }, true);
      }
    }
    const coreDir = this.ansible.ansibleDir === undefined ? undefined : join(this.ansible.ansibleDir, 'modules');
    for (const short of NATIVE_MODULES) {
      const path = coreDir === undefined ? undefined : join(coreDir, `${short}.py`);
      const hasAnsible = path !== undefined && existsSync(path);
      const collection = hasAnsible ? 'ansible.builtin' : 'ftl';
      this.add({ fqcn: `${collection}.${short}`, shortName: short, collection, path: hasAnsible ? path : undefined, native: true, kind: 'module' }, true);
    }
    if (coreDir !== undefined) {
      for (const path of pyFiles(coreDir, false)) {
        const short = basename(path, '.py');
        if (short === 'async_wrapper') continue; // a helper in the modules directory, not a module (Ansible's plugin list skips it too)
        this.add({ fqcn: `ansible.builtin.${short}`, shortName: short, collection: 'ansible.builtin', path, native: false, kind: kindOf('ansible.builtin', short) }, true);
      }
    }
    this.collectionDirs = collectionDirs(env, this.ansible);
  }

  /**
   * The collections' modules (~7,500 files with Debian's `ansible`), read the first time
   * a name needs them: a call of a builtin module, the usual case of `ftl run` and of a
   * script, then starts without walking them (~40 ms).
   */
  private withCollections(): this {
    if (this.collectionsScanned) return this;
    this.collectionsScanned = true;
    for (const dir of this.collectionDirs) {
      for (const ns of safeDirs(dir)) {
        for (const coll of safeDirs(join(dir, ns))) {
          for (const path of pyFiles(join(dir, ns, coll, 'plugins', 'modules'), true)) {
            const short = basename(path, '.py');
            const collection = `${ns}.${coll}`;
            this.add({ fqcn: `${collection}.${short}`, shortName: short, collection, path, native: false, kind: 'module' }, false);
          }
        }
      }
    }
    return this;
  }

  get ansibleAvailable(): boolean {
    return this.ansible.ansibleDir !== undefined;
  }

  get ansibleVersion(): string | undefined {
    return this.ansible.version;
  }

  /** The `ansible_collections` directories modules were found in, in order of precedence. */
  get collectionRoots(): readonly string[] {
    return this.collectionDirs;
  }

  /** The Ansible package directory (for module_utils), if any. */
  get ansibleDir(): string | undefined {
    return this.ansible.ansibleDir;
  }

  /** A module by short name, FQCN, ansible.legacy name or runtime.yml redirect. */
  resolve(name: string): ModuleInfo | undefined {
    const plain = name.startsWith('ansible.legacy.') ? name.slice('ansible.legacy.'.length) : name;
    const direct = this.byFqcn.get(plain) ?? this.byShort.get(plain) ?? this.withCollections().byFqcn.get(plain);
    if (direct !== undefined) return direct;
    const r = this.routing().get(plain.startsWith('ansible.builtin.') ? plain.slice('ansible.builtin.'.length) : plain);
    if (r?.to === undefined) return undefined;
    const target = this.withCollections().byFqcn.get(r.to);
    if (target === undefined) return undefined;
    return { ...target, redirectedFrom: name, ...(r.deprecation === undefined ? {} : { deprecation: r.deprecation }) };
  }

  /** Why a name is not there: a removed module's tombstone, if runtime.yml has one. */
  removal(name: string): string | undefined {
    return this.routing().get(name)?.removal;
  }

  private routing(): Map<string, { to?: string; deprecation?: string; removal?: string }> {
    if (this.redirects !== undefined) return this.redirects;
    const map = new Map<string, { to?: string; deprecation?: string; removal?: string }>();
    if (this.ansible.ansibleDir !== undefined) {
      try {
        const text = readFileSync(join(this.ansible.ansibleDir, 'config', 'ansible_builtin_runtime.yml'), 'utf8');
        const doc = yaml().parse(text) as { plugin_routing?: { modules?: Record<string, Record<string, Record<string, unknown> | string | undefined>> } };
        for (const [short, route] of Object.entries(doc.plugin_routing?.modules ?? {})) {
          const to = typeof route.redirect === 'string' ? route.redirect : undefined;
          const dep = route.deprecation;
          const tomb = route.tombstone;
          map.set(short, {
            ...(to === undefined ? {} : { to }),
            ...(typeof dep === 'object' && typeof dep.warning_text === 'string' ? { deprecation: dep.warning_text } : {}),
            ...(typeof tomb === 'object' && typeof tomb.warning_text === 'string' ? { removal: tomb.warning_text } : {}),
          });
        }
      } catch {
        // Without the routing table, short names of moved modules are simply unknown.
      }
    }
    this.redirects = map;
    return map;
  }

  /** Short names, then FQCNs, sorted within each. */
  names(): string[] {
    this.withCollections();
    return [...[...this.byShort.keys()].sort(), ...[...this.byFqcn.keys()].filter((n) => n.includes('.')).sort()];
  }

  /**
   * How many collections are installed (namespace/name directories), without walking
   * their modules: what the REPL's banner shows, before its prompt.
   */
  collectionCount(): number {
    const names = new Set<string>();
    for (const dir of this.collectionDirs) for (const ns of safeDirs(dir)) for (const coll of safeDirs(join(dir, ns))) names.add(`${ns}.${coll}`);
    return names.size;
  }

  collections(): string[] {
    return [...new Set([...this.withCollections().byFqcn.values()].map((m) => m.collection).filter((c) => c !== ''))].sort();
  }

  modulesOf(collectionPrefix: string): string[] {
    return [...this.withCollections().byFqcn.keys()].filter((n) => n.startsWith(`${collectionPrefix}.`)).sort();
  }

  suggest(name: string, n = 3): string[] {
    const names = this.names();
    this.fuse ??= new Fuse(names, { threshold: 0.4 });
    // Compare short names with short names, FQCNs with FQCNs.
    return closest(name, name.includes('.') ? names : [...this.byShort.keys()], n, this.fuse);
  }

  /** The error for a name that is no module here: the closest names, and without Ansible, how to get its modules. */
  notFound(name: string, what = 'module'): UsageError {
    const near = this.suggest(name, 3);
    const mean = near.length > 0 ? `; did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : '';
    return new UsageError('FTL_MODULE_NOT_FOUND', `no ${what} '${name}'${mean}`, {
      ...(this.ansibleAvailable ? {} : { hint: 'this controller has only the native modules: apt-get install ansible-core for every Ansible module' }),
    });
  }

  async doc(name: string): Promise<ModuleDoc | undefined> {
    const info = this.resolve(name);
    if (info === undefined) return undefined;
    return this.docs.load(info);
  }

  /** Docs of many modules at once (one Python process), for checks over the whole index. */
  async docsOf(names: readonly string[]): Promise<Map<string, ModuleDoc | { error: string }>> {
    const infos = names.map((n) => this.resolve(n)).filter((i): i is ModuleInfo => i !== undefined);
    return this.docs.loadMany(infos);
  }
}

function safeDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('_') && !d.name.startsWith('.'))
      .map((d) => d.name);
  } catch {
    return [];
  }
}
