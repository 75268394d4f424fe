/**
 * Every line a real run logs with --log-format json is valid JSON with unique keys, also the
 * retry lines of a child logger whose bindings name the service (product.md §7).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedImportExit } from '../support/oracle.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

/** Keys repeated within one object of a JSON text (JSON.parse would keep the last silently). */
function duplicateKeys(json: string): string[] {
  const duplicates: string[] = [];
  const stack: Set<string>[] = [];
  for (const [token] of json.matchAll(/"(?:[^"\\]|\\.)*"\s*:|[{}]/g)) {
    if (token === '{') stack.push(new Set());
    else if (token === '}') stack.pop();
    else {
      const key = JSON.parse(token.replace(/\s*:$/, '')) as string;
      if (stack.at(-1)!.has(key)) duplicates.push(key);
      stack.at(-1)!.add(key);
    }
  }
  return duplicates;
}

describe('JSON log lines of a real run', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    project = await sandboxProject({ contacts: 150, cadence: { failure5xxShare: 0.3, seed: 7 } });
  });
  afterAll(async () => project?.close());

  it('parse one by one, with unique keys, and include the retry lines', async () => {
    const result = await project.cli(['--log-level', 'debug', 'import', '--json', '--no-email']);
    expect(result.code, result.stderr).toBe(expectedImportExit(project.sandbox));
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of lines) expect(duplicateKeys(line), line).toEqual([]);
    const retries = parsed.filter((line) => line.msg === 'retrying request');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toMatchObject({ service: 'cadence' });
  });
});
