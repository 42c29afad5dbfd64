import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Document, ScalarTag } from 'yaml';
import { yaml } from '../base/yaml.js';
import { InventoryError } from '../base/errors.js';
import type { InventoryData } from './model.js';
import { iniValue } from './py-literal.js';
import { pythonKeys, pythonShapes, pyyamlTags } from './pyyaml.js';
import { expandHostPattern } from './ranges.js';
import { isVaultText, VaultedValue } from './vault.js';
import type { InventoryFile } from './parse-cache.js';

const YAML_EXTS = new Set(['', '.yml', '.yaml', '.json']);
// Ansible's INVENTORY_IGNORE_EXTS default for files in an inventory directory.
const DIR_IGNORE_EXTS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];

type Vars = Record<string, unknown>;

/** `!vault |` values: placeholders, decrypted once the whole inventory is read (see vault.ts). */
function vaultTag(file: string): ScalarTag {
  return { tag: '!vault', resolve: (text: string) => new VaultedValue(text, file) };
}

/**
 * A YAML (or JSON) file as Ansible's DataLoader reads it: JSON first, then YAML 1.1 with
 * PyYAML's scalar rules (see pyyaml.ts); a repeated key keeps its last value. Errors
 * name file and line.
 */
export function readYaml(text: string, file: string): unknown {
  try {
    // As Ansible does; it matters where JSON and YAML 1.1 disagree (1e3 is a number in JSON only).
    return JSON.parse(text) as unknown;
  } catch {
    // not JSON: YAML then
  }
  let doc: Document;
  const y = yaml();
  const lines = new y.LineCounter();
  try {
    doc = y.parseDocument(text, { version: '1.1', customTags: pyyamlTags([vaultTag(file)]), merge: true, prettyErrors: true, uniqueKeys: false, lineCounter: lines });
  } catch (e) {
    if (e instanceof InventoryError) throw e;
    throw new InventoryError('FTL_INVENTORY_SYNTAX', `${file}: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
  const err = doc.errors[0];
  if (err !== undefined) {
    const line = err.linePos?.[0].line;
    // The message's own "at line L, column C:" says again what the prefix says.
    const what = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new InventoryError('FTL_INVENTORY_SYNTAX', `YAML error in ${file}${line === undefined ? '' : ` line ${line}`}: ${what}`);
  }
  pythonKeys(doc);
  // Where each vaulted value is, for the errors that name it.
  y.visit(doc, {
    Scalar(_, node) {
      if (y.isScalar(node) && node.value instanceof VaultedValue && node.range !== undefined && node.range !== null) node.value.line = lines.linePos(node.range[0]).line;
    },
  });
  return pythonShapes(doc.toJS({ maxAliasCount: -1 }));
}

/** How inventory and vars files are read: plainly, or through the parse cache (parse-cache.ts). */
export type ReadFile = (path: string) => InventoryFile;

/** A file read and parsed with no cache. */
export function readPlain(path: string): InventoryFile {
  const text = readFileSync(path, 'utf8');
  let data: { value: unknown } | undefined;
  return { path, text, data: () => (data ??= { value: readYaml(text, path) }).value };
}

function isObject(v: unknown): v is Vars {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function setVars(target: Vars, vars: unknown, what: string, file: string): void {
  if (vars === null || vars === undefined) return;
  if (!isObject(vars)) throw new InventoryError('FTL_INVENTORY_SYNTAX', `vars of ${what} in ${file} must be a mapping`);
  Object.assign(target, vars);
}

function yamlGroup(inv: InventoryData, name: string, data: unknown, file: string): void {
  if (data !== null && data !== undefined && !isObject(data)) return; // Ansible skips it with a warning
  const g = inv.group(name);
  if (!isObject(data)) return;
  for (const [key, value] of Object.entries(data)) {
    if (key === 'vars') setVars(g.vars, value, `group ${name}`, file);
    else if (key === 'children') {
      if (value === null) continue;
      if (!isObject(value)) throw new InventoryError('FTL_INVENTORY_SYNTAX', `children of group ${name} in ${file} must be a mapping`);
      for (const [child, childData] of Object.entries(value)) {
        yamlGroup(inv, child, childData, file);
        inv.addChild(name, child, file);
      }
    } else if (key === 'hosts') {
      if (value === null) continue;
      if (!isObject(value)) throw new InventoryError('FTL_INVENTORY_SYNTAX', `hosts of group ${name} in ${file} must be a mapping of host names`);
      for (const [pattern, hostVars] of Object.entries(value)) {
        for (const host of expandHostPattern(pattern, file)) {
          inv.addHost(name, host);
          setVars(inv.host(host).vars, hostVars, `host ${host}`, file);
        }
      }
    }
  }
}

/** A YAML (or JSON) inventory file's data, as readYaml gives it, into the inventory. */
export function loadYamlInventory(inv: InventoryData, data: unknown, file: string): void {
  if (data === null || data === undefined) return;
  if (!isObject(data)) throw new InventoryError('FTL_INVENTORY_SYNTAX', `${file} is not an inventory: it should be a mapping of groups`);
  for (const [group, body] of Object.entries(data)) yamlGroup(inv, group, body, file);
}

/** shlex.split with comments, enough for host lines: quotes, backslashes, and # outside quotes ends the line. */
function shlexSplit(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && (line[i + 1] === '"' || line[i + 1] === '\\')) cur += line[++i] ?? '';
      else cur += c;
    } else if (c === '#') {
      break;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i] ?? '';
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur !== '') out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote !== undefined) throw new Error('No closing quotation');
  if (has || cur !== '') out.push(cur);
  return out;
}

export function loadIniInventory(inv: InventoryData, text: string, file: string): void {
  let group = 'ungrouped';
  let state: 'hosts' | 'vars' | 'children' = 'hosts';
  const lines = text.split(/\r?\n/);
  const pendingChildren: { parent: string; child: string; line: number }[] = [];
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const section = /^\[([^\]]+)\]\s*(?:[#;].*)?$/.exec(line);
    if (section !== null) {
      const [name = '', kind] = (section[1] ?? '').split(':');
      if (kind !== undefined && kind !== 'vars' && kind !== 'children') {
        throw new InventoryError('FTL_INVENTORY_SYNTAX', `${file}:${lineNo}: section [${section[1] ?? ''}] has an unknown suffix '${kind}' (use :vars or :children)`);
      }
      group = name;
      state = kind === undefined ? 'hosts' : kind;
      if (state !== 'vars') inv.group(group);
      return;
    }
    if (line.startsWith('[')) throw new InventoryError('FTL_INVENTORY_SYNTAX', `${file}:${lineNo}: invalid section header ${line}`);
    if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq <= 0) throw new InventoryError('FTL_INVENTORY_SYNTAX', `${file}:${lineNo}: expected key=value in [${group}:vars], got '${line}'`);
      inv.group(group).vars[line.slice(0, eq).trim()] = iniValue(line.slice(eq + 1).trim());
      return;
    }
    if (state === 'children') {
      pendingChildren.push({ parent: group, child: line.split(/\s+/)[0] ?? '', line: lineNo });
      return;
    }
    let words: string[];
    try {
      words = shlexSplit(line);
    } catch (e) {
      throw new InventoryError('FTL_INVENTORY_SYNTAX', `${file}:${lineNo}: ${(e as Error).message}`);
    }
    const [first = '', ...rest] = words;
    let name = first;
    let port: number | undefined;
    const hp = /^([^:[\]]+|\[[^\]]+\]|.*\])(?::(\d+))$/.exec(first);
    if (hp !== null && first.split(':').length === 2) {
      name = hp[1] ?? first;
      port = Number(hp[2]);
    }
    const vars: Vars = {};
    for (const w of rest) {
      const eq = w.indexOf('=');
      if (eq <= 0) throw new InventoryError('FTL_INVENTORY_SYNTAX', `${file}:${lineNo}: expected key=value host variable, got '${w}'`);
      vars[w.slice(0, eq)] = iniValue(w.slice(eq + 1));
    }
    if (port !== undefined) vars.ansible_port = port;
    for (const host of expandHostPattern(name, file)) {
      inv.addHost(group, host);
      Object.assign(inv.host(host).vars, vars);
    }
  });
  for (const c of pendingChildren) {
    if (c.child === '') continue;
    inv.addChild(c.parent, c.child, `${file}:${c.line}`);
  }
}

/** An executable inventory script: `--list` prints groups and _meta.hostvars as JSON. */
export function loadScriptInventory(inv: InventoryData, path: string): void {
  const data = scriptJson(path, ['--list']);
  if (!isObject(data)) throw new InventoryError('FTL_INVENTORY_SYNTAX', `inventory script ${path} must print a JSON object`);
  const meta = isObject(data._meta) && isObject(data._meta.hostvars) ? data._meta.hostvars : {};
  for (const [group, body] of Object.entries(data)) {
    if (group === '_meta') continue;
    inv.group(group);
    const hosts = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.hosts) ? body.hosts : [];
    for (const h of hosts) inv.addHost(group, String(h));
    if (isObject(body)) {
      setVars(inv.group(group).vars, body.vars, `group ${group}`, path);
      if (Array.isArray(body.children)) for (const c of body.children) inv.addChild(group, String(c), path);
    }
  }
  for (const [host, vars] of Object.entries(meta)) {
    inv.host(host);
    setVars(inv.host(host).vars, vars, `host ${host}`, path);
  }
  if (!isObject(data._meta)) {
    // A script without _meta answers `--host NAME` for each host, as Ansible asks it.
    for (const host of inv.hosts.keys()) setVars(inv.host(host).vars, scriptJson(path, ['--host', host]), `host ${host}`, path);
  }
}

function scriptJson(path: string, args: string[]): unknown {
  let out: string;
  try {
    out = execFileSync(path, args, { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    // What the script said on stderr is what its author needs to see (execFileSync's message is only "Command failed").
    const err = e as Error & { status?: number | null; signal?: string | null; stderr?: string };
    const said = (err.stderr ?? '').trim().split('\n').filter((l) => l.trim() !== '').slice(-3).join(' | ').slice(-500);
    const how = err.status !== undefined && err.status !== null ? `exited ${String(err.status)}` : err.signal !== undefined && err.signal !== null ? `was killed by ${err.signal}` : (err.message.split('\n')[0] ?? 'failed');
    throw new InventoryError('FTL_INVENTORY_SYNTAX', `inventory script ${path} ${args.join(' ')} ${how}${said === '' ? ' and said nothing on stderr' : `: ${said}`}`);
  }
  try {
    return JSON.parse(out);
  } catch (e) {
    throw new InventoryError('FTL_INVENTORY_SYNTAX', `inventory script ${path} ${args.join(' ')} printed something that is not JSON: ${(e as Error).message}`);
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** One -i source: a file (by kind) or a directory of them; a comma list of hosts. */
export function loadSource(inv: InventoryData, source: string, read: ReadFile = readPlain): void {
  if (!source.includes('/') && source.includes(',')) {
    for (const h of source.split(',').map((s) => s.trim()).filter((s) => s !== '')) inv.addHost('ungrouped', h);
    return;
  }
  let st;
  try {
    st = statSync(source);
  } catch {
    throw new InventoryError('FTL_INVENTORY_NOT_FOUND', `inventory source ${source} does not exist`);
  }
  if (st.isDirectory()) {
    for (const name of readdirSync(source).sort()) {
      if (name === 'group_vars' || name === 'host_vars' || name.startsWith('.')) continue;
      if (DIR_IGNORE_EXTS.some((e) => name.endsWith(e))) continue;
      const full = join(source, name);
      loadSource(inv, full, read);
    }
    return;
  }
  const ext = extname(source).toLowerCase();
  if (ext !== '.yml' && ext !== '.yaml' && ext !== '.json' && isExecutable(source)) {
    loadScriptInventory(inv, source);
    return;
  }
  const file = read(source);
  const text = file.text;
  if (isVaultText(text)) {
    throw new InventoryError('FTL_INVENTORY_UNSUPPORTED', `inventory source ${source} is a vault-encrypted file, which ftl does not read`, {
      hint: 'encrypt the values instead (ansible-vault encrypt_string), or whole files under group_vars/host_vars',
    });
  }
  if (ext === '.yml' || ext === '.yaml' || ext === '.json') {
    loadYamlInventory(inv, file.data(), source);
    return;
  }
  if (YAML_EXTS.has(ext)) {
    // No extension: YAML when it reads as a mapping of groups, INI otherwise, as Ansible tries them.
    try {
      const data = file.data();
      if (isObject(data)) {
        loadYamlInventory(inv, data, source);
        return;
      }
    } catch (e) {
      if (e instanceof InventoryError && e.code === 'FTL_INVENTORY_UNSUPPORTED') throw e;
    }
  }
  loadIniInventory(inv, text, source);
}
