import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const COMMITTED = fileURLToPath(new URL('../../schema/connect-sync.schema.json', import.meta.url));

describe('connect-sync schema', () => {
  it('prints the committed JSON Schema on stdout and exits 0, without a config file', async () => {
    const result = await runCli(['schema'], { cwd: fileURLToPath(new URL('.', import.meta.url)) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(readFileSync(COMMITTED, 'utf8'));
    expect(JSON.parse(result.stdout)).toMatchObject({ title: 'connect-sync config', type: 'object' });
  });

  it('explains itself with examples under --help', async () => {
    const result = await runCli(['schema', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('yaml-language-server: $schema=');
    expect(result.stdout).toContain('$ connect-sync schema > connect-sync.schema.json');
  });

  it('is listed in the program help', async () => {
    const result = await runCli(['--help']);
    expect(result.stdout).toMatch(/^\s+schema\s+print the JSON Schema/m);
  });
});
