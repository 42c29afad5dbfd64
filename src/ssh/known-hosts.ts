import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** One key line of a known_hosts file. */
export interface KnownHostEntry {
  readonly hostField: string;
  readonly type: string;
  readonly key: Buffer;
  readonly revoked: boolean;
  /** A CA key that signs host certificates (@cert-authority), not a host key. */
  readonly certAuthority: boolean;
  /** 1-based, as ssh and ssh-keygen count lines. */
  readonly lineNo: number;
}

/** Where an entry is: `file:line`, as OpenSSH says it. */
export interface EntryPlace {
  readonly file: string;
  readonly lineNo: number;
  /** The entry's key type, as written. */
  readonly type: string;
}

/**
 * What known_hosts says about a key a host presents, as OpenSSH decides it: a host is
 * known by its name (and port); once it is, a key that is not one of its recorded keys,
 * of whatever type, is a changed key.
 */
export type HostKeyVerdict =
  | { kind: 'known' }
  | { kind: 'unknown'; fingerprint: string; type: string }
  | { kind: 'changed'; fingerprint: string; type: string; name: string; recorded: EntryPlace }
  | { kind: 'revoked'; fingerprint: string; type: string; recorded: EntryPlace }
  | { kind: 'cert-authority'; fingerprint: string; type: string; name: string; recorded: EntryPlace };

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

/** The name OpenSSH gives a key type in its messages: ED25519, RSA, ECDSA. */
export function keyTypeName(type: string): string {
  if (type === 'ssh-ed25519') return 'ED25519';
  if (type === 'ssh-rsa') return 'RSA';
  if (type === 'ssh-dss') return 'DSA';
  if (type.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (type.startsWith('sk-ssh-ed25519')) return 'ED25519-SK';
  if (type.startsWith('sk-ecdsa-')) return 'ECDSA-SK';
  return type;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const words = line.split(/\s+/);
    let marker: string | undefined;
    if (words[0]?.startsWith('@') === true) marker = words.shift();
    // An unknown marker: OpenSSH skips the line, so do we.
    if (marker !== undefined && marker !== '@revoked' && marker !== '@cert-authority') return;
    const [hostField, type, blob] = words;
    if (hostField === undefined || type === undefined || blob === undefined) return;
    out.push({ hostField, type, key: Buffer.from(blob, 'base64'), revoked: marker === '@revoked', certAuthority: marker === '@cert-authority', lineNo: i + 1 });
  });
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
  /** Its place in the file: lookups keep the file's order. */
  readonly order: number;
}

/**
 * A known_hosts file parsed once while it stays the same: entries whose host field is plain
 * names are found by name; hashed ones and patterns are tried in turn, once per name. A fleet
 * connects to every host at once, and parsing and matching the whole file for each would grow
 * with hosts times lines; so would reading it: 10,000 connections reading a 10,000-line file
 * twice each cost the controller more than their key exchanges. So a lookup stats the file and
 * reads it again only when its identity, size or times moved, or when it was written so close
 * to our read that a second write in the same timestamp tick could hide (git's "racy clean"
 * rule): then the text itself is compared, as before.
 */
interface ParsedFile {
  readonly text: string;
  /** ino, size, mtime and ctime (ns) when read; '' when it must be read again next time. */
  readonly stamp: string;
  readonly byName: Map<string, FileEntry[]>;
  readonly others: FileEntry[];
  readonly lookups: Map<string, FileEntry[]>;
}

/**
 * Writes this close (ns) before our read may share a timestamp with a later write: file
 * times on Linux move in clock ticks of 1 to 10 ms, so 100 ms covers them; a filesystem that
 * keeps whole seconds (its times end in zero nanoseconds) gets two seconds.
 */
const RACY_NS = 100_000_000n;
const RACY_COARSE_NS = 2_000_000_000n;

