/**
 * `connect-sync serve` as a real process against the sandbox (product.md §10): every
 * answer of the webhook endpoint, the journal behind a 200, write-back to Connect as
 * changes arrive, /healthz and /metrics without secrets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedCadence, expectedImportExit } from '../support/oracle.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';
import { TOKEN, eventually, journalRows, post, startServe, type ServeProcess } from '../support/serve-process.js';

describe('connect-sync serve', () => {
  let project: SandboxProject;
  let serve: ServeProcess;
  let optedIn: string[];
  let hook: string;
  let firstOutcome: string;
  beforeAll(async () => {
    project = await sandboxProject({ contacts: 60, config: (config) => (config.optOut.webhook = { listen: '127.0.0.1:0', token: TOKEN }) });
    const first = await project.cli(['import', '--json', '--no-email']);
    expect(first.code, first.stderr).toBe(expectedImportExit(project.sandbox));
    firstOutcome = first.code === 0 ? 'ok' : 'contacts_failed';
    optedIn = [...expectedCadence(project.sandbox).values()].filter((contact) => !contact.optedOut).map((contact) => contact.uniqueCampusId);
    serve = await startServe(project.configPath, project.dir);
    hook = `${serve.url}/cadence/optouts/${TOKEN}`;
  });
  afterAll(async () => {
    serve?.child.kill('SIGKILL');
    await project?.close();
  });

  const body = (id: string, optedIn: unknown = false, departmentCode: unknown = 'ADMISSIONS') => JSON.stringify({ studentId: id, departmentCode, optedIn });

  it.each([
    [404, 'a wrong token, whatever the body', '/cadence/optouts/wrong-token-0123456789abcdefghijklmnopqrstuv', 'not json', 'text/plain'],
    [404, 'a token one character short', `/cadence/optouts/${TOKEN.slice(0, -1)}`, '{"studentId":"1"}', 'application/json'],
    [404, 'no token', '/cadence/optouts/', '{}', 'application/json'],
    [404, 'an unknown path', '/anything', '{}', 'application/json'],
    [415, 'a Content-Type that is not JSON', `/cadence/optouts/${TOKEN}`, 'studentId=1', 'application/x-www-form-urlencoded'],
    [400, 'malformed JSON', `/cadence/optouts/${TOKEN}`, '{"studentId":', 'application/json'],
    [400, 'a studentId that is not a positive integer', `/cadence/optouts/${TOKEN}`, '{"studentId":"-4","departmentCode":"ADMISSIONS","optedIn":false}', 'application/json'],
    [400, 'an optedIn that is not a boolean', `/cadence/optouts/${TOKEN}`, '{"studentId":"100001","departmentCode":"ADMISSIONS","optedIn":"no"}', 'application/json'],
    [422, 'another department', `/cadence/optouts/${TOKEN}`, '{"studentId":"100001","departmentCode":"OTHER","optedIn":false}', 'application/json'],
  ])('answers %i to %s', async (status, _what, path, text, type) => {
    const before = journalRows(project.statePath).length;
    const response = await post(`${serve.url}${path}`, text, { 'content-type': type });
    expect(response.status).toBe(status);
    expect(journalRows(project.statePath)).toHaveLength(before);
  });

  it('answers a body over 64 KB with 413, and journals nothing', async () => {
    const before = journalRows(project.statePath).length;
    const padding = 'x'.repeat(64 * 1024);
    const response = await post(hook, JSON.stringify({ studentId: optedIn[0], departmentCode: 'ADMISSIONS', optedIn: false, padding }));
    expect(response.status).toBe(413);
    expect(journalRows(project.statePath)).toHaveLength(before);
  });

  it('journals a STOP before answering 200, once for a repeated delivery, and writes it to Connect', async () => {
    const id = optedIn[1]!;
    const before = journalRows(project.statePath).length;
    // No Content-Type is read as JSON; a string "FALSE" is false.
    const first = await fetch(hook, { method: 'POST', body: new TextEncoder().encode(body(id, 'FALSE')) });
    expect(first.status).toBe(200);
    expect(journalRows(project.statePath).slice(before)).toEqual([{ contact_id: id, opted_out: 1, source: 'webhook', state: expect.any(String) }]);
    const again = await post(hook, body(Number(id) as unknown as string, false));
    expect(again.status).toBe(200);
    expect(journalRows(project.statePath)).toHaveLength(before + 1);
    await eventually(() => project.sandbox.connect.updates.some((update) => update.contactId === id));
    expect(project.sandbox.connect.updates.filter((update) => update.contactId === id)).toEqual([
      expect.objectContaining({ contactId: id, attributes: { sms_status: 'Opted Out' }, sourceCode: 'CADENCE' }),
    ]);
    await eventually(() => journalRows(project.statePath).at(-1)?.state === 'done');
  });

  it('ends an entry for a contact Connect does not know as failed, shown by status', async () => {
    const response = await post(hook, body('999999'));
    expect(response.status).toBe(200);
    await eventually(() => journalRows(project.statePath).some((row) => row.contact_id === '999999' && row.state === 'failed'));
    const status = await project.cli(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).optOuts).toMatchObject({ pending: 0, failed: 1 });
  });

  it('takes the sandbox Cadence\'s own webhook for a STOP, and writes it to Connect', async () => {
    const { sandbox } = project;
    const id = optedIn[2]!;
    sandbox.cadence.knobs.webhookUrl = hook;
    try {
      sandbox.cadence.recordKeyword(id, 'STOP');
      await sandbox.cadence.whenWebhooksDelivered();
    } finally {
      sandbox.cadence.knobs.webhookUrl = '';
    }
    expect(sandbox.cadence.webhookDeliveries()).toEqual([{ studentId: id, optedIn: false, attempts: 1, status: 200, delivered: true }]);
    await eventually(() => sandbox.connect.getContact(id)!.values.sms_status === 'Opted Out');
  });

  it('answers /healthz, and /metrics with webhook counts and pending entries, never the token', async () => {
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    // This test's own traffic, counted from what /metrics said before it (the serve is shared).
    const count = (text: string, status: number) => Number(new RegExp(`^connect_sync_webhook_requests_total\\{status="${status}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    const before = await (await fetch(`${serve.url}/metrics`)).text();
    expect((await post(`${serve.url}/cadence/optouts/wrong-token-0123456789abcdefghijklmnopqrstuv`, '{}')).status).toBe(404);
    expect((await post(`${serve.url}/cadence/optouts/`, '{}')).status).toBe(404);
    expect((await post(`${serve.url}/anything`, '{}')).status).toBe(404);
    expect((await post(hook, body(optedIn[3]!))).status).toBe(200);
    const metrics = await fetch(`${serve.url}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(count(text, 200) - count(before, 200)).toBe(1);
    // Wrong tokens are counted; an unknown path elsewhere is not a webhook request.
    expect(count(text, 404) - count(before, 404)).toBe(2);
    expect(text).toMatch(/connect_sync_optout_journal_entries\{state="pending"\} \d+/);
    // The same run metrics as import --metrics-file, for the import that ran before serve.
    expect(text).toContain(`connect_sync_last_run_outcome{outcome="${firstOutcome}"} 1`);
    expect(text).toMatch(/^connect_sync_last_completed_run_timestamp_seconds \d+/m);
    expect(text).toMatch(/^connect_sync_watermark_age_seconds\{filter_id="\d+"\} /m);
    expect(text).not.toContain(TOKEN);
    expect(serve.stderr()).not.toContain(TOKEN);
  });
});
