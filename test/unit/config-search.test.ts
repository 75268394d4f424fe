import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { SECRET_ENV, minimalConfig, tempProject, writeConfig } from '../support/config-files.js';

const dirs: string[] = [];

function project(): string {
  const dir = tempProject();
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('finding the config file', () => {
  it('finds the file in a parent folder, up to the folder with a package.json', async () => {
    const dir = project();
    const file = writeConfig(dir, minimalConfig());
    const nested = path.join(dir, 'a', 'b');
    fs.mkdirSync(nested, { recursive: true });
    const config = await loadConfig({ cwd: nested, env: SECRET_ENV });
    expect(config.source).toBe(file);
  });

  it('does not look above the folder that holds a package.json', async () => {
    const dir = project();
    writeConfig(dir, minimalConfig());
    const inner = path.join(dir, 'inner');
    fs.mkdirSync(inner);
    fs.writeFileSync(path.join(inner, 'package.json'), '{}');
    await expect(loadConfig({ cwd: inner, env: SECRET_ENV })).rejects.toThrow(ConfigError);
  });

  it.each([
    ['.connect-syncrc', (dir: string) => writeConfig(dir, minimalConfig(), '.connect-syncrc')],
    ['connect-sync.config.json', (dir: string) => writeConfig(dir, JSON.stringify(minimalConfig(), null, 2), 'connect-sync.config.json')],
    [
      'connect-sync.config.mjs',
      (dir: string) => writeConfig(dir, `export default ${JSON.stringify(minimalConfig())};\n`, 'connect-sync.config.mjs'),
    ],
    [
      'the connect-sync key of package.json',
      (dir: string) => writeConfig(dir, JSON.stringify({ name: 'x', 'connect-sync': minimalConfig() }), 'package.json'),
    ],
  ])('reads %s', async (_name, write) => {
    const dir = project();
    const file = write(dir);
    const config = await loadConfig({ cwd: dir, env: SECRET_ENV });
    expect(config.source).toBe(file);
    expect(config.connect.passKey).toBe(SECRET_ENV.CONNECT_PASSKEY);
  });

  it('says where it searched and how to pass --config when no file is found', async () => {
    const dir = project();
    const error = await loadConfig({ cwd: dir, env: SECRET_ENV }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(dir);
    expect((error as Error).message).toContain('connect-sync.config.yaml');
    expect((error as Error).message).toContain('--config');
  });

  it('reports a JavaScript config that fails to load with its own error', async () => {
    const dir = project();
    writeConfig(dir, 'export default {\n', 'connect-sync.config.mjs');
    const error = (await loadConfig({ cwd: dir, env: SECRET_ENV }).catch((caught: unknown) => caught)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    // The syntax error itself, not cosmiconfig's require() fallback complaining about ESM.
    expect(error.message).toMatch(/^config file connect-sync\.config\.mjs could not be loaded: .*(syntax|end of input)/i);
    expect(error.message).not.toMatch(/require\(\)/);
  });

  it('reports a --config file that does not exist', async () => {
    const dir = project();
    await expect(loadConfig({ cwd: dir, path: 'missing.yaml', env: SECRET_ENV })).rejects.toThrow(/missing\.yaml does not exist/);
  });

  it('reports an empty file instead of skipping it', async () => {
    const dir = project();
    writeConfig(dir, '# nothing here yet\n');
    const error = (await loadConfig({ cwd: dir, env: SECRET_ENV }).catch((caught: unknown) => caught)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toEqual([{ path: '', message: expect.stringMatching(/empty/) }]);
  });

  it('gives line and column for malformed JSON', async () => {
    const dir = project();
    writeConfig(dir, '{\n  "connect": {\n    "endpoint": "x",,\n  }\n}\n', 'connect-sync.config.json');
    const error = (await loadConfig({ cwd: dir, env: SECRET_ENV }).catch((caught: unknown) => caught)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems[0]?.message).toMatch(/^connect-sync\.config\.json:3:\d+: /);
  });
});
