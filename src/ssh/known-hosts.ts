import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One key line of a known_hosts file (markers such as @cert-authority are not host keys). */
export interface KnownHostEntry {
  readonly hostField: string;
  readonly type: string;
  readonly key: Buffer;
  readonly revoked: boolean;
}

/** What known_hosts says about a key a host presents. */
export type HostKeyVerdict =
  | { kind: 'known' }
  | { kind: 'unknown'; fingerprint: string }
  | { kind: 'changed'; fingerprint: string; file: string; line: string }
  | { kind: 'revoked'; fingerprint: string; file: string };

/** The name a host has in known_hosts: `host` on port 22, else `[host]:port`. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${String(port)}`;
}

/** OpenSSH's SHA256 fingerprint: base64 of the key blob's SHA-256, unpadded. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a blob carries (its first SSH string). */
export function keyType(key: Buffer): string {
  if (key.length < 4) return '';
  const len = key.readUInt32BE(0);
  return key.subarray(4, 4 + len).toString('latin1');
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    let revoked = false;
    if (words[0]?.startsWith('@') === true) {
      const marker = words.shift();
      if (marker === '@cert-authority') continue;
      revoked = marker === '@revoked';
    }
    const [hostField, type, blob] = words;
    if (hostField === undefined || type === undefined || blob === undefined) continue;
    out.push({ hostField, type, key: Buffer.from(blob, 'base64'), revoked });
  }
  return out;
}

const globs = new Map<string, RegExp>();

function globMatch(pattern: string, name: string): boolean {
  let re = globs.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    globs.set(pattern, re);
  }
  return re.test(name);
}

/** Whether an entry's host field names this host: hashed `|1|salt|hash`, or patterns with `*`, `?` and `!`. */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (salt === undefined || hash === undefined) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (globMatch(pattern, name)) matched = true;
  }
  return matched;
}

interface FileEntry {
  readonly file: string;
  readonly entry: KnownHostEntry;
  readonly line: string;
  /** Its place in the file: lookups keep the file's order. */
  readonly order: number;
}

/**
 * A known_hosts file parsed once while its text stays the same (it is read again each time,
 * which is cheap; timestamps are too coarse to tell two quick writes apart): entries whose
 * host field is plain names are found by name; hashed ones and patterns are tried in turn,
 * once per name. A fleet connects to every host at once, and parsing and matching the whole
 * file for each would grow with hosts times lines.
 */
interface ParsedFile {
  readonly text: string;
  readonly byName: Map<string, FileEntry[]>;
  readonly others: FileEntry[];
  readonly lookups: Map<string, FileEntry[]>;
}

const parsedFiles = new Map<string, ParsedFile>();

function parsedFile(file: string): ParsedFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const known = parsedFiles.get(file);
  if (known?.text === text) return known;
  const p: ParsedFile = { text, byName: new Map(), others: [], lookups: new Map() };
  parseKnownHosts(text).forEach((entry, order) => {
    const e: FileEntry = { file, entry, line: `${entry.hostField} ${entry.type}`, order };
    const names = entry.hostField.split(',');
    if (entry.hostField.startsWith('|') || names.some((n) => /[*?!]/.test(n))) {
      p.others.push(e);
      return;
    }
    for (const n of names) {
      const key = n.toLowerCase();
      const list = p.byName.get(key) ?? [];
      list.push(e);
      p.byName.set(key, list);
    }
  });
  parsedFiles.set(file, p);
  return p;
}

/** The entries of these files that name this host, in the files' order. */
function entriesFor(files: readonly string[], name: string): FileEntry[] {
  const out: FileEntry[] = [];
  for (const file of files) {
    const p = parsedFile(file);
    if (p === undefined) continue;
    let mine = p.lookups.get(name);
    if (mine === undefined) {
      mine = [...(p.byName.get(name.toLowerCase()) ?? []), ...p.others.filter((e) => hostFieldMatches(e.entry.hostField, name))].sort((a, b) => a.order - b.order);
      p.lookups.set(name, mine);
    }
    out.push(...mine);
  }
  return out;
}

/** The key types known for a host, to ask the server for one of those first (as OpenSSH does). */
export function knownKeyTypes(files: readonly string[], host: string, port: number): string[] {
  const types = entriesFor(files, knownHostName(host, port))
    .filter((e) => !e.entry.revoked)
    .map((e) => e.entry.type);
  return [...new Set(types)];
}

/**
 * Checks a presented key. A key of a type known for the host but with other bytes is a
 * changed key; a host with no entry of that type is unknown.
 */
export function checkHostKey(files: readonly string[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostName(host, port);
  const type = keyType(key);
  const fp = fingerprint(key);
  const mine = entriesFor(files, name);
  const revoked = mine.find((e) => e.entry.revoked && e.entry.key.equals(key));
  if (revoked !== undefined) return { kind: 'revoked', fingerprint: fp, file: revoked.file };
  if (mine.some((e) => !e.entry.revoked && e.entry.key.equals(key))) return { kind: 'known' };
  const other = mine.find((e) => !e.entry.revoked && e.entry.type === type);
  if (other !== undefined) return { kind: 'changed', fingerprint: fp, file: other.file, line: other.line };
  return { kind: 'unknown', fingerprint: fp };
}

/** Records a host's key (accept-new), creating the file and its directory (0700) when missing. */
export function recordHostKey(file: string, host: string, port: number, key: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const name = knownHostName(host, port);
  if (existsSync(file) && parseKnownHosts(readFileSync(file, 'utf8')).some((e) => e.key.equals(key) && hostFieldMatches(e.hostField, name))) return;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  appendFileSync(file, `${sep}${name} ${keyType(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
}
