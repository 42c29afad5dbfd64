import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ensureGate, sha256Of, type GateBuild } from '../gate/pyz.js';
import { moduleUtilsPayload } from '../modules/payload.js';

let payload: Promise<Record<string, Uint8Array>> | undefined;
/** Builds by what is baked into them (the plain gate: ''), each made or found in the cache once per process. */
const builds = new Map<string, Promise<GateBuild>>();

/** Files baked into a gate besides its own code and module_utils: module sources (gate-bake.ts). */
export type BakedFiles = Readonly<Record<string, Uint8Array>>;

/** Files the gate carries besides its own code: Ansible's module_utils, when Ansible is installed. */
export function gatePayload(): Promise<Record<string, Uint8Array>> {
  payload ??= moduleUtilsPayload();
  return payload;
}

function keyOf(baked: BakedFiles): string {
  const names = Object.keys(baked).sort();
  if (names.length === 0) return '';
  const h = createHash('sha256');
  for (const n of names) h.update(n).update('\0').update(baked[n] ?? new Uint8Array()).update('\0');
  return h.digest('hex');
}

function make(baked: BakedFiles): Promise<GateBuild> {
  return gatePayload().then((extra) => ensureGate({ extra: { ...extra, ...baked } }));
}

/**
 * The gate every host of this process gets (with these modules baked in), built (or found
 * in the cache) once. `fresh` reads the gate's sources again: an upgrade starts the build
 * the sources make now, not the one this process made first.
 */
export function gateBuild(baked: BakedFiles = {}, opts: { fresh?: boolean } = {}): Promise<GateBuild> {
  const key = keyOf(baked);
  let b = opts.fresh === true ? undefined : builds.get(key);
  if (b === undefined) {
    b = make(baked);
    builds.set(key, b);
    b.catch(() => {
      if (builds.get(key) === b) builds.delete(key);
    });
  }
  return b;
}

/**
 * The gate's bytes as this build made them, read now: a cached file that was edited or
 * cut short since is made anew first (repaired: true). Never run or send a file unread.
 */
export async function intactGate(baked: BakedFiles = {}): Promise<{ build: GateBuild; bytes: Buffer; repaired: boolean }> {
  const b = await gateBuild(baked);
  try {
    const bytes = readFileSync(b.path);
    if (sha256Of(bytes) === b.sha256) return { build: b, bytes, repaired: false };
  } catch {
    // gone: made anew below
  }
  // ensureGate checks the file again and zips the sources anew: the same bytes, the same name.
  const fresh = await gateBuild(baked, { fresh: true });
  return { build: fresh, bytes: readFileSync(fresh.path), repaired: true };
}
