/**
 * The CLI loads a command's implementation only when that command runs: `--help` and the
 * commands' help texts come from cheap definitions, and `status` or `import` do not load
 * the sandbox, the mailer or the other commands. Checked on the built CLI with a module
 * resolve hook that names every module the process loads.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN } from '../support/cli.js';
import { SECRET_ENV, minimalConfig, writeConfig } from '../support/config-files.js';

let dir: string;
let preload: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-lazy-load-'));
  const hooks = join(dir, 'hooks.mjs');
  // Each module resolved is written to stderr once, prefixed, for the test to read.
  writeFileSync(
    hooks,
    `const seen = new Set();
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (!seen.has(result.url)) { seen.add(result.url); process.stderr.write('LOADED ' + result.url + '\\n'); }
  return result;
}
`,
  );
  preload = join(dir, 'register.mjs');
  writeFileSync(preload, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI with the hook; resolves with its output and the modules it loaded. */
function runTraced(args: string[], cwd = dir, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; loaded: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(preload).href, CLI_BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const loaded = [...stderr.matchAll(/^LOADED (.+)$/gm)].map((match) => match[1]!);
      resolve({ code, stdout, loaded });
    });
  });
}

const COMMAND_IMPLEMENTATIONS = /\/dist\/cli\/commands\//;
const SANDBOX = /\/dist\/sandbox\//;
const MAILER_LIBRARIES = /\/node_modules\/(nodemailer|smtp-server)\//;
const POSTGRES_DRIVER = /\/node_modules\/pg(-[a-z]+)?\//;

describe('lazy command loading', () => {
  it('lists every command from the definitions alone', async () => {
    const { code, stdout, loaded } = await runTraced(['--help']);
    expect(code).toBe(0);
    for (const command of ['import', 'optouts', 'status', 'validate-config', 'sandbox', 'demo', 'schema']) {
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
    expect(loaded.some((url) => /\/dist\/cli\/main\.js$/.test(url))).toBe(true);
    expect(loaded.filter((url) => COMMAND_IMPLEMENTATIONS.test(url) || SANDBOX.test(url) || MAILER_LIBRARIES.test(url))).toEqual([]);
  });

  it("shows a command's options without loading its implementation", async () => {
    const { code, stdout, loaded } = await runTraced(['import', '--help']);
    expect(code).toBe(0);
    for (const option of ['--dry-run', '--full', '--filter <id...>', '--scheduled', '--no-email', '--json', '--limit <n>']) expect(stdout).toContain(option);
    expect(loaded.filter((url) => COMMAND_IMPLEMENTATIONS.test(url))).toEqual([]);

    const demo = await runTraced(['demo', '--help']);
    expect(demo.stdout).toContain('--contacts <n>');
    expect(demo.loaded.filter((url) => SANDBOX.test(url))).toEqual([]);
  });

  it('runs a command with its own implementation only', async () => {
    // `schema` needs no config: its implementation must load, and no other command's.
    const { code, stdout, loaded } = await runTraced(['schema']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toHaveProperty('properties.criteria');
    const commands = loaded.filter((url) => COMMAND_IMPLEMENTATIONS.test(url)).map((url) => url.replace(/^.*\/dist\/cli\/commands\//, ''));
    expect(commands).toEqual(['schema.js']);
    expect(loaded.filter((url) => SANDBOX.test(url) || MAILER_LIBRARIES.test(url))).toEqual([]);
  });

  it('loads neither the sandbox nor the mailer for an import that fails on its config', async () => {
    const config = join(dir, 'broken.yaml');
    writeFileSync(config, 'connect: {}\n');
    const { code, loaded } = await runTraced(['-c', config, 'import', '--no-email']);
    expect(code).toBe(2);
    expect(loaded.some((url) => /\/dist\/cli\/commands\/import\.js$/.test(url))).toBe(true);
    expect(loaded.filter((url) => SANDBOX.test(url) || MAILER_LIBRARIES.test(url) || /commands\/(demo|sandbox|import-dry-run)\.js$/.test(url))).toEqual([]);
  });

  it('loads no PostgreSQL driver for a team whose state is the SQLite file', async () => {
    const config = writeConfig(dir, { ...minimalConfig(), state: { path: 'lazy.sqlite' } }, 'sqlite-state.yaml');
    const { code, loaded } = await runTraced(['-c', config, 'status'], dir, SECRET_ENV);
    expect(code).toBe(0);
    expect(loaded.some((url) => /\/dist\/cli\/commands\/status\.js$/.test(url))).toBe(true);
    expect(loaded.filter((url) => POSTGRES_DRIVER.test(url))).toEqual([]);
  });
});
