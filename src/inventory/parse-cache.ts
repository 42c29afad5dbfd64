/**
 * Parsed inventory and vars files, kept on disk between starts. Parsing YAML is most of
 * what a start on a big inventory costs (~300 ms of CPU, and the garbage it leaves, for
 * a 1,000-host YAML file); reading the parsed form back as JSON costs a few ms.
 *
 * An entry is found by the file's path and used only when everything about the file is
 * as it was: size, mtime (ns), inode, device and the SHA-256 of its text, and only by the
 * build of ftl (and of the yaml package) that wrote it. Whatever is off (a missing,
 * corrupt or foreign entry, a directory that cannot be made or read) means parsing the
 * file as if there were no cache: the cache can cost time, never change what is read.
 *
 * Never cached: vault-encrypted files and files with `!vault` values (decrypted values
 * must not reach the disk, and placeholders are not plain data), text that reads as JSON
 * (JSON.parse is as fast as the cache), small files (the cache would cost what parsing
 * does), and any result that is not plain JSON data (NaN, infinities, -0, binary, custom
 * tags' objects): what comes back from the cache is exactly what parsing gives.
 *
 * Entries are written 0600 into a 0700 directory owned by the user, through a temporary
 * file renamed into place, so concurrent ftl processes never see half an entry.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ownPrivateDir } from '../base/paths.js';
import { packageVersion } from '../base/version.js';
import { isVaultText } from './vault.js';

/** Bumped when what an entry holds, or how a file is parsed, changes in a way the build stamp would not show. */
const FORMAT = 1;
/** Files smaller than this are parsed: a group_vars file of a few lines parses in well under a millisecond. */
const DEFAULT_MIN_BYTES = 2048;
/** Entries not rewritten for this long are removed when the directory has grown past PRUNE_ABOVE entries. */
const PRUNE_AGE_MS = 30 * 24 * 3600 * 1000;
const PRUNE_ABOVE = 256;

/** A file as read for the inventory: its text, and its data parsed (or found in the cache) on demand. */
export interface InventoryFile {
  readonly path: string;
  readonly text: string;
  /** The file's data as `parse(text, path)` gives it. Throws what parsing throws. */
  data(): unknown;
}

export type Parse = (text: string, file: string) => unknown;

interface Identity {
  size: string;
  mtimeNs: string;
  ino: string;
  dev: string;
  sha256: string;
}

interface Entry extends Identity {
  format: number;
  stamp: string;
  path: string;
  value: unknown;
}

export interface ParseCacheOptions {
  /** Where entries go; default ~/.ftl/cache/inventory. */
  dir?: string;
  /** Files below this size are not cached (default 2 KiB). */
  minBytes?: number;
  /** Told each file that is parsed (not found in the cache): for tests. */
  onParse?: (path: string) => void;
}

let stampMemo: string | null | undefined;

/**
 * What identifies this build: ftl's version, the size, mtime and inode of every code file
 * next to this one (dist/chunks/*.js in the package, where the parser is bundled;
 * src/inventory/*.ts from source: the parser's own files), and the yaml package's
 * version. A rebuild or a reinstall changes it. null when it cannot be told.
 */
function buildStamp(): string | null {
  if (stampMemo !== undefined) return stampMemo;
  try {
    const dir = dirname(fileURLToPath(import.meta.url));
    const code = readdirSync(dir)
      .filter((n) => n.endsWith('.js') || n.endsWith('.ts'))
      .sort()
      .map((n) => {
        const st = statSync(join(dir, n), { bigint: true });
        return `${n}:${String(st.size)}:${String(st.mtimeNs)}:${String(st.ino)}`;
      });
    const yamlEntry = createRequire(import.meta.url).resolve('yaml');
    const yamlPkg = JSON.parse(readFileSync(join(dirname(yamlEntry), '..', 'package.json'), 'utf8')) as { version?: unknown };
    stampMemo = createHash('sha256').update([packageVersion(), String(yamlPkg.version), ...code].join('\n')).digest('hex');
  } catch {
    stampMemo = null;
  }
  return stampMemo;
}

/** Plain JSON data that JSON.parse gives back identical: no NaN, infinities or -0, no class instances, no __proto__ keys. */
function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !isPlainJson(value[i])) return false;
    return true;
  }
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return false;
  for (const v of Object.values(value)) if (!isPlainJson(v)) return false;
  return true;
}

