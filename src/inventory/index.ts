import { dirname, resolve as resolvePath } from 'node:path';
import { readFileSync, statSync } from 'node:fs';
import { closest } from '../base/suggest.js';
import { FtlError, InventoryError } from '../base/errors.js';
import { hasTemplate } from '../base/templates.js';
import { dataFromAnsible, pluginReason, type AnsibleInventoryLoader } from './ansible-sources.js';
import { hostFacts, type ConnectionDefaults, type HostFacts } from './facts.js';
import { InventoryData } from './model.js';
import { evaluatePattern } from './patterns.js';
import { ParseCache, type ParseCacheOptions } from './parse-cache.js';
import { loadSource, readPlain, readYaml, type ReadFile } from './sources.js';
import { varsFileNames, varsFilesFor, varsFor, varsFromText, readVarsFile } from './vars-files.js';
import { extraVarsLayers, findVaulted, isVaultText, replaceVaulted, stringsIn, vaultError, VaultedValue, type SecretSink, type VaultDecrypt, type VaultItem } from './vault.js';

export interface InventoryHost {
  readonly name: string;
  /** Merged with Ansible's precedence: group vars by depth, priority and name, then the host's own. */
  readonly vars: Readonly<Record<string, unknown>>;
  /** Direct and ancestor groups, without 'all'. */
  readonly groups: readonly string[];
}

export interface InventoryGroup {
  readonly name: string;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly children: readonly string[];
  /** Direct members. */
  readonly hosts: readonly string[];
}

const LOCALHOST = new Set(['localhost', '127.0.0.1', '::1']);

export interface InventoryLoadOptions {
  cwd?: string;
  /**
   * -e: Ansible's highest precedence, over every host's own variables (connection ones
   * too). Shown by --list and --host as ansible-inventory -e shows them.
   */
  extraVars?: Readonly<Record<string, unknown>> | undefined;
  /** -u, --private-key, -c, --become-user, --become-method: beneath every host's variables. */
  connectionDefaults?: ConnectionDefaults | undefined;
  /**
   * Reads sources with Ansible's InventoryManager (the controller's worker): used for all of
   * them when one needs an inventory plugin. Without it such a source is an error saying so.
   */
  ansible?: AnsibleInventoryLoader | undefined;
  /**
   * Decrypts vault-encrypted values and files (the controller's Ansible worker, with the
   * session's vault passwords). Without it, an inventory with any is an error saying how
   * to give the password.
   */
  vault?: VaultDecrypt | undefined;
  /** Where decrypted values go, to be masked wherever the session shows them. */
  secrets?: SecretSink | undefined;
  /**
   * false: `!vault` values are kept encrypted, as ansible-inventory shows them (whole
   * encrypted files are still decrypted: their variables are shown). Default true.
   */
  decryptValues?: boolean | undefined;
  /**
   * Parsed files kept between starts (parse-cache.ts), by default under ~/.ftl/cache/inventory;
   * false: every file is parsed.
   */
  parseCache?: ParseCacheOptions | false | undefined;
}

/** The same error, said of a host. */
function onHost(e: FtlError, host: string): FtlError {
  return new FtlError(e.code, e.message, { host, hint: e.hint });
}

/** Ansible inventories (YAML, INI, JSON, scripts, directories) with group_vars/host_vars and host patterns. */
export class Inventory {
  private merged = new Map<string, Record<string, unknown>>();
  /** Facts by the merged vars they come from: a call on a fleet asks for every host's facts, on every call. */
  private readonly factsByVars = new WeakMap<Record<string, unknown>, HostFacts>();
  private readonly varsFiles = new Map<string, Record<string, unknown>>();
  private readonly implicitHosts = new Map<string, Record<string, unknown>>();
  /** Connection variables templated by Ansible (ConnectionVars), over the raw ones, per host. */
  private connectionValues = new Map<string, Readonly<Record<string, unknown>>>();
  /** Vars files read (and decrypted) while loading, by path: those that hold vaulted values. */
  private readonly varsFileData = new Map<string, Record<string, unknown>>();
  /** Whether any `!vault` value was read: only then are variables searched for placeholders. */
  private vaulted = false;
  /**
   * Encrypted vars files no vault password given opens, by path, with why: as in Ansible, only
   * the hosts that need one fail (their variables cannot be known), the others go on.
   */
  private readonly sealedFiles = new Map<string, FtlError>();
  /** Whether some `!vault` value stayed sealed (no password given opened it). */
  private sealedValues = false;

  get hasSealedValues(): boolean {
    return this.sealedValues;
  }
  /** How vars files are read: through the parse cache when the load has one. */
  private readFile: ReadFile = readPlain;

