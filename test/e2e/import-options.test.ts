/**
 * What decides which contacts a run reads: `--filter`, `--full`, a mapping change (the
 * filter is re-imported in full, and the run says why) and a filter new to the config.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cadenceDifferences, expectedCadence, SANDBOX_ORACLE, type OracleConfig } from '../support/oracle.js';
import { importJson, sentSince, statusJson } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

describe('import: --filter, --full, mapping changes and new filters', () => {
  let project: SandboxProject;
  let oracle: OracleConfig;
  beforeEach(async () => {
    project = await sandboxProject({ contacts: 300, config: (config) => (config.criteria.filterIds = [70542, 70611]) });
    oracle = { ...SANDBOX_ORACLE, filterIds: [70542, 70611] };
  });
  afterEach(async () => project?.close());

  /** A first plain run of both filters, as the later stories start from. */
  async function imported(): Promise<void> {
    const first = await importJson(project);
    expect(first.result.code, first.result.stderr).toBe(1);
  }

  /** GetFilterContacts calls Connect answered from request number `from` on. */
  function pagesSince(from: number) {
    return project.sandbox.connect.requestLog.slice(from).filter((request) => request.method === 'GetFilterContacts');
  }

  it('--filter 70611 reads only that filter', async () => {
    const { sandbox } = project;
    const from = sandbox.connect.requestLog.length;
    const run = await importJson(project, ['--filter', '70611']);
    expect(run.result.code, run.result.stderr).toBe(1);
    expect(new Set(pagesSince(from).map((page) => page.filterId))).toEqual(new Set([70611]));
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox, { ...SANDBOX_ORACLE, filterIds: [70611] }))).toEqual([]);
    expect((await statusJson(project)).watermarks.map((mark: { filterId: number }) => mark.filterId)).toEqual([70611]);
    expect(run.summary.notes).toEqual(['filter 70611 imported in full: first run for this filter']);

    const unknown = await project.cli(['import', '--json', '--no-email', '--filter', '70733']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('70733');
  });

  it('a plain run reads the other filter in full and the first from its watermark', async () => {
    const { sandbox } = project;
    const only = await importJson(project, ['--filter', '70611']);
    expect(only.result.code, only.result.stderr).toBe(1);
    const from = sandbox.connect.requestLog.length;
    const run = await importJson(project);
    expect(run.result.code, run.result.stderr).toBe(1);
    expect(run.summary.notes).toEqual(['filter 70542 imported in full: first run for this filter']);
    const pages = pagesSince(from);
    expect(pages.filter((page) => page.filterId === 70542).every((page) => page.modifiedSince === '')).toBe(true);
    expect(pages.filter((page) => page.filterId === 70611).every((page) => page.modifiedSince !== '')).toBe(true);
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox, oracle))).toEqual([]);
  });

  it('--full reads everything again and sends nothing unchanged', async () => {
    const { sandbox } = project;
    await imported();
    const from = sandbox.connect.requestLog.length;
    const batches = sandbox.cadence.batches().length;
    const run = await importJson(project, ['--full']);
    expect(run.result.code, run.result.stderr).toBe(1);
    const pages = pagesSince(from);
    expect(new Set(pages.map((page) => page.filterId))).toEqual(new Set([70542, 70611]));
    expect(pages.every((page) => page.modifiedSince === '')).toBe(true);
    expect(sentSince(sandbox, batches)).toEqual([]);
    expect(run.summary.unchanged).toBe(expectedCadence(sandbox, oracle).size);
    expect(run.summary.created + run.summary.updated).toBe(0);
    expect(run.summary.notes).toEqual(['filter 70542 imported in full: --full', 'filter 70611 imported in full: --full']);
  });

  it('a mapping change re-imports in full, says so, and updates Cadence', async () => {
    const { sandbox } = project;
    await imported();
    project.writeConfig((config) => {
      config.additionalFields.find((field: { cadenceField: string }) => field.cadenceField === 'Program').hasList = false;
    });
    oracle = {
      ...oracle,
      additionalFields: oracle.additionalFields.map((field) => (field.cadenceField === 'Program' ? { ...field, hasList: false } : field)),
    };
    const withProgram = [...expectedCadence(sandbox, oracle).values()].filter((contact) => contact.customFields.Program !== undefined);
    expect(withProgram.length).toBeGreaterThan(10);
    const batches = sandbox.cadence.batches().length;
    const from = sandbox.connect.requestLog.length;

    const run = await project.cli(['import', '--no-email']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain('filter 70542 re-imported in full: the mapping changed since the last run');
    expect(run.stdout).toContain('filter 70611 re-imported in full: the mapping changed since the last run');
    expect(pagesSince(from).every((page) => page.modifiedSince === '')).toBe(true);
    const recorded = (await statusJson(project)).runs[0];
    expect(recorded.notes.filter((note: string) => note.includes('re-imported in full'))).toHaveLength(2);
    expect(recorded.matched).toBe(recorded.imported + recorded.errors);
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox, oracle))).toEqual([]);
    // Only the contacts whose payload the change touched were sent.
    expect(new Set(sentSince(sandbox, batches))).toEqual(new Set(withProgram.map((contact) => contact.uniqueCampusId)));

    const again = await importJson(project);
    expect(again.summary.notes).toEqual([]);
  });

  it('a filter added to the config is imported in full', async () => {
    const { sandbox } = project;
    await imported();
    project.writeConfig((config) => config.criteria.filterIds.push(70733));
    const before = new Set(expectedCadence(sandbox, oracle).keys());
    oracle = { ...oracle, filterIds: [70542, 70611, 70733] };
    const batches = sandbox.cadence.batches().length;
    const run = await importJson(project);
    expect(run.result.code, run.result.stderr).toBe(1);
    expect(run.summary.notes).toEqual(['filter 70733 imported in full: first run for this filter']);
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox, oracle))).toEqual([]);
    const added = [...expectedCadence(sandbox, oracle).keys()].filter((id) => !before.has(id));
    expect(added.length).toBeGreaterThan(5);
    expect(sentSince(sandbox, batches).sort()).toEqual(added.sort());
  });
});
