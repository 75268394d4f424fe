#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli (compiled to dist/cli). It sets process.exitCode
// instead of calling process.exit so pino can flush its output.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// Memory (issue 9): after each full GC, V8 lets the old generation grow to up to 4× what
// survived before it collects again (the factor it picks for a heap this small and quick to
// collect). connect-sync keeps little alive (~30-50 MB at a million contacts) but allocates
// fast, so much of a big import's resident memory is garbage waiting for that limit. 3×
// lowers the peak RSS of a 1M-contact first import by ~15-25 MB for ~50 % more full GCs
// (~30 instead of ~20, ~10 ms each on this heap); CPU time stayed within run-to-run noise.
// 2× would save ~55 MB but costs 10-20 % CPU (concurrent marking runs most of the time).
// The flag is read at every GC, so setting it here, in the process, is enough; a
// --heap-growing-percent given to node (command line or NODE_OPTIONS) wins.
if (!/--heap[-_]growing[-_]percent/.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`)) {
  setFlagsFromString('--heap-growing-percent=200');
}

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  // A checkout installed without its dev dependencies has no build (see README, "Installing for production").
  process.stderr.write(
    'connect-sync: not built (dist/ is missing). In a checkout: npm ci && npm run build. For production: npm pack, then npm install -g ./connect-sync-<version>.tgz\n',
  );
  process.exit(2);
}
const { run } = await import(main.href);

// `connect-sync status | head`: a closed pipe is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await run(process.argv);
