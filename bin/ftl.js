#!/usr/bin/env node
import('../dist/cli.js').then((m) => m.main(process.argv)).catch((err) => {
  console.error(`ftl: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