  private constructor(
    private readonly data: InventoryData,
    private readonly baseDirs: readonly string[],
    private extraVars: Readonly<Record<string, unknown>> = {},
    private readonly connectionDefaults: ConnectionDefaults = {},
  ) {}

  static async load(sources: readonly string[], opts: InventoryLoadOptions = {}): Promise<Inventory> {
    const paths = sources.map((s) => (s.includes(',') && !s.includes('/') ? s : resolvePath(opts.cwd ?? process.cwd(), s)));
    const why = paths.map(pluginReason).find((r) => r !== undefined);
    if (why !== undefined) {
      // As Ansible: constructed builds on the hosts the other sources gave, so Ansible reads them all.
      const needsAnsible = (cause?: unknown): InventoryError =>
        new InventoryError('FTL_INVENTORY_UNSUPPORTED', `${why}: reading it needs ansible-core on the controller`, { hint: 'install ansible-core (apt-get install ansible-core, or pip install ansible-core)', cause });
      if (opts.ansible === undefined) throw needsAnsible();
      let read;
      try {
        read = await opts.ansible(paths);
      } catch (e) {
        throw e instanceof FtlError && e.code === 'FTL_NO_ANSIBLE' ? needsAnsible(e) : e;
      }
      const inv = new Inventory(dataFromAnsible(read), [], opts.extraVars, opts.connectionDefaults);
      // `!vault` values come back sealed: decrypted here, as from ftl's own reading, so they are secrets.
      await inv.decryptVault(opts);
      return inv;
    }
    const data = new InventoryData();
    const bases: string[] = [];
    const cache = opts.parseCache === false ? undefined : new ParseCache(readYaml, opts.parseCache);
    const readFile: ReadFile = cache === undefined ? readPlain : (p) => cache.read(p);
    for (const s of sources) {
      const path = s.includes(',') && !s.includes('/') ? s : resolvePath(opts.cwd ?? process.cwd(), s);
      loadSource(data, path, readFile);
      if (path !== s || !s.includes(',')) {
        try {
          bases.push(statSync(path).isDirectory() ? path : dirname(path));
        } catch {
          // a host list has no directory
        }
      }
    }
    data.reconcile();
    for (const g of data.groups.values()) {
      // Ansible consumes ansible_group_priority: it orders groups and is not a variable.
      const p = g.vars.ansible_group_priority;
      if (p !== undefined) {
        g.priority = Number(p);
        delete g.vars.ansible_group_priority;
      }
    }
    const inv = new Inventory(data, bases, opts.extraVars, opts.connectionDefaults);
    inv.readFile = readFile;
    await inv.decryptVault(opts);
    return inv;
  }

