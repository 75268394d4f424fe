/**
 * `import --dry-run` after an import (issue 6): nothing to change until contacts change in
 * Connect, then exactly those with their old → new values; the real import then does what
 * it said; nothing is written, not even the opt-out write-back it lists.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectedCadence, expectedImportExit } from '../support/oracle.js';
import { ndjson, writeSnapshot } from '../support/nothing-written.js';
import { sandboxProject, summaryOf, type SandboxProject } from '../support/sandbox-project.js';

describe('import --dry-run after an import', () => {
  let project: SandboxProject;
  let valid: string[];
  beforeEach(async () => {
    project = await sandboxProject({ contacts: 200 });
    const first = await project.cli(['import', '--json', '--no-email']);
    expect(first.code, first.stderr).toBe(expectedImportExit(project.sandbox));
    // Contacts Cadence holds opted in: a STOP on one of them is a change to write back.
    valid = [...expectedCadence(project.sandbox).values()].filter((contact) => !contact.optedOut).map((contact) => contact.uniqueCampusId);
  });
  afterEach(async () => project?.close());

  it('lists nothing to change right after the import, and leaves the state file as it was', async () => {
    const before = writeSnapshot(project);
    expect(before.state).not.toBe('absent');
    expect(before.wal).toBe(false);
    const result = await project.cli(['import', '--dry-run', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = ndjson(result.stdout).at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', create: 0, update: 0 });
    expect(ndjson(result.stdout).filter((line) => line.action === 'create' || line.action === 'update')).toEqual([]);
    expect(writeSnapshot(project)).toEqual(before);
  });

  it('lists exactly the modified contacts with field: old → new, writing nothing', async () => {
    const [a, b] = valid as [string, string];
    const oldCity = (id: string) => expectedCadence(project.sandbox).get(id)!.customFields['Home City'];
    const cityA = oldCity(a);
    const firstB = expectedCadence(project.sandbox).get(b)!.firstName;
    project.sandbox.connect.modifyContacts([a], { city: 'Savannah' });
    project.sandbox.connect.modifyContacts([b], { firstname: 'Zelda' });
    const before = writeSnapshot(project);

    const human = await project.cli(['import', '--dry-run']);
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.split('\n');
    expect(lines.filter((line) => /^[+~!] /.test(line)).map((line) => line.split(' ')[1]).sort()).toEqual([a, b].sort());
    const after = (id: string) => lines.slice(lines.findIndex((line) => line.startsWith(`~ ${id} `)) + 1);
    expect(after(a)[0]).toBe(`    customFields.Home City: ${cityA === undefined ? '(none)' : JSON.stringify(cityA)} → "Savannah"`);
    expect(after(b)[0]).toBe(`    firstName: ${JSON.stringify(firstB)} → "Zelda"`);
    expect(human.stdout).toMatch(/Dry run: \d+ matched: 0 to create, 2 to update, \d+ unchanged, \d+ errors/);

    const json = await project.cli(['import', '--dry-run', '--json']);
    const changed = ndjson(json.stdout).filter((line) => line.type === 'contact' && line.action !== 'unchanged' && line.action !== 'error');
    const byId = (x: Record<string, any>, y: Record<string, any>) => Number(x.contactId) - Number(y.contactId);
    expect(changed.sort(byId)).toEqual(
      [
        { type: 'contact', contactId: a, action: 'update', changes: { 'customFields.Home City': { old: cityA ?? null, new: 'Savannah' } }, error: null },
        { type: 'contact', contactId: b, action: 'update', changes: { firstName: { old: firstB, new: 'Zelda' } }, error: null },
      ].sort(byId),
    );
    expect(writeSnapshot(project)).toEqual(before);
  });

  it('says what the real import then does', async () => {
    const [a, b] = valid as [string, string];
    project.sandbox.connect.modifyContacts([a], { city: 'Savannah' });
    project.sandbox.connect.modifyContacts([b], { firstname: 'Zelda' });
    const dry = ndjson((await project.cli(['import', '--dry-run', '--json'])).stdout).at(-1)!;
    const real = summaryOf(await project.cli(['import', '--json', '--no-email']));
    expect({ matched: real.matched, create: real.created, update: real.updated, unchanged: real.unchanged, errors: real.errors }).toEqual({
      matched: dry.matched,
      create: dry.create,
      update: dry.update,
      unchanged: dry.unchanged,
      errors: dry.errors,
    });
    expect(real.updated).toBe(2);
  });

  it('lists the opt-out a pending STOP would write back to Connect, and writes none', async () => {
    const stopped = valid[2]!;
    const change = project.sandbox.cadence.recordKeyword(stopped, 'STOP');
    const before = writeSnapshot(project);
    const human = await project.cli(['import', '--dry-run']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout.split('\n')).toContain(`< ${stopped} sms_status := "Opted Out" in Connect (keyword at ${change.changedAt})`);
    const json = await project.cli(['import', '--dry-run', '--json']);
    expect(ndjson(json.stdout).filter((line) => line.type === 'optout')).toEqual([
      expect.objectContaining({ type: 'optout', contactId: stopped, attribute: 'sms_status', value: 'Opted Out', source: 'keyword' }),
    ]);
    expect(writeSnapshot(project)).toEqual(before);
    expect(project.sandbox.connect.updates).toEqual([]);
    expect(project.sandbox.connect.getContact(stopped)!.values.sms_status).not.toBe('Opted Out');
  });
});