function stampOf(file: string): { stamp: string; racy: boolean } | undefined {
  try {
    const st = statSync(file, { bigint: true });
    const now = BigInt(Date.now()) * 1_000_000n;
    const newest = st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs;
    const window = newest % 1_000_000_000n === 0n ? RACY_COARSE_NS : RACY_NS;
    return { stamp: `${String(st.ino)}:${String(st.size)}:${String(st.mtimeNs)}:${String(st.ctimeNs)}`, racy: now - newest < window };
  } catch {
    return undefined;
  }
}

const parsedFiles = new Map<string, ParsedFile>();

function parsedFile(file: string): ParsedFile | undefined {
  const known = parsedFiles.get(file);
  const st = stampOf(file);
  if (known !== undefined && st !== undefined && known.stamp !== '' && known.stamp === st.stamp) return known;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const stamp = st === undefined || st.racy ? '' : st.stamp;
  if (known?.text === text) {
    if (known.stamp !== stamp) parsedFiles.set(file, { ...known, stamp });
    return parsedFiles.get(file);
  }
  const p: ParsedFile = { text, stamp, byName: new Map(), others: [], lookups: new Map() };
  parseKnownHosts(text).forEach((entry, order) => {
    const e: FileEntry = { file, entry, order };
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

/** Host keys proper: not revoked, not a CA. */
function isHostKey(e: FileEntry): boolean {
  return !e.entry.revoked && !e.entry.certAuthority;
}

function place(e: FileEntry): EntryPlace {
  return { file: e.file, lineNo: e.entry.lineNo, type: e.entry.type };
}

/** The key types known for a host, to ask the server for one of those first (as OpenSSH does). */
export function knownKeyTypes(files: readonly string[], host: string, port: number): string[] {
  const types = entriesFor(files, knownHostName(host, port))
    .filter(isHostKey)
    .map((e) => e.entry.type);
  return [...new Set(types)];
}

/**
 * Checks a presented key as OpenSSH does. A revoked key is refused wherever it is. A host
 * with recorded keys accepts only those: any other key, of the same type or another, is a
 * changed key (OpenSSH asks for the recorded types first, so a host that offers none of
 * them is not the host it was). A host known only through @cert-authority lines expects a
 * certificate. Only a host with no entry at all is unknown.
 */
export function checkHostKey(files: readonly string[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostName(host, port);
  const type = keyType(key);
  const fp = fingerprint(key);
  const mine = entriesFor(files, name);
  // @revoked lines name hosts too, usually `*`; a revoked key is refused for every host they match.
  const revoked = mine.find((e) => e.entry.revoked && e.entry.key.equals(key));
  if (revoked !== undefined) return { kind: 'revoked', fingerprint: fp, type, recorded: place(revoked) };
  const keys = mine.filter(isHostKey);
  if (keys.some((e) => e.entry.key.equals(key))) return { kind: 'known' };
  const offending = keys.find((e) => e.entry.type === type) ?? keys[0];
  if (offending !== undefined) return { kind: 'changed', fingerprint: fp, type, name, recorded: place(offending) };
  const ca = mine.find((e) => e.entry.certAuthority);
  if (ca !== undefined) return { kind: 'cert-authority', fingerprint: fp, type, name, recorded: place(ca) };
  return { kind: 'unknown', fingerprint: fp, type };
}

/** A known_hosts host field that names `name` without saying it: `|1|salt|HMAC-SHA1(salt, name)`, as HashKnownHosts writes it. */
export function hashedHostField(name: string, salt: Buffer = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

/**
 * Records a host's key (accept-new), creating the file and its directory (0700) when
 * missing; hashed when the ssh configuration says HashKnownHosts.
 */
export function recordHostKey(file: string, host: string, port: number, key: Buffer, opts: { hashed?: boolean } = {}): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const name = knownHostName(host, port);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (parseKnownHosts(text).some((e) => !e.revoked && !e.certAuthority && e.key.equals(key) && hostFieldMatches(e.hostField, name))) return;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  const field = opts.hashed === true ? hashedHostField(name) : name;
  appendFileSync(file, `${sep}${field} ${keyType(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
}
