/**
 * The variables a template sees, as Ansible gives them to a task: the host's inventory
 * variables, its facts (as ansible_facts and as ansible_* names), the call's own
 * variables (the task's `vars:`), -e's over all of those, and the magic variables Ansible sets.
 */
import type { VarsSource } from './types.js';

export interface TemplateVarsInput {
  host: string;
  source: VarsSource | undefined;
  /** Cached facts of the host, with their ansible_ names (as setup returns them). */
  facts: Readonly<Record<string, unknown>>;
  callVars: Readonly<Record<string, unknown>>;
  check: boolean;
  diff: boolean;
  ansibleVersion: string | undefined;
}

/** ansible_facts without the prefix, as Ansible keeps them (namespace_facts). */
function namespaced(facts: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(facts)) out[k.startsWith('ansible_') && k !== 'ansible_local' ? k.slice('ansible_'.length) : k] = v;
  return out;
}

function versionVar(v: string | undefined): Record<string, unknown> {
  const full = v ?? '0.0.0';
  const [major = 0, minor = 0, revision = 0] = full.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return { string: full, full, major, minor, revision };
}

/** hostvars: every host's variables, computed when a template asks for one. */
function hostvarsOf(source: VarsSource | undefined, host: string, own: Record<string, unknown>): Record<string, unknown> {
  if (source === undefined) return { [host]: own };
  const names = (): string[] => [...new Set([...(source.groups().all ?? []), host])];
  const varsOf = (k: string | symbol): Record<string, unknown> | undefined =>
    typeof k !== 'string' ? undefined : k === host ? own : names().includes(k) ? { inventory_hostname: k, ...source.varsOf(k) } : undefined;
  const target: Record<string, unknown> = {};
  return new Proxy(target, {
    get: (_t, k) => varsOf(k),
    has: (_t, k) => typeof k === 'string' && names().includes(k),
    ownKeys: () => names(),
    getOwnPropertyDescriptor: (_t, k) => {
      const value = varsOf(k);
      return value === undefined ? undefined : { enumerable: true, configurable: true, writable: false, value };
    },
  });
}

export function templateVars(i: TemplateVarsInput): Record<string, unknown> {
  const inventory = i.source?.varsOf(i.host) ?? {};
  const groupNames = [...(i.source?.groupsOf(i.host) ?? [])].sort();
  const groups = i.source?.groups() ?? { all: [i.host], ungrouped: [i.host] };
  const vars: Record<string, unknown> = {
    ...inventory,
    ...i.facts,
    ansible_facts: namespaced(i.facts),
    ...i.callVars,
    ...i.source?.extraVars?.(),
  };
  const magic: Record<string, unknown> = {
    inventory_hostname: i.host,
    inventory_hostname_short: i.host.split('.')[0] ?? i.host,
    group_names: groupNames,
    groups,
    ansible_check_mode: i.check,
    ansible_diff_mode: i.diff,
    ansible_version: versionVar(i.ansibleVersion),
    playbook_dir: process.cwd(),
    omit: '__omit_place_holder__',
  };
  Object.assign(vars, magic);
  vars.hostvars = hostvarsOf(i.source, i.host, { ...vars });
  return vars;
}
