/**
 * `connect-sync sandbox`: starts the local Connect and Cadence emulators and the mail
 * catcher, prints a ready config (YAML) pointing at them, and runs until Ctrl-C.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, mailDirIn, type SandboxOptions } from '../../sandbox/index.js';
import { ExitCode } from '../../errors.js';
import { println, type CliContext } from '../context.js';

export interface SandboxCommandOptions {
  contacts: number;
  seed: number;
  latency: number;
  dir?: string;
  connectPort?: number;
  cadencePort?: number;
  smtpPort?: number;
  connect503: number;
  connectFaults: number;
  connectTruncated: number;
  cadence429: number;
  cadence5xx: number;
  failedBatches: number;
  rateLimit: number;
  batchDelay: number;
}

/** Starts the sandbox and waits for SIGINT/SIGTERM. */
export async function sandboxCommand(options: SandboxCommandOptions, context: CliContext): Promise<number> {
  const base = options.dir ? resolve(options.dir) : mkdtempSync(join(tmpdir(), 'connect-sync-sandbox-'));
  mkdirSync(base, { recursive: true });
  const sandbox = await startSandbox(sandboxOptions(options, mailDirIn(base)));
  // Listening before saying so: whoever reads "sandbox running" may stop it at once.
  const stopped = new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  println(context, sandbox.configYaml({ statePath: join(base, 'connect-sync.sqlite') }));
  context.logger.info(
    { connect: sandbox.connect.url, cadence: sandbox.cadence.url, smtp: `${sandbox.mail.host}:${sandbox.mail.port}`, mail: mailDirIn(base), contacts: sandbox.dataset.contacts.length },
    'sandbox running; save the config above as connect-sync.config.yaml and run connect-sync import in another terminal; Ctrl-C stops',
  );
  await stopped;
  await sandbox.close();
  context.logger.info('sandbox stopped');
  return ExitCode.Ok;
}

/** Maps the command's options to the sandbox's knobs. */
export function sandboxOptions(options: SandboxCommandOptions, mailDir: string): SandboxOptions {
  return {
    contacts: options.contacts,
    seed: options.seed,
    mailDir,
    ports: { connect: options.connectPort, cadence: options.cadencePort, smtp: options.smtpPort },
    connect: {
      latencyMs: options.latency,
      failure503Share: options.connect503,
      faultShare: options.connectFaults,
      truncatedShare: options.connectTruncated,
    },
    cadence: {
      latencyMs: options.latency,
      failure429Share: options.cadence429,
      failure5xxShare: options.cadence5xx,
      batchFailedShare: options.failedBatches,
      rateLimitPerSecond: options.rateLimit,
      batchDelayMs: options.batchDelay,
    },
  };
}
