/**
 * The Cadence emulator against cadence-api.md, over real HTTP: every endpoint, its error
 * answers, the upsert rules, the optouts feed and the fault knobs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CadenceContact, ContactResult, OptOutChange } from '../../src/core/types.js';
import { startCadenceEmulator, type CadenceEmulator, type CadenceEmulatorOptions } from '../../src/sandbox/cadence/index.js';

const DEPT = 'ADMISSIONS';
const KEY = 'test-key';
const SECRET = 'test-secret';
const USERS = [
  { userId: 'jdoe', firstName: 'Jane', lastName: 'Doe', email: 'jdoe@example.edu', active: true },
  { userId: 'rlee', firstName: 'Ray', lastName: 'Lee', email: 'rlee@example.edu', active: false },
];
const FIELDS = [
  { name: 'Program', label: 'Program of interest', required: false },
  { name: 'Term', label: 'Entry term', required: false },
];

const running: CadenceEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

async function start(knobs: Partial<CadenceEmulatorOptions> = {}): Promise<CadenceEmulator> {
  const emulator = await startCadenceEmulator({
    deptCode: DEPT,
    apiKey: KEY,
    apiSecret: SECRET,
    users: USERS,
    fields: FIELDS,
    rateLimitPerSecond: 0,
    batchDelayMs: 0,
    ...knobs,
  });
  running.push(emulator);
  return emulator;
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;  
}

async function call(
  emulator: CadenceEmulator,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; auth?: string | null; contentType?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const auth = options.auth === undefined ? `${KEY}:${SECRET}` : options.auth;
  if (auth !== null) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${emulator.url}${path}`, { method, headers, body: payload });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

function contact(id: string, overrides: Partial<CadenceContact> = {}): Partial<CadenceContact> {
  return { uniqueCampusId: id, firstName: 'Ana', lastName: 'Lopez', mobileNumber: '4045550134', allowMobileUpdate: true, customFields: {}, ...overrides };
}

/** Imports contacts and waits for the batch to be processed; returns its final state. */
async function importAndWait(emulator: CadenceEmulator, contacts: unknown[]): Promise<{ status: string; results?: ContactResult[] }> {
  const submitted = await call(emulator, 'POST', `/v2/contacts/${DEPT}/import`, { body: { contacts } });
  expect(submitted.status).toBe(200);
  await emulator.whenIdle();
  const batch = await call(emulator, 'GET', `/v2/Imports/${submitted.body.batchIdentifier}`);
  expect(batch.status).toBe(200);
  return batch.body;
}

