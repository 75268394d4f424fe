#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli (compiled to dist/cli). It sets process.exitCode
// instead of calling process.exit so pino can flush its output.
import { run } from '../dist/cli/main.js';

// `connect-sync status | head`: a closed pipe is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await run(process.argv);
