/**
 * `import --dry-run` before the first import (issue 6): every contact is a create, errors
 * are errors, nothing is written anywhere, and the real import then does what it said.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectedCadence, expectedImportExit } from '../support/oracle.js';
import { ndjson, writeSnapshot } from '../support/nothing-written.js';
import { sandboxProject, summaryOf, type SandboxProject } from '../support/sandbox-project.js';

describe('import --dry-run before the first import', () => {
  let project: SandboxProject;
  beforeEach(async () => {
    project = await sandboxProject({ contacts: 250 });
  });
  afterEach(async () => project?.close());

  it('lists every contact as create or error, in NDJSON with the keys of §7, and writes nothing', async () => {
    const before = writeSnapshot(project);
    expect(before.state).toBe('absent');
    const result = await project.cli(['import', '--dry-run', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const lines = ndjson(result.stdout);
    const summary = lines.at(-1)!;
    const contacts = lines.slice(0, -1);

    expect(contacts.every((line) => line.type === 'contact')).toBe(true);
    for (const line of contacts) expect(Object.keys(line)).toEqual(['type', 'contactId', 'action', 'changes', 'error']);
    expect(Object.keys(summary).slice(0, 6)).toEqual(['type', 'matched', 'create', 'update', 'unchanged', 'errors']);
    expect(summary.type).toBe('summary');

    // One line per distinct contact; the valid ones are exactly the oracle's, all creates.
    const ids = contacts.map((line) => line.contactId as string);
    expect(new Set(ids).size).toBe(ids.length);
    const expected = expectedCadence(project.sandbox);
    const creates = contacts.filter((line) => line.action === 'create');
    const errors = contacts.filter((line) => line.action === 'error');
    expect(creates.length + errors.length).toBe(contacts.length);
    expect(creates.map((line) => line.contactId).sort()).toEqual([...expected.keys()].sort());
    expect(errors.length).toBeGreaterThan(0); // the sandbox has invalid mobiles on purpose
    for (const line of errors) {
      expect(line.error.code).toMatch(/^(MISSING_FIRST_NAME|MISSING_LAST_NAME|MISSING_MOBILE|INVALID_MOBILE|UNRECOGNIZED_OPT_OUT_VALUE)$/);
      expect(line.changes).toEqual({});
    }
    for (const line of creates) {
      expect(line.error).toBeNull();
      const want = expected.get(line.contactId)!;
      expect(line.changes.firstName).toEqual({ old: null, new: want.firstName });
      expect(line.changes.mobileNumber).toEqual({ old: null, new: want.mobileNumber });
    }
    expect(summary).toMatchObject({ matched: contacts.length, create: creates.length, update: 0, unchanged: 0, errors: errors.length });

    expect(writeSnapshot(project)).toEqual(before);
  });

  it('prints + for creates and ! with the code for errors, then the counts, and writes nothing', async () => {
    const before = writeSnapshot(project);
    const result = await project.cli(['import', '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    const plus = lines.filter((line) => line.startsWith('+ '));
    const bang = lines.filter((line) => line.startsWith('! '));
    expect(plus.length).toBe(expectedCadence(project.sandbox).size);
    expect(bang.length).toBeGreaterThan(0);
    for (const line of bang) expect(line).toMatch(/^! \d+ .*: (MISSING_FIRST_NAME|MISSING_LAST_NAME|MISSING_MOBILE|INVALID_MOBILE|UNRECOGNIZED_OPT_OUT_VALUE) /);
    expect(lines.filter((line) => line.startsWith('~ '))).toEqual([]);
    const counts = new RegExp(`Dry run: ${plus.length + bang.length} matched: ${plus.length} to create, 0 to update, 0 unchanged, ${bang.length} errors`);
    expect(result.stdout).toMatch(counts);
    expect(writeSnapshot(project)).toEqual(before);
  });

  it('says what the real import then does', async () => {
    const dry = ndjson((await project.cli(['import', '--dry-run', '--json'])).stdout).at(-1)!;
    const real = await project.cli(['import', '--json', '--no-email']);
    expect(real.code, real.stderr).toBe(expectedImportExit(project.sandbox));
    const done = summaryOf(real);
    expect({ matched: done.matched, create: done.created, update: done.updated, unchanged: done.unchanged, errors: done.errors }).toEqual({
      matched: dry.matched,
      create: dry.create,
      update: dry.update,
      unchanged: dry.unchanged,
      errors: dry.errors,
    });
    for (const [filterId, counts] of Object.entries(dry.perFilter as Record<string, Record<string, number>>)) {
      expect(done.perFilter[filterId]).toMatchObject({ matched: counts.matched, errors: counts.errors });
    }
  });
});
