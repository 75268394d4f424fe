/** `--max-minutes` takes a positive number of minutes, decimals allowed; anything else is a usage error (exit 2). */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('import --max-minutes: usage', () => {
  it.each(['0', '-1', 'abc', '1e3', '', 'Infinity', '5m'])('rejects %j with exit 2 and says why', async (value) => {
    const result = await runCli(['import', '--max-minutes', value]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--max-minutes ${value}: expected a positive number of minutes (decimals allowed)`);
  });

  it('reads -V and --version from package.json', async () => {
    const result = await runCli(['-V']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
