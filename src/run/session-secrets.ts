/**
 * Named secrets (`ftl.secrets.NAME`) and secret bindings, as FTL2 has them: a secret is an
 * environment variable, or a field of a HashiCorp Vault KV v2 secret; a binding puts a
 * secret into a parameter of every call to the modules its pattern matches, so that the
 * script never holds the value. Every value is registered with the session's SecretValues
 * as soon as it is read: masking by value then keeps it out of results, tables, --json
 * and errors, whichever way it travelled.
 */
import { inspect } from 'node:util';
import { SecretError, UsageError } from '../base/errors.js';
import { Secret } from '../base/secret-value.js';
import type { SecretValues } from '../base/secrets.js';
import { readVaultSecrets, vaultOptionsFromEnv, type VaultOptions } from './vault-kv.js';

/** Module pattern → { parameter: secret name }: `{ 'community.aws.*': { aws_secret_key: 'AWS_SECRET_KEY' } }`. */
export type SecretBindings = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface SecretOptions {
  /** Secret names: an environment variable (`AWS_SECRET_KEY`), or `NAME=vault:path#field`. */
  secrets?: readonly string[] | undefined;
  /** FTL2's vault_secrets: name → Vault KV v2 `path#field`. */
  vaultSecrets?: Readonly<Record<string, string>> | undefined;
  secretBindings?: SecretBindings | undefined;
  /** The KV v2 mount Vault paths are under (default "secret"). */
  vaultMount?: string | undefined;
}

type Source = 'env' | 'vault';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A secret spec: `NAME` (an environment variable) or `NAME=vault:path#field`. */
export function parseSecretSpec(spec: string): { name: string; vault?: string } {
  const eq = spec.indexOf('=');
  const name = (eq < 0 ? spec : spec.slice(0, eq)).trim();
  if (!NAME.test(name)) {
    throw new UsageError('FTL_USAGE', `'${spec}' is not a secret name`, { hint: "a secret is an environment variable name such as AWS_SECRET_KEY, or NAME=vault:path#field" });
  }
  if (eq < 0) return { name };
  const ref = spec.slice(eq + 1).trim();
  if (!ref.startsWith('vault:')) {
    throw new UsageError('FTL_USAGE', `secret '${name}': '${ref}' is not a source ftl reads secrets from`, { hint: `give the environment variable's name alone (${name}), or ${name}=vault:path#field` });
  }
  return { name, vault: ref.slice('vault:'.length) };
}

/** Python's fnmatchcase: `*`, `?`, `[seq]`, `[!seq]`, and everything else literal. */
export function fnmatchcase(name: string, pattern: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        const negate = body.startsWith('!');
        if (negate) body = body.slice(1);
        re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/-]/g, (m) => `\\${m}`);
  }
  return new RegExp(`^${re}$`, 's').test(name);
}

function checkBindings(bindings: unknown): SecretBindings {
  const bad = (what: string): UsageError =>
    new UsageError('FTL_USAGE', `secret bindings: ${what}`, { hint: "e.g. { 'community.aws.*': { aws_secret_key: 'AWS_SECRET_KEY' } }" });
  if (bindings === undefined || bindings === null) return {};
  if (typeof bindings !== 'object' || Array.isArray(bindings)) throw bad('must be an object of module pattern → { parameter: SECRET_NAME }');
  for (const [pattern, params] of Object.entries(bindings)) {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw bad(`'${pattern}' must map parameters to secret names`);
    for (const [param, name] of Object.entries(params as Record<string, unknown>)) {
      if (typeof name !== 'string' || !NAME.test(name)) throw bad(`'${pattern}' → ${param} must name a secret (an environment variable), not ${JSON.stringify(name)}`);
    }
  }
  return bindings as SecretBindings;
}

/** The names a module call answers to for a binding pattern: as called, its FQCN, its short name. */
export interface ModuleNames {
  called: string;
  fqcn?: string | undefined;
  shortName?: string | undefined;
}

export class SessionSecrets {
  private readonly values = new Map<string, { value: string; source: Source }>();
  /** What bindings use, read at start (named secrets first, then the environment). */
  private readonly bound = new Map<string, string>();
  private bindings: SecretBindings = {};

  constructor(
    private readonly known: SecretValues,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly vault: VaultOptions = vaultOptionsFromEnv(env),
  ) {}

  /** Reads the named secrets and what the bindings need; a missing one is an error naming it. */
  static async load(opts: SecretOptions, known: SecretValues, env: NodeJS.ProcessEnv = process.env): Promise<SessionSecrets> {
    const s = new SessionSecrets(known, env, { ...vaultOptionsFromEnv(env), mount: opts.vaultMount });
    const specs = [...(opts.secrets ?? []), ...Object.entries(opts.vaultSecrets ?? {}).map(([n, ref]) => `${n}=vault:${ref}`)];
    await s.add(specs);
    s.bind(opts.secretBindings);
    return s;
  }