export class ParseCache {
  private readonly dir: string;
  private readonly minBytes: number;
  private readonly parse: Parse;
  /** undefined: not checked yet; false: not usable this process. */
  private usable: boolean | undefined;
  private pruned = false;

  constructor(parse: Parse, opts: ParseCacheOptions = {}) {
    const told = opts.onParse;
    this.parse =
      told === undefined
        ? parse
        : (text, file) => {
            told(file);
            return parse(text, file);
          };
    this.dir = opts.dir ?? join(homedir(), '.ftl', 'cache', 'inventory');
    this.minBytes = opts.minBytes ?? DEFAULT_MIN_BYTES;
  }

  /** Reads a file; its data comes from the cache when this same file was parsed by this build before. */
  read(path: string): InventoryFile {
    const fd = openSync(path, 'r');
    let text: string;
    let id: Omit<Identity, 'sha256'>;
    try {
      const st = fstatSync(fd, { bigint: true });
      text = readFileSync(fd, 'utf8');
      id = { size: String(st.size), mtimeNs: String(st.mtimeNs), ino: String(st.ino), dev: String(st.dev) };
    } finally {
      closeSync(fd);
    }
    let data: { value: unknown } | undefined;
    return {
      path,
      text,
      data: () => (data ??= { value: this.dataOf(path, text, id) }).value,
    };
  }

  private cacheable(text: string, size: number): boolean {
    if (size < this.minBytes) return false;
    if (isVaultText(text) || text.includes('!vault')) return false;
    // JSON is parsed by JSON.parse first, as fast as reading an entry back.
    const first = /\S/.exec(text)?.[0];
    return first !== '{' && first !== '[';
  }

  private dataOf(path: string, text: string, stat: Omit<Identity, 'sha256'>): unknown {
    const stamp = this.cacheable(text, Number(stat.size)) ? buildStamp() : null;
    if (stamp === null || !this.ready()) return this.parse(text, path);
    const id: Identity = { ...stat, sha256: createHash('sha256').update(text).digest('hex') };
    const file = join(this.dir, `${createHash('sha256').update(path).digest('hex').slice(0, 40)}.json`);
    const hit = this.lookup(file, stamp, path, id);
    if (hit !== undefined) return hit.value;
    const value = this.parse(text, path);
    if (isPlainJson(value)) this.store(file, { format: FORMAT, stamp, path, ...id, value });
    return value;
  }

  /** The directory exists, is the user's own and is not open to others (tightened to 0700 if it is); checked once. */
  private ready(): boolean {
    this.usable ??= ownPrivateDir(this.dir);
    return this.usable;
  }

  private lookup(file: string, stamp: string, path: string, id: Identity): { value: unknown } | undefined {
    let read: unknown;
    try {
      read = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return undefined; // none yet, unreadable or corrupt: parsed, and written anew
    }
    if (read === null || typeof read !== 'object' || !('value' in read)) return undefined;
    const e = read as Partial<Entry>;
    const same = e.format === FORMAT && e.stamp === stamp && e.path === path && e.size === id.size && e.mtimeNs === id.mtimeNs && e.ino === id.ino && e.dev === id.dev && e.sha256 === id.sha256;
    return same ? { value: e.value } : undefined;
  }

  private store(file: string, entry: Entry): void {
    const tmp = `${file}.${String(process.pid)}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600, flag: 'wx' });
      renameSync(tmp, file);
    } catch {
      // A cache that cannot be written only costs time on the next start.
      try {
        unlinkSync(tmp);
      } catch {
        // not there
      }
    }
    this.prune();
  }

  /** Entries of files long unchanged elsewhere (old inventories, temporary ones), once per process when there are many. */
  private prune(): void {
    if (this.pruned) return;
    this.pruned = true;
    try {
      const names = readdirSync(this.dir);
      if (names.length <= PRUNE_ABOVE) return;
      const now = Date.now();
      for (const name of names) {
        const p = join(this.dir, name);
        try {
          if (now - statSync(p).mtimeMs > PRUNE_AGE_MS) unlinkSync(p);
        } catch {
          // gone already, or another process's
        }
      }
    } catch {
      // nothing to prune
    }
  }
}
