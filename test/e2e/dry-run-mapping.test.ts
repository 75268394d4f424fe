/**
 * `import --dry-run` with `--full`, `--filter` and `--limit`, and after a mapping change
 * (issue 6): it says which filters it would re-import in full and why, and shows the new
 * field as a change.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectedCadence, SANDBOX_ORACLE, expectedImportExit } from '../support/oracle.js';
import { ndjson, writeSnapshot } from '../support/nothing-written.js';
import { sandboxProject, summaryOf, type SandboxProject } from '../support/sandbox-project.js';

const FILTERS = [70542, 70611, 70733];

describe('import --dry-run: --full, --filter, --limit and a mapping change', () => {
  let project: SandboxProject;
  /** Contact ids (distinct) each filter returns in the sandbox. */
  const inFilter = (filterId: number) =>
    project.sandbox.dataset.contacts.filter((contact) => project.sandbox.connect.getContact(contact.id)!.filterIds.includes(filterId)).map((contact) => String(contact.id));

  beforeEach(async () => {
    // Start without the Home City field, to add it later.
    project = await sandboxProject({
      contacts: 150,
      config: (config) => {
        config.additionalFields = config.additionalFields.filter((field: { cadenceField: string }) => field.cadenceField !== 'Home City');
      },
    });
    const first = await project.cli(['import', '--json', '--no-email']);
    expect(first.code, first.stderr).toBe(expectedImportExit(project.sandbox));
  });
  afterEach(async () => project?.close());

  it('--full reads every filter in full and says so; nothing is to change', async () => {
    const before = writeSnapshot(project);
    const human = await project.cli(['import', '--dry-run', '--full']);
    expect(human.code, human.stderr).toBe(0);
    for (const id of FILTERS) expect(human.stdout).toContain(`# filter ${id} imported in full: --full`);
    const json = ndjson((await project.cli(['import', '--dry-run', '--full', '--json'])).stdout);
    const all = new Set(FILTERS.flatMap(inFilter));
    expect(json.at(-1)).toMatchObject({ matched: all.size, create: 0, update: 0, unchanged: all.size - json.at(-1)!.errors });
    expect(writeSnapshot(project)).toEqual(before);
  });

  it('--filter reads only the filters named', async () => {
    const result = await project.cli(['import', '--dry-run', '--full', '--filter', '70611', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const lines = ndjson(result.stdout);
    const listed = lines.filter((line) => line.type === 'contact').map((line) => line.contactId as string);
    expect(listed.sort()).toEqual(inFilter(70611).sort());
    expect(lines.at(-1)!.matched).toBe(inFilter(70611).length);
    // Filters not read count nothing, even for contacts that are in them too.
    expect(lines.at(-1)!.perFilter).toMatchObject({ '70542': { matched: 0 }, '70611': { matched: inFilter(70611).length }, '70733': { matched: 0 } });
    const unknown = await project.cli(['import', '--dry-run', '--filter', '99999']);
    expect(unknown.code).toBe(2);
  });

  it('after a mapping change, shows the re-import in full with its reason and the new field as a change; --limit cuts the list', async () => {
    project.writeConfig((config) => {
      config.additionalFields.push({ contactField: 'city', cadenceField: 'Home City', hasList: false });
    });
    const before = writeSnapshot(project);
    const human = await project.cli(['import', '--dry-run']);
    expect(human.code, human.stderr).toBe(0);
    for (const id of FILTERS) expect(human.stdout).toContain(`# filter ${id} re-imported in full: the mapping changed since the last run`);

    const expected = expectedCadence(project.sandbox, SANDBOX_ORACLE);
    const json = ndjson((await project.cli(['import', '--dry-run', '--json'])).stdout);
    const updates = json.filter((line) => line.action === 'update');
    expect(updates.map((line) => line.contactId).sort()).toEqual([...expected.keys()].sort());
    for (const line of updates) {
      expect(line.changes).toEqual({ 'customFields.Home City': { old: null, new: expected.get(line.contactId)!.customFields['Home City'] ?? '' } });
    }
    const withCity = updates.find((line) => line.changes['customFields.Home City'].new !== '')!;
    const lines = human.stdout.split('\n');
    const at = lines.findIndex((line) => line.startsWith(`~ ${withCity.contactId} `));
    expect(lines[at + 1]).toBe(`    customFields.Home City: (none) → ${JSON.stringify(withCity.changes['customFields.Home City'].new)}`);

    const limited = (await project.cli(['import', '--dry-run', '--limit', '2'])).stdout.split('\n');
    const errors = json.filter((line) => line.action === 'error').length;
    expect(limited.filter((line) => line.startsWith('~ '))).toHaveLength(2);
    expect(limited.filter((line) => line.startsWith('! '))).toHaveLength(Math.min(2, errors));
    const more = updates.length - 2 + Math.max(0, errors - 2);
    expect(limited).toContain(`… and ${more} more not listed (--limit N to list more, --json for everything)`);
    expect(writeSnapshot(project)).toEqual(before);

    // The real import sends exactly what the dry run listed as updates.
    const batchesBefore = project.sandbox.cadence.batches().length;
    const real = summaryOf(await project.cli(['import', '--json', '--no-email']));
    const sent = project.sandbox.cadence.batches().slice(batchesBefore).flatMap((batch) => batch.contactIds);
    expect(sent.sort()).toEqual(updates.map((line) => line.contactId).sort());
    const dry = json.at(-1)!;
    expect(real.matched).toBe(dry.matched);
    expect(real.errors).toBe(dry.errors);
    expect(real.created).toBe(dry.create);
    // Cadence calls a contact whose new field is empty "unchanged": it held no value either.
    expect(real.updated + real.unchanged).toBe(dry.update + dry.unchanged);
    expect(real.notes).toEqual(FILTERS.map((id) => `filter ${id} re-imported in full: the mapping changed since the last run`));
  });
});
