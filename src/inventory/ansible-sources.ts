import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { InventoryData } from './model.js';
import { VaultedValue } from './vault.js';

/** An inventory as Ansible's InventoryManager read it (the worker's LoadInventory answer). */
export interface AnsibleInventoryData {
  /** Every group in Ansible's order, with its direct hosts and child groups in order. */
  readonly groups: readonly { readonly name: string; readonly hosts: readonly string[]; readonly children: readonly string[] }[];
  /** Each host's variables as ansible-inventory --list shows them (group vars and vars plugins merged in). */
  readonly hosts: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The 'all' group's own variables. */
  readonly all_vars: Readonly<Record<string, unknown>>;
}

/** Reads inventory sources with Ansible (the controller's worker); absent without ansible-core. */
export type AnsibleInventoryLoader = (sources: readonly string[]) => Promise<AnsibleInventoryData>;

// Ansible's INVENTORY_IGNORE_EXTS default, and the names it skips in a directory.
const IGNORED = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];
/** Extensions ftl's own reader takes: YAML and JSON (and the rest as INI, as Ansible's ini plugin does), except these. */
const PLUGIN_ONLY_EXTS = new Set(['.toml']);
/** A top-level `plugin:` key: Ansible's auto plugin hands the file to the plugin it names. */
const PLUGIN_KEY = /^plugin\s*:/m;

/**
 * Why a source is for Ansible's inventory plugins and not for ftl's own reader: a YAML file
 * whose top level names a `plugin:` (constructed, generator, a cloud plugin...), a TOML
 * file, or a directory holding one. undefined: ftl reads it itself.
 */
export function pluginReason(source: string): string | undefined {
  if (!source.includes('/') && source.includes(',')) return undefined;
  let st;
  try {
    st = statSync(source);
  } catch {
    return undefined; // ftl's reader says it does not exist
  }
  if (st.isDirectory()) {
    for (const name of readdirSync(source).sort()) {
      if (name === 'group_vars' || name === 'host_vars' || name.startsWith('.') || IGNORED.some((e) => name.endsWith(e))) continue;
      const why = pluginReason(join(source, name));
      if (why !== undefined) return why;
    }
    return undefined;
  }
  const ext = extname(source).toLowerCase();
  if (PLUGIN_ONLY_EXTS.has(ext)) return `${source} is a ${ext.slice(1).toUpperCase()} inventory`;
  if (ext !== '.yml' && ext !== '.yaml' && ext !== '') return undefined;
  if (st.size > 4 * 1024 * 1024) return undefined;
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^plugin\s*:\s*(\S+)/m.exec(text);
  return PLUGIN_KEY.test(text) ? `${source} is an inventory plugin file (plugin: ${m?.[1] ?? '?'})` : undefined;
}

/** Ansible's reading as ftl's model: groups and their members in Ansible's order, each host's variables as Ansible merged them. */
export function dataFromAnsible(a: AnsibleInventoryData): InventoryData {
  const data = new InventoryData();
  for (const name of Object.keys(a.hosts)) data.host(name);
  for (const g of a.groups) data.group(g.name);
  for (const g of a.groups) {
    for (const c of g.children) data.addChild(g.name, c);
    for (const h of g.hosts) data.addHost(g.name, h);
  }
  for (const [name, vars] of Object.entries(a.hosts)) Object.assign(data.host(name).vars, unsealed(vars, `host ${name}`));
  Object.assign(data.group('all').vars, unsealed(a.all_vars, 'group all'));
  data.reconcile();
  return data;
}

/**
 * `{"__ansible_vault": vaulttext}` (how the worker sends a `!vault` value it read) as the
 * placeholder ftl's own reader makes: decrypted with the rest of the load, and a secret.
 */
function unsealed<T>(value: T, where: string): T {
  if (Array.isArray(value)) return value.map((v: unknown) => unsealed(v, where)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [only] = entries;
  if (entries.length === 1 && only !== undefined && only[0] === '__ansible_vault' && typeof only[1] === 'string') {
    return new VaultedValue(only[1], `the inventory (${where}, read by Ansible)`) as T;
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, unsealed(v, where)])) as T;
}
