/**
 * Every example in every `--help` text, run as written against the sandbox (issue 8):
 * `-c <path>` points at the test's config, pipes and `> file` redirections are dropped
 * (their left side runs), environment prefixes are dropped (the sandbox config has
 * defaults), long-running `sandbox` examples are stopped once their config is printed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, runCli } from '../support/cli.js';
import { expectedImportExit } from '../support/oracle.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

const COMMANDS = ['', 'import', 'status', 'optouts', 'serve', 'validate-config', 'sandbox', 'demo', 'schema'];

interface Example {
  command: string;
  line: string;
  args: string[];
}

/** The command an example runs (its first word that names one; an option's value may come before it). */
function commandOf(example: Example): string {
  return example.args.find((word) => word !== '' && COMMANDS.includes(word)) ?? '';
}

/** `$ npx connect-sync -c x import --json | jq .  comment` → the arguments to run. */
function toArgs(line: string): string[] {
  const words = line
    .replace(/\s{2,}.*$/, '') // a trailing explanation
    .replace(/\s[|>].*$/, '') // a pipe or redirection: run the left side
    .trim()
    .split(/\s+/);
  while (words[0] && /^[A-Z_]+=/.test(words[0])) words.shift();
  if (words[0] === 'npx') words.shift();
  expect(words.shift()).toBe('connect-sync');
  return words;
}

async function examples(): Promise<Example[]> {
  const found: Example[] = [];
  for (const command of COMMANDS) {
    const help = await runCli(command ? [command, '--help'] : ['--help']);
    expect(help.code).toBe(0);
    for (const match of help.stdout.matchAll(/^\s*\$ (.+)$/gm)) found.push({ command, line: match[1]!, args: toArgs(match[1]!) });
  }
  return found;
}

/** Runs a `sandbox` example until it has printed a config that parses, then stops it. */
async function runSandboxExample(args: string[], cwd: string): Promise<Record<string, any>> {
  const child = spawn(process.execPath, [CLI_BIN, ...args, '--dir', cwd], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  try {
    await expect.poll(() => stderr.includes('sandbox running'), { timeout: 60_000, interval: 100 }).toBe(true);
    const config = parse(stdout) as Record<string, any>;
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code).toBe(0);
    return config;
  } finally {
    child.kill('SIGKILL');
  }
}

/**
 * The code an example owes against the sandbox: an import that runs exits as the world
 * says (its invalid mobiles make it 1); a dry run, a skipped `--scheduled` one and every
 * other example succeed.
 */
function exitOfExample(project: SandboxProject, example: Example): number {
  const runs = commandOf(example) === 'import' && !example.args.includes('--dry-run') && !example.args.includes('--scheduled');
  return runs ? expectedImportExit(project.sandbox) : 0;
}

describe('the examples in --help', () => {
  let project: SandboxProject;
  let all: Example[];
  beforeAll(async () => {
    // No nightly window: a `--scheduled` example then skips (exit 0) whatever the hour the test runs at.
    project = await sandboxProject({ contacts: 200, config: (config) => (config.nightlyImport.enabled = false) });
    // The history export that `optouts --from-csv` examples name, as Cadence mails it.
    writeFileSync(
      join(project.dir, 'OptOutHistory.csv'),
      'ContactId, DepartmentCode, MobileNumber, Status, StatusDate (UTC)\r\n100001,ADMISSIONS,4045550134,Opted Out,2026-11-24 18:03:11\r\n',
    );
    all = await examples();
  });
  afterAll(async () => project?.close());

  it('every command has examples', () => {
    for (const command of COMMANDS) expect(all.filter((example) => example.command === command).length, command || 'top level').toBeGreaterThan(0);
  });

  it('run as written against the sandbox', async () => {
    for (const example of all.filter((candidate) => !['sandbox', 'demo', 'serve'].includes(commandOf(candidate)))) {
      const args = [...example.args];
      const at = args.indexOf('-c');
      if (at >= 0) args.splice(at, 2);
      const result = await runCli(['-c', project.configPath, '--log-format', 'json', ...args], { cwd: project.dir, timeoutMs: 60_000 });
      expect(result.code, `${example.line}\n${result.stderr}`).toBe(exitOfExample(project, example));
    }
    // Every example of every command, one after another: a budget for the whole list, not a speed check.
  }, 300_000);

  it('serve examples listen, and stop on SIGTERM with exit 0', async () => {
    const serving = all.filter((candidate) => commandOf(candidate) === 'serve');
    expect(serving.length).toBeGreaterThan(0);
    for (const example of serving) {
      const args = [...example.args];
      const at = args.indexOf('-c');
      if (at >= 0) args.splice(at, 2);
      const child = spawn(process.execPath, [CLI_BIN, '-c', project.configPath, '--log-format', 'json', ...args], { cwd: project.dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const closed = new Promise<number | null>((done) => child.on('close', done));
      try {
        await expect.poll(() => stderr.includes('"serve listening"'), { timeout: 30_000, interval: 50 }).toBe(true);
        child.kill('SIGTERM');
        expect(await closed, `${example.line}\n${stderr}`).toBe(0);
      } finally {
        child.kill('SIGKILL');
      }
    }
  });

  it('sandbox examples start the sandbox and print a config that points at it', async () => {
    for (const example of all.filter((candidate) => candidate.args[0] === 'sandbox')) {
      const dir = mkdtempSync(join(tmpdir(), 'connect-sync-help-'));
      try {
        const config = await runSandboxExample(example.args, dir);
        expect(config.connect.endpoint, example.line).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('demo examples run an import and say where things went', async () => {
    for (const example of all.filter((candidate) => candidate.args[0] === 'demo')) {
      const dir = mkdtempSync(join(tmpdir(), 'connect-sync-help-'));
      try {
        const result = await runCli(['--log-format', 'json', ...example.args], { cwd: dir, timeoutMs: 120_000 });
        expect(result.code, `${example.line}\n${result.stderr}`).toBe(0);
        expect(result.stdout).toContain('error report');
        expect(result.stdout).toMatch(/mail +\.demo\/mail\/.+\.eml/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
