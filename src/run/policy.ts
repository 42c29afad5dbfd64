/**
 * Policy rules in FTL2's format (a YAML `rules:` list, or a directory of such files read
 * in sorted order), with ftl's additions: `decision: confirm`, and the match keys
 * `hosts_over: N` and `changing: true`. Evaluated on the controller before any host is
 * touched: the first matching deny wins; otherwise the first matching confirm.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { yaml } from '../base/yaml.js';
import { PolicyError } from '../base/errors.js';
import { fnmatch, isGlob } from '../base/fnmatch.js';

export type PolicyDecision = 'deny' | 'confirm';

export interface PolicyRule {
  readonly decision: PolicyDecision;
  /** Glob values for module, host, environment and param.<name>; hosts_over a number, changing a boolean. */
  readonly match: Readonly<Record<string, string | number | boolean>>;
  readonly reason: string;
  /** Where it comes from, to name it: `10-production.yaml#2`, or its own `name`. */
  readonly id: string;
}

/** What a call is, as the rules see it. */
export interface PolicySubject {
  /** The module's FQCN and its short name. */
  readonly module: string;
  readonly shortName: string;
  readonly hosts: readonly string[];
  /** A host's environment (ftl_environment, else --environment); undefined: none. */
  environmentOf(host: string): string | undefined;
  readonly params: Readonly<Record<string, unknown>>;
  readonly check: boolean;
}

export interface PolicyVerdict {
  readonly decision: PolicyDecision;
  readonly rule: string;
  readonly reason: string;
  /** The hosts the rule matched (all of the call's for host-independent rules). */
  readonly hosts: readonly string[];
}

const KEYS = new Set(['module', 'host', 'environment', 'hosts_over', 'changing']);
const SHELLISH = new Set(['shell', 'command', 'raw']);

function shortOf(module: string): string {
  return module.startsWith('ansible.builtin.') ? module.slice('ansible.builtin.'.length) : module;
}

function bad(file: string, msg: string): PolicyError {
  return new PolicyError('FTL_POLICY_FILE', `policy ${file}: ${msg}`);
}

function ruleOf(raw: unknown, file: string, index: number): PolicyRule {
  const where = `${basename(file)}#${String(index + 1)}`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad(file, `rule ${String(index + 1)} is not a mapping`);
  const r = raw as Record<string, unknown>;
  const decision = r.decision;
  if (decision !== 'deny' && decision !== 'confirm') {
    throw bad(file, `rule ${String(index + 1)} has decision ${JSON.stringify(decision)}; ftl takes deny or confirm (everything not denied is allowed)`);
  }
  const match: unknown = r.match ?? {};
  if (match === null || typeof match !== 'object' || Array.isArray(match)) throw bad(file, `rule ${String(index + 1)}: match must be a mapping`);
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(match)) {
    if (!KEYS.has(k) && !k.startsWith('param.')) {
      throw bad(file, `rule ${String(index + 1)}: unknown match key '${k}' (module, host, environment, param.<name>, hosts_over, changing)`);
    }
    if (k === 'hosts_over') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(file, `rule ${String(index + 1)}: hosts_over must be a whole number`);
      out[k] = v;
    } else if (k === 'changing') {
      if (typeof v !== 'boolean') throw bad(file, `rule ${String(index + 1)}: changing must be true or false`);
      out[k] = v;
    } else out[k] = String(v);
  }
  const reason = typeof r.reason === 'string' ? r.reason : '';
  return { decision, match: out, reason, id: typeof r.name === 'string' && r.name !== '' ? r.name : where };
}

function rulesOfFile(file: string): PolicyRule[] {
  let doc: unknown;
  try {
    doc = yaml().parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw bad(file, e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e));
  }
  // As FTL2: an empty file is an empty policy.
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== 'object' || Array.isArray(doc)) throw bad(file, 'the file must be a mapping with a rules: list');
  const rules = (doc as Record<string, unknown>).rules ?? [];
  if (!Array.isArray(rules)) throw bad(file, 'rules: must be a list');
  return rules.map((r, i) => ruleOf(r, file, i));
}

/** Rules from a file, or from every *.yaml/*.yml of a directory in sorted order. */
export function loadPolicy(path: string): PolicyRule[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new PolicyError('FTL_POLICY_FILE', `policy ${path} does not exist`, undefined, undefined, { hint: 'check --policy / FTL_POLICY' });
  }
  if (!isDir) return rulesOfFile(path);
  const files = readdirSync(path)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort();
  return files.flatMap((n) => rulesOfFile(join(path, n)));
}

function moduleMatches(pattern: string, module: string): boolean {
  // As FTL2: shell, command and raw are one (a deny of one is not dodged by another).
  if (!isGlob(pattern) && SHELLISH.has(shortOf(pattern))) return SHELLISH.has(shortOf(module));
  return fnmatch(module, pattern) || fnmatch(shortOf(module), pattern);
}

function paramValue(params: Readonly<Record<string, unknown>>, name: string): unknown {
  // A command's text is cmd in one call style and _raw_params (free form) in another.
  if (name in params) return params[name];
  if (name === 'cmd') return params._raw_params;
  if (name === '_raw_params') return params.cmd;
  return undefined;
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  return JSON.stringify(v);
}

/** The hosts of the call the rule matches (empty: it does not apply). */
function matchedHosts(rule: PolicyRule, s: PolicySubject): readonly string[] {
  for (const [k, v] of Object.entries(rule.match)) {
    if (k === 'module' && !moduleMatches(String(v), s.module)) return [];
    if (k === 'hosts_over' && !(s.hosts.length > Number(v))) return [];
    if (k === 'changing' && v !== !s.check) return [];
    if (k.startsWith('param.')) {
      const name = k.slice('param.'.length);
      const value = paramValue(s.params, name);
      if (value === undefined || !fnmatch(str(value), String(v))) return [];
    }
  }
  const host = rule.match.host;
  const env = rule.match.environment;
  if (host === undefined && env === undefined) return s.hosts;
  return s.hosts.filter((h) => {
    if (host !== undefined && !fnmatch(h, String(host))) return false;
    if (env !== undefined) {
      const e = s.environmentOf(h);
      if (e === undefined || !fnmatch(e, String(env))) return false;
    }
    return true;
  });
}

/** The rule that decides the call, or undefined: permitted. */
export function evaluatePolicy(rules: readonly PolicyRule[], s: PolicySubject): PolicyVerdict | undefined {
  let confirm: PolicyVerdict | undefined;
  for (const rule of rules) {
    const hosts = matchedHosts(rule, s);
    if (hosts.length === 0) continue;
    const verdict = { decision: rule.decision, rule: rule.id, reason: rule.reason, hosts };
    if (rule.decision === 'deny') return verdict;
    confirm ??= verdict;
  }
  return confirm;
}
