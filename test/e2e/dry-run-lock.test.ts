/**
 * A dry run takes no lock that blocks a real import (issue 6): while a dry run is held in
 * the middle of reading Connect, a real import runs to its end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedCadence, expectedImportExit } from '../support/oracle.js';
import { ndjson } from '../support/nothing-written.js';
import { sandboxProject, summaryOf, type SandboxProject } from '../support/sandbox-project.js';

describe('import --dry-run and a real import at the same time', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    project = await sandboxProject({ contacts: 120 });
    const first = await project.cli(['import', '--json', '--no-email']);
    expect(first.code, first.stderr).toBe(expectedImportExit(project.sandbox));
  });
  afterAll(async () => project?.close());

  it('does not stop the import (no exit 4), and still completes itself', async () => {
    const changed = [...expectedCadence(project.sandbox).keys()].slice(0, 2);
    project.sandbox.connect.modifyContacts(changed, { city: 'Macon' });

    // Hold the dry run's first page of contacts until the import has finished; the
    // latency keeps it slow on every other call too.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    let first = true;
    const remove = project.sandbox.connect.onBetweenPages(async () => {
      if (!first) return;
      first = false;
      held();
      await released;
    });
    project.sandbox.connect.knobs.latencyMs = 20;
    try {
      const dryRun = project.cli(['import', '--dry-run', '--json']);
      await holding;
      const real = await project.cli(['import', '--json', '--no-email']);
      release();
      expect(real.code, real.stderr).not.toBe(4);
      expect(real.code, real.stderr).toBe(expectedImportExit(project.sandbox));
      expect(summaryOf(real).updated).toBe(2);
      for (const id of changed) expect(project.sandbox.cadence.getContact(id)?.customFields['Home City']).toBe('Macon');

      const dry = await dryRun;
      expect(dry.code, dry.stderr).toBe(0);
      expect(ndjson(dry.stdout).at(-1)!.type).toBe('summary');
    } finally {
      release();
      remove();
      project.sandbox.connect.knobs.latencyMs = 0;
    }
  });
});
