import { MASK, maskValues } from '../base/secrets.js';
import { closest } from '../base/suggest.js';
import { UsageError } from '../base/errors.js';
import { mayBeTemplate } from '../base/templates.js';
import type { ModuleDoc, ModuleOption } from '../base/module-types.js';

const BOOL_WORDS = new Set(['yes', 'no', 'true', 'false', 'on', 'off', '1', '0', 'y', 'n', 't', 'f']);
/** Keys the controller adds itself, or free-form text of modules that take it. */
const INTERNAL = /^_ansible_|^_raw_params$|^_uses_shell$/;

function typeProblem(opt: ModuleOption, v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  switch (opt.type) {
    case 'bool':
    case 'boolean':
      if (typeof v === 'boolean' || v === 0 || v === 1) return undefined;
      if (typeof v === 'string' && BOOL_WORDS.has(v.toLowerCase())) return undefined;
      return 'a boolean (true or false)';
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v)) return undefined;
      if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return undefined;
      return 'a whole number';
    case 'float':
      if (typeof v === 'number') return undefined;
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return undefined;
      return 'a number';
    case 'list':
      // Ansible also splits a comma-separated string into a list.
      if (Array.isArray(v) || typeof v === 'string' || typeof v === 'number') return undefined;
      return "a list such as ['a', 'b']";
    case 'dict':
      if ((typeof v === 'object' && !Array.isArray(v)) || typeof v === 'string') return undefined;
      return "an object such as { key: 'value' }";
    case 'str':
    case 'path':
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return undefined;
      return 'a string';
    default:
      return undefined;
  }
}

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

/**
 * Checks args against a module's documented options before anything is sent: unknown
 * names (with did-you-mean), obvious type mismatches, choices, required options.
 * Finer rules (mutually exclusive, required_if) stay with the module itself.
 */
export function validateArgs(doc: ModuleDoc, args: Readonly<Record<string, unknown>>): { args: Record<string, unknown>; noLogKeys: string[] } {
  const name = doc.shortName;
  const byName = new Map<string, ModuleOption>();
  for (const o of doc.options) {
    byName.set(o.name, o);
    for (const a of o.aliases) byName.set(a, o);
  }
  const noLogKeys: string[] = [];
  const given = new Set<ModuleOption>();
  for (const [key, value] of Object.entries(args)) {
    if (INTERNAL.test(key)) continue;
    const opt = byName.get(key);
    if (opt === undefined) {
      const near = closest(key, [...byName.keys()]).map((n) => `'${n}'`);
      throw new UsageError('FTL_BAD_ARGS', `unknown option '${key}' for ${name}${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''}`, {
        hint: `.doc ${name} lists its options`,
      });
    }
    given.add(opt);
    if (opt.noLog) noLogKeys.push(key);
    // Templated per host before the module sees it: its type and choice are the module's to check.
    if (typeof value === 'string' && mayBeTemplate(value)) continue;
    const problem = typeProblem(opt, value);
    if (problem !== undefined && !opt.noLog) {
      throw new UsageError('FTL_BAD_ARGS', `option '${key}' of ${name} must be ${problem}, not ${show(value)}`, { hint: `.doc ${name} shows its type` });
    }
    if (problem !== undefined) throw new UsageError('FTL_BAD_ARGS', `option '${key}' of ${name} must be ${problem}`, { hint: `.doc ${name} shows its type` });
    if (opt.choices !== undefined && value !== null && !Array.isArray(value)) {
      const allowed = opt.choices.map(String);
      // Docs write '*regex*' among choices (lineinfile's insertafter): any value goes; the module decides.
      const open = allowed.some((c) => /^\*.+\*$/.test(c));
      if (!open && !allowed.includes(typeof value === 'string' ? value : JSON.stringify(value))) {
        throw new UsageError('FTL_BAD_ARGS', `option '${key}' of ${name} must be one of ${allowed.join(', ')}; got ${opt.noLog ? MASK : show(value)}`);
      }
    }
  }
  const missing = doc.options.filter((o) => o.required && !given.has(o)).map((o) => o.name);
  // Free-form text stands in for a required command/argument.
  if (missing.length > 0 && !('_raw_params' in args)) {
    throw new UsageError('FTL_BAD_ARGS', `${name} needs the option${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}`, { hint: `.doc ${name} lists its options` });
  }
  return { args: { ...args }, noLogKeys };
}

/** The values of the no_log options given: secrets to mask wherever they appear (as Ansible's no_log_values). */
export function noLogValues(args: Readonly<Record<string, unknown>>, noLogKeys: readonly string[]): string[] {
  const out: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string' && v !== '') out.push(v);
    else if (typeof v === 'number') out.push(String(v));
    else if (Array.isArray(v)) v.forEach(add);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(add);
  };
  for (const k of noLogKeys) add(args[k]);
  return out;
}

/** A copy for showing or logging: no_log options replaced, and their values masked wherever else they appear. */
export function maskNoLog(args: Readonly<Record<string, unknown>>, noLogKeys: readonly string[], known: Iterable<string> = []): Record<string, unknown> {
  const out: Record<string, unknown> = { ...args };
  for (const k of noLogKeys) if (k in out) out[k] = MASK;
  return maskValues(out, [...noLogValues(args, noLogKeys), ...known]);
}
