#!/usr/bin/env node
import module from 'node:module';

// V8's compile cache (Node 22.1+; absent from Node 20, where this does nothing): later starts
// skip compiling ftl's bundle and its dependencies. Node's own directory (NODE_COMPILE_CACHE,
// else the temporary directory); NODE_DISABLE_COMPILE_CACHE=1 turns it off. A cache it cannot
// use only costs the compile it would have saved.
try {
  module.enableCompileCache?.();
} catch {
  // never a reason not to start
}

import('../dist/cli.js').then((m) => m.main(process.argv)).catch((err) => {
  console.error(`ftl: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
