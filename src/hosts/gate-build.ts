import { ensureGate, type GateBuild } from '../gate/pyz.js';
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
