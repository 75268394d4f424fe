#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli (compiled to dist/cli). It sets process.exitCode
// instead of calling process.exit so pino can flush its output.
import { run } from '../dist/cli/main.js';

process.exitCode = await run(process.argv);
