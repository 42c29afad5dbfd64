/** How property names on the `ftl` object map to inventory targets. */

/** Characters that make a name a host pattern rather than a plain host or group name. */
const PATTERN_CHARS = /[:,&!*?~[\]]/;

export function looksLikePattern(name: string): boolean {
  return PATTERN_CHARS.test(name);
}

/**
 * The inventory name a JavaScript property means: `local` is localhost, and
 * `web_01` means `web-01` when only the dashed name exists (dashes cannot appear
 * in a JavaScript identifier).
 */
export function targetName(prop: string, exists: (name: string) => boolean): string | undefined {
  if (prop === 'local') return 'localhost';
  if (exists(prop)) return prop;
  if (prop.includes('_')) {
    const dashed = prop.replaceAll('_', '-');
    if (exists(dashed)) return dashed;
    const dotted = prop.replaceAll('_', '.');
    if (exists(dotted)) return dotted;
  }
  return undefined;
}
