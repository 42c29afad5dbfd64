import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync, type Zippable } from 'fflate';

export interface GateBuild {
  readonly path: string;
  /** The hash of the gate's sources (and payload): what the gate reports in Hello, and its name on hosts. */
  readonly hash: string;
  readonly size: number;
  /** SHA-256 (hex) of the .pyz file's bytes: a copy anywhere is run only when its bytes hash to this. */
  readonly sha256: string;
}

/** The package's gate/ directory, from src/gate (tsx) or dist/src/gate alike. */
export function gateSourceDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'gate', 'ftl_gate', 'main.py');
    if (existsSync(candidate)) return join(dir, 'gate');
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the gate/ directory of the ftl package');
    dir = parent;
  }
}

function pythonFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name === '__pycache__' || name.startsWith('.')) continue;
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.py')) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  walk(root);
  return out;
}

const BUILD_INFO = 'ftl_gate/build_info.py';
// 1980-01-01, the earliest time a zip can hold: a fixed time makes the bytes reproducible.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/**
 * Builds the gate zipapp. The hash covers every file's path and content (the extra
 * payload too), and is written into build_info.py, so the gate reports what it is.
 * Same sources, same bytes.
 */
export function buildGateZip(gateDir: string = gateSourceDir(), extra: Readonly<Record<string, Uint8Array>> = {}): { bytes: Uint8Array; hash: string } {
  const files = gateFiles(gateDir, extra);
  return { bytes: zipFiles(files), hash: hashOf(files) };
}

function gateFiles(gateDir: string, extra: Readonly<Record<string, Uint8Array>>): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const rel of pythonFiles(gateDir)) files.set(rel, readFileSync(join(gateDir, rel)));
  for (const [rel, bytes] of Object.entries(extra)) files.set(rel, bytes);
  return files;
}

function hashOf(files: ReadonlyMap<string, Uint8Array>): string {
  const h = createHash('sha256');
  for (const name of [...files.keys()].sort()) {
    if (name === BUILD_INFO) continue;
    h.update(name);
    h.update('\0');
    h.update(files.get(name) ?? new Uint8Array());
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

function zipFiles(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const all = new Map(files);
  all.set(BUILD_INFO, Buffer.from(`"""Written by the controller when it builds the gate."""\nGATE_HASH = "${hashOf(files)}"\n`));
  const zippable: Zippable = {};
  for (const name of [...all.keys()].sort()) {
    zippable[name] = [all.get(name) ?? new Uint8Array(), { mtime: FIXED_MTIME, os: 3, attrs: 0o644 << 16, level: 6 }];
  }
  return zipSync(zippable, { mtime: FIXED_MTIME });
}

const memo = new Map<string, GateBuild>();

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Whether the file at path holds exactly the bytes whose SHA-256 is given (false when it cannot be read). */
export function fileHasHash(path: string, sha256: string): boolean {
  try {
    return sha256Of(readFileSync(path)) === sha256;
  } catch {
    return false;
  }
}

/** `<hash>-<first 16 hex of the file's SHA-256>.pyz`: the name says what the bytes must hash to. */
const CACHED = /^([0-9a-f]{16})-([0-9a-f]{16})\.pyz$/;

/** A cached build whose bytes still match its name; a damaged one is removed. */
function findCached(cacheDir: string, hash: string): GateBuild | undefined {
  let names: string[];
  try {
    names = readdirSync(cacheDir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    const m = CACHED.exec(name);
    if (m?.[1] !== hash) continue;
    const path = join(cacheDir, name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      continue;
    }
    const sha256 = sha256Of(bytes);
    if (sha256.startsWith(m[2] ?? '-')) return { path, hash, size: bytes.length, sha256 };
    try {
      unlinkSync(path);
    } catch {
      // another process replaced or removed it meanwhile
    }
  }
  return undefined;
}

/**
 * The gate's path in the cache (~/.ftl/gates/<hash>-<sha>.pyz), built and written
 * atomically when missing. Zipping costs ~150 ms; hashing the file ~1 ms: a cached
 * file is used when its bytes still hash to what its name says, and made anew otherwise.
 */
export function ensureGate(opts: { gateDir?: string; cacheDir?: string; extra?: Readonly<Record<string, Uint8Array>> } = {}): Promise<GateBuild> {
  const cacheDir = opts.cacheDir ?? join(homedir(), '.ftl', 'gates');
  const files = gateFiles(opts.gateDir ?? gateSourceDir(), opts.extra ?? {});
  const hash = hashOf(files);
  const key = join(cacheDir, hash);
  const known = memo.get(key);
  if (known !== undefined && fileHasHash(known.path, known.sha256)) return Promise.resolve(known);
  let build = findCached(cacheDir, hash);
  if (build === undefined) {
    const bytes = zipFiles(files);
    const sha256 = sha256Of(bytes);
    const path = join(cacheDir, `${hash}-${sha256.slice(0, 16)}.pyz`);
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const tmp = `${path}.${String(process.pid)}.tmp`;
    writeFileSync(tmp, bytes, { mode: 0o644 });
    renameSync(tmp, path);
    build = { path, hash, size: bytes.length, sha256 };
  }
  memo.set(key, build);
  return Promise.resolve(build);
}
