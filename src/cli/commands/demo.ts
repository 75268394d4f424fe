/**
 * `connect-sync demo`: the whole product in one go on the bundled sandbox: starts the
 * emulators and the mail catcher in this process, writes a config for them, runs an
 * import (with write-back, report and mail), then shows the opt-out loop (a STOP texted
 * in Cadence reaches Connect through serve), and says where everything went.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { mailDirIn, startSandbox } from '../../sandbox/index.js';
import { ExitCode } from '../../errors.js';
import { println, type CliContext } from '../context.js';
import { sandboxOptions, type SandboxCommandOptions } from './sandbox.js';
import { importCommand } from './import.js';
import { showOptOutLoop } from './demo-optouts.js';

export interface DemoOptions extends SandboxCommandOptions {
  dir: string;
  json: boolean;
}

/** Files the demo owns in its folder; they are replaced on every demo run. */
const DEMO_FILES = ['connect-sync.config.yaml', 'connect-sync.sqlite', 'connect-sync.sqlite-wal', 'connect-sync.sqlite-shm', 'reports', 'mail', 'optout-history.csv'];

/** Runs the demo; exit 0 when the import completed (contact errors are part of the show). */
export async function demoCommand(options: DemoOptions, context: CliContext): Promise<number> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  for (const name of DEMO_FILES) rmSync(join(dir, name), { recursive: true, force: true });
  const mailDir = mailDirIn(dir);
  const sandbox = await startSandbox(sandboxOptions(options, mailDir));
  try {
    const configPath = join(dir, 'connect-sync.config.yaml');
    writeFileSync(configPath, sandbox.configYaml({ statePath: './connect-sync.sqlite' }));
    context.logger.info({ contacts: sandbox.dataset.contacts.length, connect: sandbox.connect.url, cadence: sandbox.cadence.url }, 'sandbox started');
    const code = await importCommand(
      { dryRun: false, full: false, scheduled: false, email: true, json: options.json },
      { ...context, options: { ...context.options, config: configPath } },
    );
    if (options.json) return ExitCode.Ok;
    const loop = await showOptOutLoop(sandbox, configPath, dir, context);
    const here = (path: string) => relative(process.cwd(), path) || '.';
    const reports = join(dir, 'reports');
    const mails = existsSync(mailDir) ? readdirSync(mailDir).filter((name) => name.endsWith('.eml')) : [];
    println(context);
    println(context, 'Where things went:');
    println(context, `  config        ${here(configPath)}`);
    println(context, `  state file    ${here(join(dir, 'connect-sync.sqlite'))}`);
    if (existsSync(reports)) for (const name of readdirSync(reports)) println(context, `  error report  ${here(join(reports, name))}`);
    for (const name of mails) println(context, `  mail          ${here(join(mailDir, name))}`);
    println(context, `  opt-out CSV   ${here(join(dir, 'optout-history.csv'))}   (try: connect-sync optouts --from-csv <it>)`);
    println(context, `  Cadence now holds ${sandbox.cadence.contactCount()} contacts.`);
    println(context, loop);
    println(context);
    println(context, `Try: npx connect-sync -c ${here(configPath)} status   (the sandbox stops with the demo; \`connect-sync sandbox\` keeps one running)`);
    return code === ExitCode.ContactsFailed ? ExitCode.Ok : code;
  } finally {
    await sandbox.close();
  }
}
