/**
 * The real CLI with the team's state in PostgreSQL (`state.url`, product.md §11): the same
 * run as on the SQLite file gives the same exit code, counts and Cadence; a second import
 * holds off with exit 4 while the first holds the team's lock; and a `kill -9` in the
 * middle loses nothing and sends nothing confirmed again (the lock goes with the dead
 * process's session).
 */
import { afterEach, expect, it } from 'vitest';
import { openPostgresState } from '../../src/adapters/postgres/state.js';
import type { BatchInfo } from '../../src/sandbox/cadence/index.js';
import { cadenceDifferences, expectedCadence } from '../support/oracle.js';
import { importJson, sentSince, startCli, statusJson, strictSummary, waitUntil, whileImportHeld } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';
import { postgresSandboxProject, type PostgresSandboxProject } from '../support/postgres-project.js';
import { postgresPassword } from '../support/postgres.js';
import { TOKEN, eventually, post, startServe } from '../support/serve-process.js';

const projects: SandboxProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((project) => project.close()));
});

async function onPostgres(options: Parameters<typeof postgresSandboxProject>[0] = {}): Promise<PostgresSandboxProject> {
  const project = await postgresSandboxProject(options);
  projects.push(project);
  return project;
}

/** The counts two runs of the same world must share (not ids, times or paths). */
function countsOf(summary: Record<string, any>): Record<string, unknown> {
  const { matched, imported, created, updated, unchanged, errors, warnings, notProcessed, perFilter, stillFailing } = summary;
  return { matched, imported, created, updated, unchanged, errors, warnings, notProcessed, perFilter, stillFailing };
}

it('imports as on the SQLite file: same exit code, counts and Cadence; the next run changes nothing', async () => {
  const onFile = await sandboxProject();
  projects.push(onFile);
  const onServer = await onPostgres();

  const fileFirst = await importJson(onFile);
  const serverFirst = await importJson(onServer);
  expect(serverFirst.result.code, serverFirst.result.stderr).toBe(fileFirst.result.code);
  expect(countsOf(serverFirst.summary)).toEqual(countsOf(fileFirst.summary));
  expect(serverFirst.summary.created).toBe(expectedCadence(onServer.sandbox).size);
  expect(cadenceDifferences(onServer.sandbox, expectedCadence(onServer.sandbox))).toEqual([]);

  const sentBefore = onServer.sandbox.cadence.batches().length;
  const serverSecond = await importJson(onServer);
  const fileSecond = await importJson(onFile);
  expect(serverSecond.result.code, serverSecond.result.stderr).toBe(fileSecond.result.code);
  expect(countsOf(serverSecond.summary)).toEqual(countsOf(fileSecond.summary));
  expect(sentSince(onServer.sandbox, sentBefore)).toEqual([]);

  const status = await statusJson(onServer);
  expect(status.runs.map((run: { outcome: string }) => run.outcome)).toEqual([serverSecond.summary.outcome, serverFirst.summary.outcome]);
  expect(status.watermarks).toEqual((await statusJson(onFile)).watermarks.map((mark: Record<string, unknown>) => ({ ...mark, updatedAt: expect.any(String) })));
  expect(status.lock.held).toBe(false);
  const everything = [fileFirst, serverFirst, serverSecond].map((run) => run.result.stdout + run.result.stderr).join('\n');
  expect(everything).not.toContain(postgresPassword());
});

it('a second import exits 4 naming the holder while the first holds the team lock', async () => {
  const project = await onPostgres({ contacts: 100 });
  const { sandbox } = project;
  const done = await whileImportHeld(project, ['import', '--json', '--no-email'], async (first) => {
    const second = await project.cli(['import', '--json', '--no-email']);
    expect(second.code, second.stderr).toBe(4);
    expect(second.stderr).toMatch(new RegExp(`pid ${first.pid} on .+ since \\d{4}-\\d{2}-\\d{2}`));
  });
  const summary = strictSummary(done);
  expect(summary.errors).toBe(summary.matched - expectedCadence(sandbox).size);
  expect(done.code, done.stderr).toBe(summary.errors > 0 ? 1 : 0);
  expect(cadenceDifferences(sandbox, expectedCadence(sandbox))).toEqual([]);
  const status = await statusJson(project);
  expect(status.runs).toHaveLength(1);
  expect(status.lock.held).toBe(false);
});