  /**
   * Every vaulted thing of this load decrypted in one batch: encrypted group_vars/host_vars
   * files and -e files, `!vault` values in the sources, those files and -e. Vars files that
   * hold none stay unread until needed, as before. A second batch only for `!vault` values
   * inside an encrypted file.
   */
  private async decryptVault(opts: InventoryLoadOptions): Promise<void> {
    const decryptValues = opts.decryptValues !== false;
    const files: { path: string; vaulttext: string; layer?: number }[] = [];
    for (const kind of ['group_vars', 'host_vars'] as const) {
      const known = kind === 'group_vars' ? this.data.groups : this.data.hosts;
      for (const name of varsFileNames(this.baseDirs, kind)) {
        if (!known.has(name) && !(kind === 'group_vars' && name === 'all')) continue;
        for (const path of varsFilesFor(this.baseDirs, kind, name)) {
          const text = readFileSync(path, 'utf8');
          if (isVaultText(text)) files.push({ path, vaulttext: text });
          else if (text.includes('!vault')) this.varsFileData.set(path, varsFromText(text, path));
        }
      }
    }
    const layers = extraVarsLayers(this.extraVars);
    layers?.forEach((l, i) => {
      if (!('vars' in l)) files.push({ path: l.file, vaulttext: l.vaulttext, layer: i });
    });
    // Each named as a person finds it: the variable, whose it is, and the file and line.
    const values = (): { value: VaultedValue; what: string }[] => {
      const found: { value: VaultedValue; what: string }[] = [];
      const add = (vars: unknown, whose: string): void => {
        for (const f of findVaulted(vars, '')) if (!f.value.decrypted) found.push({ value: f.value, what: `${f.path}${whose} in ${f.value.where()}` });
      };
      for (const [name, g] of this.data.groups) add(g.vars, ` (group ${name})`);
      for (const [name, h] of this.data.hosts) add(h.vars, ` (host ${name})`);
      for (const vars of this.varsFileData.values()) add(vars, '');
      for (const l of layers ?? [{ vars: this.extraVars }]) if ('vars' in l) add(l.vars, ' (-e)');
      // One that no password opened stays sealed: asked once.
      return found.filter((f) => f.value.failure === undefined);
    };
    let pending = values();
    this.vaulted = pending.length > 0;
    for (let round = 0; files.length > 0 || (decryptValues && pending.length > 0); round++) {
      const asked: VaultItem[] = [...files.map((f) => ({ vaulttext: f.vaulttext, name: f.path })), ...(decryptValues ? pending.map((p) => ({ vaulttext: p.value.vaulttext, name: p.what })) : [])];
      const whats = [...files.map((f) => f.path), ...pending.map((p) => p.what)];
      const outcomes = opts.vault === undefined ? asked.map(() => ({ error: 'no vault secrets', reason: 'no-secrets' as const })) : await opts.vault(asked);
      // As in Ansible: what no password opens fails where it is used, not the whole load. An
      // encrypted -e file is read at the start (Ansible's extra vars are), so it fails the start.
      outcomes.forEach((o, i) => {
        if (!('error' in o)) return;
        const err = vaultError(whats[i] ?? 'a vaulted value', o);
        const file = files[i];
        if (file === undefined) {
          const p = pending[i - files.length];
          if (p !== undefined) {
            p.value.failure = err;
            this.sealedValues = true;
          }
        } else if (file.layer !== undefined) {
          throw err;
        } else {
          this.sealedFiles.set(file.path, err);
        }
      });
      files.forEach((f, i) => {
        const o = outcomes[i];
        if (o === undefined || !('plaintext' in o)) return;
        const vars = varsFromText(o.plaintext, f.path);
        for (const s of stringsIn(vars)) opts.secrets?.add(s);
        if (f.layer !== undefined && layers !== undefined) layers[f.layer] = { vars };
        else this.varsFileData.set(f.path, vars);
      });
      if (decryptValues) {
        pending.forEach((p, i) => {
          const o = outcomes[files.length + i];
          if (o === undefined || !('plaintext' in o)) return;
          p.value.plaintext = o.plaintext;
          opts.secrets?.add(o.plaintext);
        });
      }
      files.length = 0;
      pending = values();
      if (pending.length > 0) this.vaulted = true;
      if (round > 0) break;
    }
    if (layers !== undefined) this.extraVars = Object.assign({}, ...layers.map((l) => ('vars' in l ? l.vars : {}))) as Record<string, unknown>;
  }

  /** A vars file's variables: from the load when it held vaulted values, else read now. */
  private readVars(path: string): Record<string, unknown> {
    const sealed = this.sealedFiles.get(path);
    if (sealed !== undefined) throw sealed;
    return this.varsFileData.get(path) ?? readVarsFile(path, this.readFile);
  }

  /** What tasks see: the plaintext of each vaulted value. */
  private plain<T>(vars: T): T {
    return this.vaulted ? replaceVaulted(vars, 'plaintext') : vars;
  }

  static empty(opts: Omit<InventoryLoadOptions, 'cwd'> = {}): Inventory {
    const data = new InventoryData();
    return new Inventory(data, [], opts.extraVars, opts.connectionDefaults);
  }

  /** group_vars/host_vars files, read once per name. */
  private filesVars(kind: 'group_vars' | 'host_vars', name: string): Record<string, unknown> {
    const key = `${kind}/${name}`;
    let v = this.varsFiles.get(key);
    if (v === undefined) {
      v = varsFor(this.baseDirs, kind, name, (p) => this.readVars(p));
      if (!this.vaulted && findVaulted(v, '').length > 0) this.vaulted = true;
      this.varsFiles.set(key, v);
    }
    return v;
  }

  /** The -e variables, over everything else a host has. */
  get extra(): Readonly<Record<string, unknown>> {
    return this.plain(this.extraVars);
  }

  get hostNames(): readonly string[] {
    return [...this.data.hosts.keys()];
  }

  get groupNames(): readonly string[] {
    return [...this.data.groups.keys()];
  }

  private hostVars(name: string): Record<string, unknown> {
    const known = this.merged.get(name);
    if (known !== undefined) return known;
    const vars = this.plain(this.rawHostVars(name));
    if (this.data.hosts.has(name) || this.implicitHosts.has(name)) this.merged.set(name, vars);
    return vars;
  }