function expectError(answer: Answer, status: number, code?: string): void {
  expect(answer.status).toBe(status);
  expect(answer.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  if (code) expect(answer.body.error.code).toBe(code);
}

describe('authentication and routing', () => {
  it.each([
    ['no credentials', null],
    ['a wrong secret', `${KEY}:wrong`],
    ['a wrong key', `other:${SECRET}`],
    ['no colon', KEY],
  ])('answers 401 with an error body for %s, on every endpoint', async (_label, auth) => {
    const emulator = await start();
    for (const [method, path] of [
      ['GET', `/v2/users/${DEPT}`],
      ['GET', `/v2/fields/${DEPT}`],
      ['GET', `/v2/contacts/${DEPT}/optouts`],
      ['GET', `/v2/Imports/b-1`],
      ['POST', `/v2/contacts/${DEPT}/import`],
    ] as const) {
      const answer = await call(emulator, method, path, { auth, body: method === 'POST' ? { contacts: [contact('1')] } : undefined });
      expectError(answer, 401, 'UNAUTHORIZED');
      expect(answer.body.error.message).not.toContain(SECRET);
    }
    expect(emulator.stats().batches).toBe(0);
  });

  it('answers 404 for another team on every endpoint', async () => {
    const emulator = await start();
    expectError(await call(emulator, 'GET', '/v2/users/OTHER'), 404, 'DEPARTMENT_NOT_FOUND');
    expectError(await call(emulator, 'GET', '/v2/fields/OTHER'), 404, 'DEPARTMENT_NOT_FOUND');
    expectError(await call(emulator, 'GET', '/v2/contacts/OTHER/optouts'), 404, 'DEPARTMENT_NOT_FOUND');
    expectError(await call(emulator, 'POST', '/v2/contacts/OTHER/import', { body: { contacts: [contact('1')] } }), 404, 'DEPARTMENT_NOT_FOUND');
    expect(emulator.stats().batches).toBe(0);
  });

  it('answers 404 for an unknown path and 405 for a wrong method', async () => {
    const emulator = await start();
    expectError(await call(emulator, 'GET', `/v1/users/${DEPT}`), 404);
    expectError(await call(emulator, 'GET', `/v2/contacts/${DEPT}`), 404);
    const wrongMethod = await call(emulator, 'GET', `/v2/contacts/${DEPT}/import`);
    expectError(wrongMethod, 405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('serves a batch at /v2/Imports/{batchIdentifier} only, not under the team', async () => {
    const emulator = await start();
    const submitted = await call(emulator, 'POST', `/v2/contacts/${DEPT}/import`, { body: { contacts: [contact('1')] } });
    expect(submitted.status).toBe(200);
    await emulator.whenIdle();
    const id = submitted.body.batchIdentifier as string;
    expect(await call(emulator, 'GET', `/v2/Imports/${id}`)).toMatchObject({ status: 200, body: { batchIdentifier: id, status: 'completed' } });
    expectError(await call(emulator, 'GET', `/v2/contacts/${DEPT}/import/${id}`), 404, 'NOT_FOUND');
    const wrongMethod = await call(emulator, 'POST', `/v2/Imports/${id}`, { body: {} });
    expectError(wrongMethod, 405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
  });

  it('takes a numeric team code as text', async () => {
    const emulator = await start({ deptCode: '1234567' });
    expect(await call(emulator, 'GET', '/v2/users/1234567')).toMatchObject({ status: 200 });
    expectError(await call(emulator, 'GET', '/v2/users/01234567'), 404, 'DEPARTMENT_NOT_FOUND');
  });

  it('lists the users and the fields it was given', async () => {
    const emulator = await start();
    const users = await call(emulator, 'GET', `/v2/users/${DEPT}`);
    expect(users.status).toBe(200);
    expect(users.headers.get('content-type')).toMatch(/^application\/json/);
    expect(users.body).toEqual({ users: USERS });
    expect(await call(emulator, 'GET', `/v2/fields/${DEPT}`)).toMatchObject({ status: 200, body: { fields: FIELDS } });
  });

  it('logs each request without its credentials', async () => {
    const emulator = await start();
    await call(emulator, 'GET', `/v2/users/${DEPT}`);
    await call(emulator, 'GET', `/v2/fields/${DEPT}`, { auth: null });
    expect(emulator.requestLog.map(({ method, path, status }) => ({ method, path, status }))).toEqual([
      { method: 'GET', path: `/v2/users/${DEPT}`, status: 200 },
      { method: 'GET', path: `/v2/fields/${DEPT}`, status: 401 },
    ]);
    expect(JSON.stringify(emulator.requestLog)).not.toContain(Buffer.from(`${KEY}:${SECRET}`).toString('base64'));
  });
});

describe('POST import: whole-request errors', () => {
  it.each([
    ['invalid JSON', '{"contacts": ['],
    ['a body that is not an object', '[1]'],
    ['contacts missing', '{}'],
    ['contacts not an array', '{"contacts": {}}'],
    ['no contacts', '{"contacts": []}'],
    ['a contact that is not an object', '{"contacts": ["100"]}'],
    ['a number where a string belongs', '{"contacts": [{"uniqueCampusId": 100}]}'],
    ['a string where a boolean belongs', '{"contacts": [{"uniqueCampusId": "1", "optedOut": "true"}]}'],
    ['a misspelt property', '{"contacts": [{"uniqueCampusId": "1", "optOut": true}]}'],
    ['an unknown top-level property', '{"contacts": [{"uniqueCampusId": "1"}], "extra": 1}'],
    ['a custom field value that is not a string', '{"contacts": [{"uniqueCampusId": "1", "customFields": {"Program": 3}}]}'],
  ])('answers 400 MALFORMED_REQUEST for %s', async (_label, raw) => {
    const emulator = await start();
    expectError(await call(emulator, 'POST', `/v2/contacts/${DEPT}/import`, { raw }), 400, 'MALFORMED_REQUEST');
    expect(emulator.stats().batches).toBe(0);
  });

  it('answers 400 when the body is not sent as JSON', async () => {
    const emulator = await start();
    const answer = await call(emulator, 'POST', `/v2/contacts/${DEPT}/import`, { body: { contacts: [contact('1')] }, contentType: 'text/plain' });
    expectError(answer, 400, 'MALFORMED_REQUEST');
  });

  it('answers 413 above 1,000 contacts and accepts exactly 1,000', async () => {
    const emulator = await start();
    const many = Array.from({ length: 1001 }, (_, i) => contact(String(i + 1)));
    expectError(await call(emulator, 'POST', `/v2/contacts/${DEPT}/import`, { body: { contacts: many } }), 413, 'TOO_MANY_CONTACTS');
    const accepted = await call(emulator, 'POST', `/v2/contacts/${DEPT}/import`, { body: { contacts: many.slice(0, 1000) } });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ batchIdentifier: expect.stringMatching(/^b-/), status: 'queued', count: 1000 });
    await emulator.whenIdle();
    expect(emulator.contactCount()).toBe(1000);
  });

  it('rejects the whole request with 400 UNKNOWN_FIELD when one contact names an unknown field', async () => {
    const emulator = await start();
    const contacts = [contact('1', { customFields: { Program: 'Biology' } }), contact('2', { customFields: { Major: 'Art' } })];
    const answer = await call(emulator, 'POST', `/v2/contacts/${DEPT}/import`, { body: { contacts } });
    expectError(answer, 400, 'UNKNOWN_FIELD');
    expect(answer.body.error.message).toContain('Major');
    expect(emulator.stats().batches).toBe(0);
    expect(emulator.contactCount()).toBe(0);
  });

  it('accepts notificationEmail', async () => {
    const emulator = await start();
    const answer = await call(emulator, 'POST', `/v2/contacts/${DEPT}/import`, { body: { notificationEmail: 'ops@example.edu', contacts: [contact('1')] } });
    expect(answer.status).toBe(200);
  });
});

describe('import batches', () => {
  it('rejects contacts one by one: missing values, bad mobiles, unknown staff ids', async () => {
    const emulator = await start();
    const batch = await importAndWait(emulator, [
      contact('1', { staffId: 'kim' }),
      contact('2', { mobileNumber: '404555013' }),
      contact('3', { mobileNumber: '24045550134' }),
      contact('4', { mobileNumber: '404-555-CALL' }),
      contact('5', { firstName: '  ' }),
      { ...contact('6'), lastName: undefined },
      contact('7', { mobileNumber: '' }),
      contact('', {}),
      contact('8', { staffId: 'rlee' }),
    ]);
    expect(batch.status).toBe('completed');
    expect(batch.results).toEqual([
      { uniqueCampusId: '1', outcome: 'rejected', errorCode: 'UNKNOWN_STAFF_ID', message: "No user with User ID 'kim'" },
      { uniqueCampusId: '2', outcome: 'rejected', errorCode: 'INVALID_MOBILE', message: expect.any(String) },
      { uniqueCampusId: '3', outcome: 'rejected', errorCode: 'INVALID_MOBILE', message: expect.any(String) },
      { uniqueCampusId: '4', outcome: 'rejected', errorCode: 'INVALID_MOBILE', message: expect.any(String) },
      { uniqueCampusId: '5', outcome: 'rejected', errorCode: 'MISSING_FIELD', message: expect.stringContaining('firstName') },
      { uniqueCampusId: '6', outcome: 'rejected', errorCode: 'MISSING_FIELD', message: expect.stringContaining('lastName') },
      { uniqueCampusId: '7', outcome: 'rejected', errorCode: 'MISSING_FIELD', message: expect.stringContaining('mobileNumber') },
      { uniqueCampusId: '', outcome: 'rejected', errorCode: 'MISSING_FIELD', message: expect.stringContaining('uniqueCampusId') },
      { uniqueCampusId: '8', outcome: 'created' },
    ]);
    expect(emulator.allContacts().map((held) => held.uniqueCampusId)).toEqual(['8']);
    expect(emulator.stats()).toMatchObject({ rejected: 8, created: 1 });
  });

  it('creates, updates, and reports unchanged contacts; punctuation in mobiles is ignored', async () => {
    const emulator = await start();
    const first = await importAndWait(emulator, [contact('1', { mobileNumber: '(404) 555-0134', staffId: 'jdoe' }), contact('2')]);
    expect(first.results).toEqual([
      { uniqueCampusId: '1', outcome: 'created' },
      { uniqueCampusId: '2', outcome: 'created' },
    ]);
    expect(emulator.getContact('1')).toEqual({
      uniqueCampusId: '1',
      firstName: 'Ana',
      lastName: 'Lopez',
      mobileNumber: '4045550134',
      staffId: 'jdoe',
      optedOut: false,
      customFields: {},
      writes: 1,
    });
    const second = await importAndWait(emulator, [contact('1', { mobileNumber: '+1 404.555.0134', staffId: 'jdoe' }), contact('2', { lastName: 'López' })]);
    expect(second.results).toEqual([
      { uniqueCampusId: '1', outcome: 'unchanged' },
      { uniqueCampusId: '2', outcome: 'updated' },
    ]);
    expect(emulator.getContact('1')?.writes).toBe(1);
    expect(emulator.getContact('2')).toMatchObject({ lastName: 'López', writes: 2 });
    expect(emulator.batches().map((batch) => ({ count: batch.count, contactIds: batch.contactIds, status: batch.status }))).toEqual([
      { count: 2, contactIds: ['1', '2'], status: 'completed' },
      { count: 2, contactIds: ['1', '2'], status: 'completed' },
    ]);
    expect(emulator.stats()).toMatchObject({ batches: 2, contactsReceived: 4, created: 2, updated: 1, unchanged: 1 });
  });

  it('keeps optedOut when absent, removes staff assignments, and changes only the custom fields named', async () => {
    const emulator = await start();
    await importAndWait(emulator, [
      contact('1', { optedOut: true, staffId: 'jdoe', customFields: { Program: 'Biology', Term: 'Fall' } }),
      { ...contact('2'), optedOut: undefined },
    ]);
    expect(emulator.getContact('2')?.optedOut).toBe(false);
    const again = await importAndWait(emulator, [{ ...contact('1', { customFields: { Term: '' } }), optedOut: undefined, staffId: undefined }]);
    expect(again.results).toEqual([{ uniqueCampusId: '1', outcome: 'updated' }]);
    expect(emulator.getContact('1')).toMatchObject({ optedOut: true, staffId: '', customFields: { Program: 'Biology' } });
    await importAndWait(emulator, [contact('1', { staffId: 'jdoe' })]);
    expect(emulator.getContact('1')).toMatchObject({ optedOut: true, staffId: 'jdoe', customFields: { Program: 'Biology' } });
    const emptyStaff = await importAndWait(emulator, [contact('1', { staffId: '' })]);
    expect(emptyStaff.results).toEqual([{ uniqueCampusId: '1', outcome: 'updated' }]);
    expect(emulator.getContact('1')).toMatchObject({ optedOut: true, staffId: '', customFields: { Program: 'Biology' }, writes: 4 });
  });

  it('keeps the mobile of an existing contact when allowMobileUpdate is false', async () => {
    const emulator = await start();
    await importAndWait(emulator, [contact('1')]);
    const batch = await importAndWait(emulator, [{ ...contact('1', { mobileNumber: '7705550199' }), allowMobileUpdate: false }]);
    expect(batch.results).toEqual([{ uniqueCampusId: '1', outcome: 'unchanged' }]);
    expect(emulator.getContact('1')?.mobileNumber).toBe('4045550134');
  });

  it('shows a batch queued without results until it is processed, and 404 for an unknown batch', async () => {
    const emulator = await start({ batchDelayMs: 60_000 });
    const submitted = await call(emulator, 'POST', `/v2/contacts/${DEPT}/import`, { body: { contacts: [contact('1')] } });
    const queued = await call(emulator, 'GET', `/v2/Imports/${submitted.body.batchIdentifier}`);
    expect(queued.body).toEqual({ batchIdentifier: submitted.body.batchIdentifier, status: 'queued' });
    expect(emulator.contactCount()).toBe(0);
    expectError(await call(emulator, 'GET', `/v2/Imports/b-unknown`), 404, 'BATCH_NOT_FOUND');
  });

  it('passes through processing before it completes', async () => {
    // Queued for the first half of the delay, processing for the second.
    const emulator = await start({ batchDelayMs: 1000 });
    const submitted = await call(emulator, 'POST', `/v2/contacts/${DEPT}/import`, { body: { contacts: [contact('1')] } });
    const seen: string[] = [];
    for (;;) {
      const batch = await call(emulator, 'GET', `/v2/Imports/${submitted.body.batchIdentifier}`);
      if (seen[seen.length - 1] !== batch.body.status) seen.push(batch.body.status);
      if (batch.body.status === 'processing') expect(batch.body.results).toBeUndefined();
      if (batch.body.status === 'completed') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seen).toEqual(['queued', 'processing', 'completed']);
  });

  it('applies batches in submission order even when a later one is due first', async () => {
    const emulator = await start({ batchDelayMs: 300 });
    await call(emulator, 'POST', `/v2/contacts/${DEPT}/import`, { body: { contacts: [contact('1', { firstName: 'First' })] } });
    emulator.knobs.batchDelayMs = 0;
    const later = await call(emulator, 'POST', `/v2/contacts/${DEPT}/import`, { body: { contacts: [contact('1', { firstName: 'Second' })] } });
    await emulator.whenIdle();
    const batch = await call(emulator, 'GET', `/v2/Imports/${later.body.batchIdentifier}`);
    expect(batch.body.results).toEqual([{ uniqueCampusId: '1', outcome: 'updated' }]);
    expect(emulator.getContact('1')?.firstName).toBe('Second');
  });

  it('ends batches failed and applies nothing, as batchFailedShare says', async () => {
    const emulator = await start({ batchFailedShare: 1 });
    const failed = await importAndWait(emulator, [contact('1', { optedOut: true })]);
    expect(failed).toEqual({ batchIdentifier: expect.any(String), status: 'failed' });
    expect(emulator.contactCount()).toBe(0);
    expect(emulator.optOutChanges()).toEqual([]);
    expect(emulator.stats().failedBatches).toBe(1);
    emulator.knobs.batchFailedShare = 0;
    const resent = await importAndWait(emulator, [contact('1', { optedOut: true })]);
    expect(resent.results).toEqual([{ uniqueCampusId: '1', outcome: 'created' }]);
  });

  it('fails the same batches for the same seed', async () => {
    async function outcomes(seed: number): Promise<string[]> {
      const emulator = await start({ batchFailedShare: 0.5, seed });
      const statuses: string[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await importAndWait(emulator, [contact(String(i))])).status);
      return statuses;
    }
    const first = await outcomes(7);
    expect(await outcomes(7)).toEqual(first);
    expect(first).toContain('failed');
    expect(first).toContain('completed');
    expect(await outcomes(8)).not.toEqual(first);
  });
});

describe('fault knobs', () => {
  async function statuses(emulator: CadenceEmulator, count: number): Promise<{ status: number; retryAfter: string | null }[]> {
    const seen: { status: number; retryAfter: string | null }[] = [];
    for (let i = 0; i < count; i++) {
      const answer = await call(emulator, 'GET', `/v2/users/${DEPT}`);
      if (answer.status !== 200) expectError(answer, answer.status);
      seen.push({ status: answer.status, retryAfter: answer.headers.get('retry-after') });
    }
    return seen;
  }

  it('answers the configured shares of 429 (with Retry-After) and 5xx, the same way for the same seed', async () => {
    const knobs = { failure429Share: 0.3, failure5xxShare: 0.3, retryAfterSeconds: 0, seed: 42 };
    const first = await statuses(await start(knobs), 60);
    const second = await statuses(await start(knobs), 60);
    expect(second).toEqual(first);
    const codes = new Set(first.map((answer) => answer.status));
    expect(codes).toContain(200);
    expect(codes).toContain(429);
    expect([...codes].filter((status) => status >= 500).length).toBeGreaterThan(0);
    for (const answer of first) {
      expect([200, 429, 500, 502, 503]).toContain(answer.status);
      expect(answer.retryAfter).toBe(answer.status === 429 ? '0' : null);
    }
    expect(await statuses(await start({ ...knobs, seed: 43 }), 60)).not.toEqual(first);
  });

  it('changes its faults at runtime through the knobs', async () => {
    const emulator = await start({ failure429Share: 1, retryAfterSeconds: 3 });
    expect(await statuses(emulator, 2)).toEqual([
      { status: 429, retryAfter: '3' },
      { status: 429, retryAfter: '3' },
    ]);
    emulator.knobs.failure429Share = 0;
    expect(await statuses(emulator, 1)).toEqual([{ status: 200, retryAfter: null }]);
  });

  it('answers 429 with Retry-After above the rate limit', async () => {
    const emulator = await start({ rateLimitPerSecond: 2 });
    const answers = await Promise.all(Array.from({ length: 12 }, () => call(emulator, 'GET', `/v2/fields/${DEPT}`)));
    const limited = answers.filter((answer) => answer.status === 429);
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(2);
    expect(limited.length).toBeGreaterThan(0);
    for (const answer of limited) {
      expectError(answer, 429, 'RATE_LIMITED');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  });

  it('adds latency without changing the answer', async () => {
    const emulator = await start({ latencyMs: 30 });
    expect((await call(emulator, 'GET', `/v2/users/${DEPT}`)).status).toBe(200);
  });
});

describe('optouts feed', () => {
  async function page(emulator: CadenceEmulator, query: string): Promise<Answer> {
    return call(emulator, 'GET', `/v2/contacts/${DEPT}/optouts${query}`);
  }

  it('is empty at first', async () => {
    const emulator = await start();
    expect((await page(emulator, '')).body).toEqual({ changes: [], nextCursor: null });
  });

  it('records opt-out changes made by imports, and only changes', async () => {
    const emulator = await start();
    await importAndWait(emulator, [contact('1', { optedOut: true }), contact('2', { optedOut: false }), { ...contact('3'), optedOut: undefined }]);
    await importAndWait(emulator, [{ ...contact('1'), optedOut: undefined }, contact('2', { optedOut: false })]);
    await importAndWait(emulator, [contact('1', { optedOut: false, mobileNumber: '7705550199' })]);
    const feed = (await page(emulator, '')).body;
    expect(feed.changes).toEqual([
      { uniqueCampusId: '1', mobileNumber: '4045550134', optedOut: true, changedAt: expect.any(String), source: 'import' },
      { uniqueCampusId: '1', mobileNumber: '7705550199', optedOut: false, changedAt: expect.any(String), source: 'import' },
    ]);
    expect(feed.nextCursor).toBeNull();
  });

  it('records keyword STOP/START and staff changes, which later imports without optedOut keep', async () => {
    const emulator = await start();
    await importAndWait(emulator, [contact('1'), contact('2')]);
    const stop = emulator.recordKeyword('1', 'STOP', new Date('2026-11-24T18:03:11Z'));
    expect(stop).toEqual({ uniqueCampusId: '1', mobileNumber: '4045550134', optedOut: true, changedAt: '2026-11-24T18:03:11.000Z', source: 'keyword' });
    expect(emulator.getContact('1')?.optedOut).toBe(true);
    const batch = await importAndWait(emulator, [{ ...contact('1'), optedOut: undefined }]);
    expect(batch.results).toEqual([{ uniqueCampusId: '1', outcome: 'unchanged' }]);
    expect(emulator.getContact('1')?.optedOut).toBe(true);
    emulator.recordKeyword('1', 'START', new Date('2026-11-24T19:00:00Z'));
    emulator.recordStaffChange('2', true, new Date('2026-11-24T18:30:00Z'));
    expect(emulator.getContact('1')?.optedOut).toBe(false);
    expect(emulator.getContact('2')?.optedOut).toBe(true);
    const feed = (await page(emulator, '')).body;
    expect(feed.changes.map((change: OptOutChange) => [change.uniqueCampusId, change.optedOut, change.source])).toEqual([
      ['1', true, 'keyword'],
      ['2', true, 'staff'],
      ['1', false, 'keyword'],
    ]);
    expect(() => emulator.recordKeyword('999', 'STOP')).toThrow(/999/);
    expect(() => emulator.recordStaffChange('999', true)).toThrow(/999/);
  });

  it('pages 500 at a time with cursors, oldest first, and since is inclusive', async () => {
    const emulator = await start();
    emulator.putContact({ uniqueCampusId: '1', firstName: 'Ana', lastName: 'Lopez', mobileNumber: '4045550134' });
    const base = Date.parse('2026-11-24T00:00:00Z');
    // Recorded newest first, two entries per second, so order comes from changedAt and then recording.
    for (let i = 1199; i >= 0; i--) emulator.recordKeyword('1', i % 2 === 0 ? 'STOP' : 'START', new Date(base + Math.floor(i / 2) * 1000));
    const all = emulator.optOutChanges();
    expect(all.map((change) => change.changedAt)).toEqual([...all.map((change) => change.changedAt)].sort());

    const read: OptOutChange[] = [];
    const pageSizes: number[] = [];
    let query = '?since=2026-11-24T00:00:00Z';
    for (;;) {
      const answer = await page(emulator, query);
      expect(answer.status).toBe(200);
      read.push(...answer.body.changes);
      pageSizes.push(answer.body.changes.length);
      if (answer.body.nextCursor === null) break;
      expect(typeof answer.body.nextCursor).toBe('string');
      query = `?since=2026-11-24T00:00:00Z&cursor=${encodeURIComponent(answer.body.nextCursor)}`;
    }
    expect(pageSizes).toEqual([500, 500, 200]);
    expect(read).toEqual(all);

    const since = (await page(emulator, '?since=2026-11-24T00:05:00Z')).body.changes;
    expect(since[0].changedAt).toBe('2026-11-24T00:05:00.000Z');
    expect(since).toEqual(all.filter((change) => change.changedAt >= '2026-11-24T00:05:00.000Z').slice(0, 500));
    expect((await page(emulator, '?since=2026-11-24T00:05:00.001Z')).body.changes[0].changedAt).toBe('2026-11-24T00:05:01.000Z');
    expect((await page(emulator, '?since=2030-01-01T00:00:00Z')).body).toEqual({ changes: [], nextCursor: null });
  });

  it('gives no cursor when the last page is exactly full', async () => {
    const emulator = await start();
    emulator.putContact({ uniqueCampusId: '1', firstName: 'Ana', lastName: 'Lopez', mobileNumber: '4045550134' });
    for (let i = 0; i < 500; i++) emulator.recordStaffChange('1', i % 2 === 0);
    const answer = await page(emulator, '');
    expect(answer.body.changes).toHaveLength(500);
    expect(answer.body.nextCursor).toBeNull();
  });

  it.each([['?since=yesterday'], ['?since=2026-11-24'], ['?since='], ['?since=2026-13-01T00:00:00Z'], ['?cursor=not-a-cursor']])(
    'answers 400 for %s',
    async (query) => {
      const emulator = await start();
      expectError(await page(emulator, query), 400);
    },
  );
});

describe('closing', () => {
  it('stops answering once closed', async () => {
    const emulator = await startCadenceEmulator({ deptCode: DEPT, apiKey: KEY, apiSecret: SECRET, users: USERS, fields: FIELDS });
    expect((await call(emulator, 'GET', `/v2/users/${DEPT}`)).status).toBe(200);
    await emulator.close();
    await expect(call(emulator, 'GET', `/v2/users/${DEPT}`)).rejects.toThrow();
  });
});
