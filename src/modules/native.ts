/**
 * Modules the gate runs in its own process (gate/ftl_gate/native/). The one list on
 * the controller side; a test checks it against the gate's ListModules answer.
 */
export const NATIVE_MODULES: readonly string[] = ['ping', 'command', 'shell', 'stat', 'slurp', 'file', 'copy', 'facts'];

export function isNative(shortName: string): boolean {
  return NATIVE_MODULES.includes(shortName);
}
