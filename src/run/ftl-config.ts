/**
 * ftl's own settings file, for what ansible.cfg has no word for: the policy, the audit, the
 * blast-radius guard, failure observations, named secrets and their bindings, baked gates,
 * the state file. Two places, read in this order, a later one winning key by key:
 *   ~/.ftl/config.yml   the user's defaults
 *   ./.ftl.yml          the project's (beside its ansible.cfg), or the file FTL_CONFIG names
 * Options given on the command line or to automation() win over both, and FTL_POLICY /
 * FTL_AUDIT_DIR over the files, as an environment variable wins over ansible.cfg.
 * Relative paths in a file are taken from the file's own directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { yaml } from '../base/yaml.js';
import { UsageError } from '../base/errors.js';
import { closest } from '../base/suggest.js';
import type { AutomationOptions } from './automation-options.js';

/** The keys a settings file may hold, and what each becomes. */
const KEYS = ['policy', 'environment', 'audit', 'audit_dir', 'guard', 'observe', 'secrets', 'secret_bindings', 'gate_modules', 'state_file'] as const;
type Key = (typeof KEYS)[number];

/** What the files said, as automation() options, and which files said it. */
export interface FtlConfig {
  readonly options: Partial<AutomationOptions>;
  readonly files: readonly string[];
}

function bad(file: string, key: string, want: string, got: unknown): UsageError {
  return new UsageError('FTL_USAGE', `${file}: ${key} must be ${want}, not ${JSON.stringify(got)}`, { hint: `fix ${key} in ${file}` });
}

function pathIn(file: string, key: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') throw bad(file, key, 'a path', v);
  const p = v.startsWith('~/') ? join(homedir(), v.slice(2)) : v;
  return isAbsolute(p) ? p : resolve(dirname(file), p);
}

function names(file: string, key: string, v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string' && x !== '')) throw bad(file, key, 'a list of names', v);
  return v;
}

function option(file: string, key: Key, v: unknown): Partial<AutomationOptions> {
  switch (key) {
    case 'policy':
      return { policy: pathIn(file, key, v) };
    case 'environment':
      if (typeof v !== 'string' || v === '') throw bad(file, key, 'a name (e.g. prod)', v);
      return { environment: v };
    case 'audit':
      if (typeof v !== 'boolean') throw bad(file, key, 'true or false', v);
      return { audit: v };
    case 'audit_dir':
      return { auditDir: pathIn(file, key, v) };
    case 'guard':
      if (v === false || v === 'off') return { guard: false };
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw bad(file, key, 'a number of hosts or off', v);
      return { guard: v };
    case 'observe':
      if (typeof v !== 'boolean') throw bad(file, key, 'true or false', v);
      return { observe: v };
    case 'secrets':
      return { secrets: names(file, key, v) };
    case 'secret_bindings': {
      const ok =
        v !== null &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        Object.values(v).every((m) => m !== null && typeof m === 'object' && !Array.isArray(m) && Object.values(m as object).every((x) => typeof x === 'string'));
      if (!ok) throw bad(file, key, "a map of module globs to { param: SECRET_NAME } (e.g. 'community.aws.*': { aws_secret_key: AWS_SECRET_KEY })", v);
      return { secretBindings: v as Record<string, Record<string, string>> };
    }
    case 'gate_modules':
      if (v === 'auto') return { gateModules: 'auto' };
      return { gateModules: names(file, key, v) };
    case 'state_file':
      if (v === false) return { stateFile: false };
      return { stateFile: pathIn(file, key, v) };
  }
}

/** One settings file: its options, or a one-line error naming the file, the line and the fix. */
export function readFtlConfigFile(file: string): Partial<AutomationOptions> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError('FTL_USAGE', `${file} cannot be read: ${e instanceof Error ? e.message : String(e)}`, { hint: 'make it readable, or unset FTL_CONFIG' });
  }
  const y = yaml();
  const lines = new y.LineCounter();
  const doc = y.parseDocument(text, { version: '1.1', lineCounter: lines, prettyErrors: false });
  const err = doc.errors[0];
  if (err !== undefined) {
    const line = lines.linePos(err.pos[0]).line;
    throw new UsageError('FTL_USAGE', `YAML error in ${file} line ${String(line)}: ${err.message.split('\n')[0] ?? ''}`, { hint: `fix ${file}` });
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError('FTL_USAGE', `${file} must be a map of settings (policy:, guard:, ...), not a ${Array.isArray(data) ? 'list' : typeof data}`, { hint: 'see "ftl settings files" in the README' });
  }
  let out: Partial<AutomationOptions> = {};
  for (const [key, v] of Object.entries(data)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      const near = closest(key, KEYS, 1)[0];
      throw new UsageError('FTL_USAGE', `${file}: unknown setting '${key}'${near === undefined ? '' : `; did you mean '${near}'?`}`, { hint: `settings: ${KEYS.join(', ')}` });
    }
    out = { ...out, ...option(file, key as Key, v) };
  }
  return out;
}

/** The settings files that apply here, user's first, and what they say together. */
export function loadFtlConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd(), home: string = homedir()): FtlConfig {
  const named = env.FTL_CONFIG === undefined || env.FTL_CONFIG === '' ? undefined : resolve(cwd, env.FTL_CONFIG);
  if (named !== undefined && !existsSync(named)) throw new UsageError('FTL_USAGE', `FTL_CONFIG names ${named}, which does not exist`, { hint: 'create it, or unset FTL_CONFIG' });
  const files = [join(home, '.ftl', 'config.yml'), named ?? join(cwd, '.ftl.yml')].filter((f) => existsSync(f));
  let options: Partial<AutomationOptions> = {};
  for (const f of files) options = { ...options, ...readFtlConfigFile(f) };
  // An environment variable wins over a file, as ANSIBLE_* wins over ansible.cfg.
  if (env.FTL_POLICY !== undefined && env.FTL_POLICY !== '') delete options.policy;
  if (env.FTL_AUDIT_DIR !== undefined && env.FTL_AUDIT_DIR !== '') delete options.auditDir;
  return { options, files };
}

/**
 * The options with the settings files under them (given options win). `config: false`
 * reads no file; the result says so, so that applying it twice reads nothing twice.
 */
export function withFtlConfig<T extends AutomationOptions>(opts: T, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): T {
  if (opts.config === false) return opts;
  const { options, files } = loadFtlConfig(env, cwd);
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  return { ...options, ...given, config: false, configFiles: files } as T;
}
