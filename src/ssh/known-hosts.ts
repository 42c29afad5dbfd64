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

function globMatch(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
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

function readEntries(files: readonly string[]): { file: string; entry: KnownHostEntry; line: string }[] {
  const out: { file: string; entry: KnownHostEntry; line: string }[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const entry of parseKnownHosts(readFileSync(file, 'utf8'))) out.push({ file, entry, line: `${entry.hostField} ${entry.type}` });
  }
  return out;
}

/** The key types known for a host, to ask the server for one of those first (as OpenSSH does). */
export function knownKeyTypes(files: readonly string[], host: string, port: number): string[] {
  const name = knownHostName(host, port);
  const types = readEntries(files)
    .filter((e) => !e.entry.revoked && hostFieldMatches(e.entry.hostField, name))
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
  const mine = readEntries(files).filter((e) => hostFieldMatches(e.entry.hostField, name));
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
