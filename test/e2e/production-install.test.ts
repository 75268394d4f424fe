/**
 * A production install (README "Installing for production"): the packed tarball ships
 * dist/ built, no benchmark, no tests, no sources, and runs from anywhere with only the
 * production dependencies (no TypeScript). The registry is not used: the tarball is
 * unpacked where `npm install -g` puts it, and its dependencies are linked from this
 * checkout's node_modules, production ones only.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Top-level folders of node_modules that hold the production dependencies (with theirs). */
function productionModules(): string[] {
  const out = execFileSync(npm, ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repo, encoding: 'utf8' });
  const tops = new Set<string>();
  for (const path of out.split('\n').filter(Boolean)) {
    const parts = relative(repo, path).split(/[\\/]/);
    if (parts[0] !== 'node_modules') continue;
    tops.add(parts[1]!.startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1]!);
  }
  // cosmiconfig names TypeScript as an optional peer (for .ts config files only): npm ls lists
  // it because this checkout has it; a production install does not, and must run without it.
  tops.delete('typescript');
  return [...tops];
}

describe('production install from the packed tarball', () => {
  let dir: string;
  let files: string[];
  let bin: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'connect-sync-install-'));
    // dist/ is built before the e2e tests run; --ignore-scripts skips prepack's rebuild.
    const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: repo, encoding: 'utf8' })) as {
      filename: string;
      files: { path: string }[];
    }[];
    files = packed[0]!.files.map((file) => file.path);
    const target = join(dir, 'prefix', 'lib', 'node_modules', 'connect-sync');
    mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', join(dir, packed[0]!.filename), '-C', target, '--strip-components=1']);
    for (const name of productionModules()) {
      mkdirSync(dirname(join(target, 'node_modules', name)), { recursive: true });
      symlinkSync(join(repo, 'node_modules', name), join(target, 'node_modules', name), 'dir');
    }
    mkdirSync(join(dir, 'prefix', 'bin'));
    bin = join(dir, 'prefix', 'bin', 'connect-sync');
    symlinkSync(join(target, 'bin', 'connect-sync.js'), bin);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the built CLI, LICENSE and examples; no benchmark, tests, sources or maps', () => {
    expect(files).toEqual(expect.arrayContaining(['bin/connect-sync.js', 'dist/cli/main.js', 'LICENSE', 'README.md', 'examples/crontab', 'schema/connect-sync.schema.json']));
    expect(files.filter((file) => /(^|\/)bench\/|\.test\.|^test\/|^src\/|\.map$|^scripts\//.test(file))).toEqual([]);
  });

  it('runs from any folder with no TypeScript: --version, --help, and a demo import', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'connect-sync-cwd-'));
    try {
      expect(existsSync(join(dir, 'prefix', 'lib', 'node_modules', 'connect-sync', 'node_modules', 'typescript'))).toBe(false);
      const env = { ...process.env, PATH: `${join(dir, 'prefix', 'bin')}:${process.env.PATH ?? ''}`, NODE_PATH: '' };
      const versionRun = spawnSync('connect-sync', ['-V'], { cwd: elsewhere, env, encoding: 'utf8' });
      expect(versionRun.status, versionRun.stderr).toBe(0);
      expect(versionRun.stdout.trim()).toBe(version);
      expect(spawnSync('connect-sync', ['--version'], { cwd: elsewhere, env, encoding: 'utf8' }).stdout.trim()).toBe(version);
      const help = spawnSync('connect-sync', ['import', '--help'], { cwd: elsewhere, env, encoding: 'utf8' });
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('--max-minutes');
      const demo = spawnSync('connect-sync', ['demo', '--contacts', '60', '--json', '--dir', join(elsewhere, 'demo')], { cwd: elsewhere, env, encoding: 'utf8', timeout: 60_000 });
      // The demo exits 0 once its import completed: contact errors are part of the show.
      expect(demo.status, demo.stderr).toBe(0);
      expect(demo.stdout).toContain('"matched"');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('lets `npm ci --omit=dev` in a checkout pass: prepare skips the build without TypeScript', () => {
    const checkout = mkdtempSync(join(tmpdir(), 'connect-sync-checkout-'));
    try {
      cpSync(join(repo, 'scripts'), join(checkout, 'scripts'), { recursive: true });
      const result = spawnSync(process.execPath, [join(checkout, 'scripts', 'prepare.mjs')], { cwd: checkout, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toContain('npm install -g ./connect-sync-<version>.tgz');
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });
});