it('kill -9 in the middle: the lock goes with the session, the next run loses nothing and resends nothing confirmed', async () => {
  const project = await onPostgres({
    contacts: 400,
    cadence: { batchDelayMs: 150 },
    config: (config) => Object.assign(config.cadence, { batchSize: 40, concurrency: 2 }),
  });
  const { sandbox } = project;
  const expected = expectedCadence(sandbox);
  const completed = (batches: readonly BatchInfo[]) => batches.filter((batch) => batch.status === 'completed');

  const running = startCli(project, ['import', '--json', '--no-email']);
  try {
    await waitUntil(() => completed(sandbox.cadence.batches()).length >= 3, 'Cadence completed 3 batches');
  } finally {
    running.child.kill('SIGKILL');
  }
  expect((await running.done).code).toBeNull();

  const team = { deptCode: String((project.config.cadence as Record<string, unknown>).deptCode), clientName: String((project.config.connect as Record<string, unknown>).clientName) };
  const reader = openPostgresState(project.stateUrl, team, { readonly: true });
  const confirmed = new Set((await reader.sync.getConfirmed([...expected.keys()])).keys());
  await reader.close();
  expect(confirmed.size).toBeGreaterThan(0);

  const status = await statusJson(project);
  expect(status.runs[0].outcome).toBe('interrupted');
  expect(status.lock.held).toBe(false);

  sandbox.cadence.knobs.batchDelayMs = 5;
  const before = sandbox.cadence.batches().length;
  const next = await importJson(project);
  expect(next.result.code, next.result.stderr).toBe(next.summary.errors > 0 ? 1 : 0);
  expect(next.summary.errors).toBe(next.summary.matched - expected.size);
  expect(cadenceDifferences(sandbox, expectedCadence(sandbox))).toEqual([]);
  const resent = sentSince(sandbox, before);
  expect(resent.filter((id) => confirmed.has(id))).toEqual([]);
  expect(new Set(resent)).toEqual(new Set([...expected.keys()].filter((id) => !confirmed.has(id))));
});

it('serve journals a STOP in PostgreSQL and writes it to Connect; the dry run and status read the same state', async () => {
  const project = await onPostgres({ contacts: 60, config: (config) => (config.optOut.webhook = { listen: '127.0.0.1:0', token: TOKEN }) });
  const first = await importJson(project);
  expect(first.result.code, first.result.stderr).toBe(first.summary.errors > 0 ? 1 : 0);
  const optedIn = [...expectedCadence(project.sandbox).values()].filter((contact) => !contact.optedOut).map((contact) => contact.uniqueCampusId);
  const id = optedIn[0]!;

  const serve = await startServe(project.configPath, project.dir);
  try {
    const answer = await post(`${serve.url}/cadence/optouts/${TOKEN}`, JSON.stringify({ studentId: id, departmentCode: 'ADMISSIONS', optedIn: false }));
    expect(answer.status).toBe(200);
    await eventually(() => project.sandbox.connect.updates.some((update) => update.contactId === id));
    expect(project.sandbox.connect.updates.filter((update) => update.contactId === id)).toEqual([
      expect.objectContaining({ contactId: id, attributes: { sms_status: 'Opted Out' }, sourceCode: 'CADENCE' }),
    ]);
  } finally {
    serve.child.kill('SIGTERM');
  }

  const status = await statusJson(project);
  expect(status.optOuts).toEqual({ pending: 0, failed: 0 });
  const runsBefore = status.runs.length;
  const dry = await project.cli(['import', '--dry-run']);
  expect(dry.code, dry.stderr).toBe(0);
  expect((await statusJson(project)).runs).toHaveLength(runsBefore);
});
