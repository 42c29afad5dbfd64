import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let loaded: typeof Yaml | undefined;

/**
 * The yaml package, loaded on first use: loading it takes ~30 ms, which a start that reads
 * no YAML (its inventory from the parse cache, no settings files) need not pay before the
 * prompt. In Node, `import` and `require` of 'yaml' both give its one CommonJS build.
 */
export function yaml(): typeof Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return loaded;
}