  /** A host's merged variables with vaulted values as read (placeholders). */
  private rawHostVars(name: string): Record<string, unknown> {
    const h = this.data.hosts.get(name);
    if (h === undefined) return this.implicitHosts.get(name) ?? {};
    const groups = new Set<string>(['all']);
    for (const g of h.groups) {
      groups.add(g);
      for (const a of this.data.ancestors(g)) groups.add(a);
    }
    const sorted = [...groups].sort((a, b) => {
      const ga = this.data.groups.get(a);
      const gb = this.data.groups.get(b);
      return this.data.depth(a) - this.data.depth(b) || (ga?.priority ?? 1) - (gb?.priority ?? 1) || (a < b ? -1 : a > b ? 1 : 0);
    });
    // Ansible's default VARIABLE_PRECEDENCE: inventory-file group vars (all first), then
    // group_vars/all, then the other groups' group_vars files, then the host's own
    // (inventory, then host_vars files).
    let vars: Record<string, unknown> = {};
    for (const g of sorted) vars = { ...vars, ...this.data.groups.get(g)?.vars };
    vars = { ...vars, ...this.filesVars('group_vars', 'all') };
    for (const g of sorted.filter((n) => n !== 'all')) vars = { ...vars, ...this.filesVars('group_vars', g) };
    return { ...vars, ...h.vars, ...this.filesVars('host_vars', name), ...this.extraVars };
  }

  /** A host's merged variables (the implicit localhost's too), as templates see them. */
  varsOf(name: string): Readonly<Record<string, unknown>> {
    if (!this.data.hosts.has(name)) this.implicit(name);
    return this.hostVars(name);
  }

  host(name: string): InventoryHost | undefined {
    const h = this.data.hosts.get(name);
    if (h === undefined) return undefined;
    const groups = new Set<string>();
    for (const g of h.groups) {
      groups.add(g);
      for (const a of this.data.ancestors(g)) groups.add(a);
    }
    groups.delete('all');
    return { name, vars: this.hostVars(name), groups: [...groups] };
  }

  group(name: string): InventoryGroup | undefined {
    const g = this.data.groups.get(name);
    if (g === undefined) return undefined;
    return { name, vars: this.plain({ ...g.vars, ...this.filesVars('group_vars', name) }), children: [...g.children], hosts: [...g.hosts] };
  }

  hostsOf(group: string): string[] {
    return this.data.hostsOf(group);
  }

  hostsOfGroup(name: string): string[] {
    return this.data.hostsOf(name);
  }

  allHosts(): string[] {
    return this.data.hostsOf('all');
  }

  implicit(name: string): string | undefined {
    if (!LOCALHOST.has(name) || this.data.hosts.has(name)) return undefined;
    if (!this.implicitHosts.has(name)) {
      // Ansible's implicit localhost: local connection, the controller's python, not in 'all'.
      this.implicitHosts.set(name, { ...this.data.groups.get('all')?.vars, ...this.filesVars('group_vars', 'all'), ansible_connection: 'local', ...this.extraVars });
    }
    return name;
  }

  /** Hosts matching an Ansible host pattern; an empty match is an error naming the closest names. */
  resolve(pattern: string): string[] {
    const hosts = evaluatePattern(
      {
        groupNames: () => this.groupNames,
        hostNames: () => this.hostNames,
        hostsOfGroup: (n) => this.hostsOfGroup(n),
        allHosts: () => this.allHosts(),
        implicit: (n) => this.implicit(n),
      },
      pattern,
    );
    if (hosts.length === 0) {
      const term = pattern.replace(/^[!&]/, '').split(/[,:]/)[0] ?? pattern;
      const near = closest(term, [...this.groupNames, ...this.hostNames]).map((n) => `'${n}'`);
      throw new InventoryError('FTL_PATTERN_NO_MATCH', `no host matches '${pattern}'${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''}`);
    }
    return hosts;
  }

