import type { GateProviderOptions } from '../hosts/options.js';
import type { ModuleIndex } from '../modules/index.js';

/** What `automation()` (and the REPL, and `ftl run`) take. */
export interface AutomationOptions extends GateProviderOptions {
  /** Inventory sources (-i); none: localhost only. */
  inventory?: string | string[];
  /** Restrict every call to hosts also matching this pattern (--limit). */
  limit?: string;
  check?: boolean;
  diff?: boolean;
  forks?: number;
  /** Seconds per host per call. */
  timeout?: number;
  become?: string;
  /** A module index already loaded (the REPL shares one). */
  modules?: ModuleIndex;
}
