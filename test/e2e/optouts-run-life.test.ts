/**
 * `optouts` as a recorded run (product.md §2, §5): it takes the team's lock like an import
 * (a live holder stops it with exit 4, nothing recorded), and a write-back Connect rejects
 * ends the run failed with why, the lock free and the change still pending for the next run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importJson, statusJson, whileImportHeld } from '../support/import-e2e.js';
import { expectedCadence } from '../support/oracle.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

const WRONG = 'Wr0ng-s3cret-value';

describe('optouts: the run around the write-back', () => {
  let project: SandboxProject;
  let optedIn: string[];
  beforeAll(async () => {
    project = await sandboxProject({ contacts: 150 });
    const first = await importJson(project, ['--no-email']);
    // The sandbox's data set holds contacts Cadence cannot take: the import ends with exit 1.
    expect(first.result.code, first.result.stderr).toBe(1);
    optedIn = [...expectedCadence(project.sandbox).values()].filter((contact) => !contact.optedOut).map((contact) => contact.uniqueCampusId);
  });
  afterAll(async () => project?.close());

  it('a rejected write-back: exit 3, the run recorded failed with why, the lock free, the change written by the next run', async () => {
    const { sandbox } = project;
    const id = optedIn[0]!;
    sandbox.cadence.recordKeyword(id, 'STOP');
    const rejected = await project.cli(['optouts', '--json', '--no-email'], { env: { CONNECT_PASSKEY: WRONG } });
    expect(rejected.code, rejected.stderr).toBe(3);
    expect(rejected.stderr).toContain('connect.passKey');
    expect(rejected.stdout + rejected.stderr).not.toContain(WRONG);
    expect(sandbox.connect.updates).toEqual([]);
    const status = await statusJson(project);
    expect(status.runs[0]).toMatchObject({ kind: 'optouts', outcome: 'failed', writeBack: { written: 0, failed: 0, skipped: 0 } });
    expect(status.runs[0].error).toBe('Connect: Invalid ClientName or PassKey');
    expect(status.lock.held).toBe(false);
    expect(status.optOuts).toEqual({ pending: 1, failed: 0 });

    const written = await project.cli(['optouts', '--json', '--no-email']);
    expect(written.code, written.stderr).toBe(0);
    expect(JSON.parse(written.stdout)).toMatchObject({ outcome: 'ok', written: 1, failed: 0 });
    expect(sandbox.connect.updates).toEqual([expect.objectContaining({ contactId: id, attributes: { sms_status: 'Opted Out' } })]);
    expect((await statusJson(project)).optOuts).toEqual({ pending: 0, failed: 0 });
  });

  it('a live import holding the lock: exit 4 naming its pid, no run recorded', async () => {
    const runsBefore = (await statusJson(project)).runs.length;
    // The import is held at its first page (lock taken, run started) meanwhile.
    const held = await whileImportHeld(project, ['import', '--json', '--no-email', '--full'], async (holder) => {
      const busy = await project.cli(['optouts', '--json', '--no-email']);
      expect(busy.code, busy.stderr).toBe(4);
      expect(busy.stderr).toMatch(new RegExp(`pid ${holder.pid} on .+ since \\d{4}-\\d{2}-\\d{2}`));
    });
    expect(held.code, held.stderr).toBe(1);
    const status = await statusJson(project);
    expect(status.runs).toHaveLength(runsBefore + 1);
    expect(status.runs[0]).toMatchObject({ kind: 'import', id: JSON.parse(held.stdout.trim().split('\n').at(-1)!).runId });
    expect(status.lock.held).toBe(false);
  });
});