  /**
   * Per host, the names of its ansible_* variables that hold `{{ }}`: what must be templated
   * (by Ansible, ConnectionVars) before ftl connects with them.
   */
  templatedConnectionVars(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const h of this.hostNames) {
      const vars = this.readableVars(h);
      if (vars === undefined) continue;
      const names = Object.entries(vars)
        .filter(([k, v]) => k.startsWith('ansible_') && hasTemplate(v))
        .map(([k]) => k);
      if (names.length > 0) out[h] = names;
    }
    return out;
  }

  /** The templated values of a host's connection variables: connections use these, not the `{{ }}` text. */
  setConnectionValues(host: string, values: Readonly<Record<string, unknown>>): void {
    this.connectionValues.set(host, values);
    this.merged.delete(host);
  }

  /** A host's variables, or undefined when an encrypted vars file it needs is sealed (its calls say why). */
  readableVars(name: string): Readonly<Record<string, unknown>> | undefined {
    try {
      return this.varsOf(name);
    } catch (e) {
      if (e instanceof FtlError && e.code === 'FTL_VAULT') return undefined;
      throw e;
    }
  }

  facts(host: string): HostFacts {
    if (!this.data.hosts.has(host)) this.implicit(host);
    let own: Record<string, unknown>;
    try {
      own = this.hostVars(host);
    } catch (e) {
      throw e instanceof FtlError && e.code === 'FTL_VAULT' && e.host === undefined ? onHost(e, host) : e;
    }
    // A connection variable no vault password opened: the host cannot be reached as its inventory says.
    if (this.sealedValues) {
      for (const [k, v] of Object.entries(own)) {
        if (k.startsWith('ansible_') && v instanceof VaultedValue && v.failure !== undefined) throw onHost(v.failure, host);
      }
    }
    const templated = this.connectionValues.get(host);
    const vars = templated === undefined ? own : this.withConnectionValues(own, templated);
    let facts = this.factsByVars.get(vars);
    if (facts === undefined) {
      // The implicit localhost runs the controller's own Python, as Ansible's does: no interpreter_python for it.
      facts = hostFacts(host, vars, undefined, this.implicitHosts.has(host) ? { ...this.connectionDefaults, python: undefined } : this.connectionDefaults);
      this.factsByVars.set(vars, facts);
    }
    return facts;
  }

  private readonly connectionMerged = new WeakMap<Record<string, unknown>, Record<string, unknown>>();

  private withConnectionValues(own: Record<string, unknown>, templated: Readonly<Record<string, unknown>>): Record<string, unknown> {
    let v = this.connectionMerged.get(own);
    if (v === undefined) this.connectionMerged.set(own, (v = { ...own, ...templated }));
    return v;
  }

  addHost(name: string, vars: Record<string, unknown> = {}, groups: string[] = []): void {
    for (const g of groups.length === 0 ? ['ungrouped'] : groups) this.data.addHost(g, name);
    Object.assign(this.data.host(name).vars, vars);
    this.data.reconcile();
    this.merged = new Map();
  }

  removeHost(name: string): void {
    if (!this.data.hosts.has(name)) throw new InventoryError('FTL_PATTERN_NO_MATCH', `no host '${name}' to remove`);
    this.data.hosts.delete(name);
    for (const g of this.data.groups.values()) g.hosts = g.hosts.filter((h) => h !== name);
    this.merged.delete(name);
  }

  /** A host's variables as `ansible-inventory --host` prints them: vaulted values as {"__ansible_vault": vaulttext}. */
  displayVarsOf(name: string): Record<string, unknown> {
    const raw = this.rawHostVars(name);
    return this.vaulted ? replaceVaulted(raw, 'display') : raw;
  }

  /** What `ansible-inventory --list` prints. */
  toAnsibleList(): Record<string, unknown> {
    const hostvars: Record<string, unknown> = {};
    for (const h of this.hostNames) {
      const v = this.displayVarsOf(h);
      if (Object.keys(v).length > 0) hostvars[h] = v;
    }
    const out: Record<string, unknown> = { _meta: { hostvars } };
    const seen = new Set<string>();
    const visit = (name: string): void => {
      if (seen.has(name)) return;
      seen.add(name);
      const g = this.data.groups.get(name);
      if (g === undefined) return;
      const entry: Record<string, unknown> = {};
      const children = g.children;
      if (children.length > 0) entry.children = [...children];
      if (g.hosts.length > 0) entry.hosts = [...g.hosts];
      // Groups with neither hosts nor children are left out, as ansible-inventory does.
      if (Object.keys(entry).length > 0) out[name] = entry;
      for (const c of children) visit(c);
    };
    visit('all');
    return out;
  }

  /** What `ansible-inventory --graph [group]` prints. */
  toGraph(group = 'all'): string {
    if (!this.data.groups.has(group)) throw new InventoryError('FTL_PATTERN_NO_MATCH', `no group '${group}'`);
    const lines: string[] = [];
    const walk = (name: string, depth: number): void => {
      const g = this.data.groups.get(name);
      if (g === undefined) return;
      const indent = '  |'.repeat(depth);
      lines.push(depth === 0 ? `@${name}:` : `${indent.slice(0, -1)}|--@${name}:`);
      for (const c of g.children) walk(c, depth + 1);
      for (const h of g.hosts) lines.push(`${indent}  |--${h}`);
    };
    walk(group, 0);
    return lines.join('\n');
  }
}
