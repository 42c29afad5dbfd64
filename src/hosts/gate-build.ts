import { readFileSync } from 'node:fs';
import { ensureGate, sha256Of, type GateBuild } from '../gate/pyz.js';
import { moduleUtilsPayload } from '../modules/payload.js';

let payload: Promise<Record<string, Uint8Array>> | undefined;
let build: Promise<GateBuild> | undefined;

/** Files the gate carries besides its own code: Ansible's module_utils, when Ansible is installed. */
export function gatePayload(): Promise<Record<string, Uint8Array>> {
  payload ??= moduleUtilsPayload();
  return payload;
}

/** The gate every host of this process gets, built (or found in the cache) once. */
export function gateBuild(): Promise<GateBuild> {
  build ??= gatePayload().then((extra) => ensureGate({ extra }));
  return build;
}

/**
 * The gate's bytes as this build made them, read now: a cached file that was edited or
 * cut short since is made anew first (repaired: true). Never run or send a file unread.
 */
export async function intactGate(): Promise<{ build: GateBuild; bytes: Buffer; repaired: boolean }> {
  const b = await gateBuild();
  try {
    const bytes = readFileSync(b.path);
    if (sha256Of(bytes) === b.sha256) return { build: b, bytes, repaired: false };
  } catch {
    // gone: made anew below
  }
  // ensureGate checks the file again and zips the sources anew: the same bytes, the same name.
  build = gatePayload().then((extra) => ensureGate({ extra }));
  const fresh = await build;
  return { build: fresh, bytes: readFileSync(fresh.path), repaired: true };
}