  /** Adds secrets by spec (`NAME`, `NAME=vault:path#field`); all are read before any is kept. */
  async add(specs: readonly string[]): Promise<string[]> {
    const parsed = specs.map(parseSecretSpec);
    const fromEnv: Record<string, string> = {};
    const refs: Record<string, string> = {};
    for (const p of parsed) {
      if (p.vault !== undefined) {
        refs[p.name] = p.vault;
        continue;
      }
      const v = this.env[p.name];
      if (v === undefined) {
        throw new SecretError('FTL_SECRET', `secret '${p.name}': the environment variable ${p.name} is not set`, { hint: `export ${p.name}=... before starting ftl, or leave it out of the secrets` });
      }
      fromEnv[p.name] = v;
    }
    const fromVault = await readVaultSecrets(refs, this.vault);
    for (const [name, value] of Object.entries(fromEnv)) this.keep(name, value, 'env');
    for (const [name, value] of Object.entries(fromVault)) this.keep(name, value, 'vault');
    // A binding that names a secret read only now uses it from now on.
    this.bind(this.bindings);
    return parsed.map((p) => p.name);
  }

  private keep(name: string, value: string, source: Source): void {
    this.known.add(value);
    this.values.set(name, { value, source });
  }

  /** Sets the bindings, and reads what they use: named secrets first, then the environment. */
  bind(bindings: unknown): void {
    this.bindings = checkBindings(bindings);
    for (const params of Object.values(this.bindings)) {
      for (const name of Object.values(params)) {
        const value = this.values.get(name)?.value ?? this.env[name];
        if (value === undefined) continue;
        this.known.add(value);
        this.bound.set(name, value);
      }
    }
  }

  /** The secrets by name and where each came from (never a value). */
  list(): { name: string; source: Source }[] {
    return [...this.values].map(([name, v]) => ({ name, source: v.source })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The patterns of the bindings and what each injects (parameter ← secret name). */
  listBindings(): { pattern: string; params: Record<string, string> }[] {
    return Object.entries(this.bindings).map(([pattern, params]) => ({ pattern, params: { ...params } }));
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  get(name: string): Secret {
    const v = this.values.get(name);
    if (v === undefined) {
      const names = [...this.values.keys()];
      throw new UsageError('FTL_USAGE', `no secret '${name}'${names.length === 0 ? ': this session has none' : `; the secrets are ${names.join(', ')}`}`, {
        hint: `ask for it when ftl starts: automation({ secrets: ['${name}'] }) or --secret ${name}; in the REPL: .secrets ${name}`,
      });
    }
    return new Secret(name, v.value);
  }

  /**
   * The call's args with the bound secrets put in: each binding whose pattern matches the
   * module (as called, its FQCN or its short name) gives its parameters unless the caller
   * gave them. A binding that applies but whose secret was never set is an error naming it.
   */
  inject(module: ModuleNames, args: unknown): unknown {
    const names = [module.called, module.fqcn, module.shortName].filter((n): n is string => n !== undefined);
    const add: Record<string, string> = {};
    for (const [pattern, params] of Object.entries(this.bindings)) {
      if (!names.some((n) => fnmatchcase(n, pattern))) continue;
      for (const [param, name] of Object.entries(params)) {
        if (param in add) continue;
        const value = this.bound.get(name);
        if (value === undefined) {
          if (given(args, param)) continue;
          throw new SecretError('FTL_SECRET', `${module.called}: the secret binding '${pattern}' puts ${name} into ${param}, and the environment variable ${name} is not set`, {
            hint: `export ${name}=... before starting ftl, or give ${param} in the call`,
          });
        }
        add[param] = value;
      }
    }
    if (Object.keys(add).length === 0) return args;
    if (args === undefined || args === null) return add;
    // Free-form text (`command uptime`) keeps its place as _raw_params next to the bound options.
    if (typeof args === 'string') return { ...add, _raw_params: args };
    if (typeof args !== 'object' || Array.isArray(args)) return args;
    const out: Record<string, unknown> = { ...(args as Record<string, unknown>) };
    for (const [param, value] of Object.entries(add)) if (out[param] === undefined) out[param] = value;
    return out;
  }

  /** `ftl.secrets`: each secret by name as a Secret; `keys()`, `has(name)`; shows names, never values. */
  proxy(): object {
    const base = {
      keys: (): string[] => this.list().map((s) => s.name),
      has: (name: string): boolean => this.has(name),
      toJSON: (): string[] => this.list().map((s) => s.name),
      [inspect.custom]: (): string => `[secrets: ${this.list().map((s) => s.name).join(', ') || 'none'}]`,
    };
    return new Proxy(base, {
      get: (t, prop) => {
        if (typeof prop === 'symbol' || prop in t) return Reflect.get(t, prop) as unknown;
        // Asked by await, inspection and the REPL's completion: not secret names.
        if (prop === 'then' || prop === 'constructor' || prop === 'prototype') return undefined;
        return this.get(prop);
      },
      has: (t, prop) => (typeof prop === 'string' && this.has(prop)) || prop in t,
    });
  }
}

function given(args: unknown, param: string): boolean {
  return typeof args === 'object' && args !== null && (args as Record<string, unknown>)[param] !== undefined;
}
