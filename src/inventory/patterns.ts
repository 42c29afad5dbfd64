import { InventoryError } from '../base/errors.js';
import { expandHosts } from '../base/hostset.js';

/** What pattern matching needs of an inventory. */
export interface PatternSource {
  groupNames(): readonly string[];
  hostNames(): readonly string[];
  hostsOfGroup(name: string): string[];
  /** Hosts of `all` (every host, inventory order). */
  allHosts(): string[];
  /** localhost / 127.0.0.1 when not in the inventory (Ansible's implicit localhost). */
  implicit(name: string): string | undefined;
}

/** Splits on a separator outside brackets. */
function splitOutside(p: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const c of p) {
    if (c === '[') depth++;
    if (c === ']') depth = Math.max(0, depth - 1);
    if (c === sep && depth === 0) {
      if (cur.trim() !== '') out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/**
 * Ansible's split_host_pattern: commas, else colons outside brackets (IPv6 aside). Commas
 * inside brackets stay: `web[01-03,07]` is one term, as results print it.
 */
export function splitPattern(pattern: string): string[] {
  const p = pattern.trim();
  const byComma = splitOutside(p, ',');
  const commaOutside = byComma.length > 1 || p.replace(/\[[^\]]*\]/g, '').includes(',');
  return commaOutside ? byComma : splitOutside(p, ':');
}

/** A host list as results print it (`lab[01-03,07]`, base/hostset foldHosts): a range or a list in brackets, never a glob's letters. */
function isFolded(term: string): boolean {
  return !term.startsWith('~') && /\[\d+(-\d+)?(,\d+(-\d+)?)*\]/.test(term) && /\[\d+-\d+|\[\d+(-\d+)?,/.test(term);
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        const body = glob.slice(i + 1, end);
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`);
  } catch (e) {
    throw new InventoryError('FTL_PATTERN_NO_MATCH', `the pattern '${glob}' is not a valid glob: ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/: /, '')}`, {
      hint: "a range of hosts is written web[01-03] or web[1:3] (a slice); .hosts lists the hosts",
    });
  }
}

function matchList(names: readonly string[], pattern: string): string[] {
  if (pattern.startsWith('~')) {
    let re: RegExp;
    try {
      re = new RegExp(pattern.slice(1));
    } catch (e) {
      throw new InventoryError('FTL_PATTERN_NO_MATCH', `bad regular expression in pattern '${pattern}': ${(e as Error).message}`);
    }
    // Python's re.match: anchored at the start only.
    return names.filter((n) => re.exec(n)?.index === 0);
  }
  if (/[*?[]/.test(pattern)) {
    const re = globToRegExp(pattern);
    return names.filter((n) => re.test(n));
  }
  return names.filter((n) => n === pattern);
}

/**
 * The inventory's names as sets, made once per pattern on first need: a NATS worker is sent
 * its thousands of hosts as one comma list, and matching each plain name by a walk over
 * every host and group made that quadratic.
 */
class NameSets {
  private hosts: Set<string> | undefined;
  private groups: Set<string> | undefined;
  constructor(readonly src: PatternSource) {}
  knownHosts(): Set<string> {
    this.hosts ??= new Set(this.src.hostNames());
    return this.hosts;
  }
  host(name: string): boolean {
    return this.knownHosts().has(name);
  }
  group(name: string): boolean {
    this.groups ??= new Set(this.src.groupNames());
    return this.groups.has(name);
  }
}

const GLOB_OR_RE = /^~|[*?[]/;

function enumerate(names: NameSets, pattern: string): string[] {
  const src = names.src;
  if (pattern === 'all' || pattern === '*') return src.allHosts();
  if (isFolded(pattern)) {
    const known = names.knownHosts();
    return [...new Set(expandHosts(pattern).flatMap((h) => (known.has(h) ? [h] : (src.implicit(h) ?? []))))];
  }
  const plain = !GLOB_OR_RE.test(pattern);
  const results: string[] = [];
  const groups = plain ? (names.group(pattern) ? [pattern] : []) : matchList(src.groupNames(), pattern);
  for (const g of groups) results.push(...src.hostsOfGroup(g));
  if (groups.length === 0 || pattern.startsWith('~') || /[.?*[]/.test(pattern)) {
    if (plain) {
      if (names.host(pattern)) results.push(pattern);
    } else results.push(...matchList(src.hostNames(), pattern));
  }
  if (results.length === 0) {
    const implicit = src.implicit(pattern);
    if (implicit !== undefined) results.push(implicit);
  }
  return [...new Set(results)];
}

/** `web[0]`, `web[1:3]`, `web[-1]`, `web[2:]`: a slice of a pattern's hosts. */
function subscript(pattern: string): { expr: string; slice: [number, number | undefined] | undefined } {
  const m = /^(.+)\[(-?\d+)(?:(:)(-?\d*))?\]$/.exec(pattern);
  if (m === null || pattern.startsWith('~')) return { expr: pattern, slice: undefined };
  const start = Number(m[2]);
  if (m[3] === undefined) return { expr: m[1] ?? pattern, slice: [start, start] };
  return { expr: m[1] ?? pattern, slice: [start, m[4] === '' || m[4] === undefined ? -1 : Number(m[4])] };
}

function matchOne(names: NameSets, pattern: string): string[] {
  const { expr, slice } = subscript(pattern);
  const hosts = enumerate(names, expr);
  if (slice === undefined || hosts.length === 0) return hosts;
  const norm = (i: number): number => (i < 0 ? hosts.length + i : i);
  const [a, b] = slice;
  const start = norm(a);
  const end = b === undefined ? start : norm(b);
  if (start < 0 || start >= hosts.length) return [];
  return hosts.slice(start, Math.min(end, hosts.length - 1) + 1);
}

/** Hosts a pattern matches, as Ansible's InventoryManager.get_hosts evaluates it. */
export function evaluatePattern(src: PatternSource, pattern: string): string[] {
  const terms = splitPattern(pattern);
  // Plain terms first, then intersections (&), then exclusions (!), whatever the order written.
  const regular = terms.filter((t) => !t.startsWith('&') && !t.startsWith('!'));
  // Only intersections and exclusions: they apply to all hosts, as in Ansible.
  const ordered = [...(regular.length === 0 ? ['all'] : regular), ...terms.filter((t) => t.startsWith('&')), ...terms.filter((t) => t.startsWith('!'))];
  const names = new NameSets(src);
  let hosts: string[] = [];
  // Kept with hosts while plain terms add to them (intersections and exclusions come after all of those).
  const seen = new Set<string>();
  for (const term of ordered) {
    if (term.startsWith('!')) {
      const out = new Set(matchOne(names, term.slice(1)));
      hosts = hosts.filter((h) => !out.has(h));
    } else if (term.startsWith('&')) {
      const keep = new Set(matchOne(names, term.slice(1)));
      hosts = hosts.filter((h) => keep.has(h));
    } else {
      for (const h of matchOne(names, term)) {
        if (seen.has(h)) continue;
        seen.add(h);
        hosts.push(h);
      }
    }
  }
  return hosts;
}
