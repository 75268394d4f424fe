import { afterEach, describe, expect, it } from 'vitest';
import { CadenceConfig } from '../../config/schema.js';
import type { CadenceContact, OptOutChange } from '../../core/types.js';
import { ExternalServiceError, TransientFailure } from '../../errors.js';
import { captureLogger } from '../../../test/support/capture-logger.js';
import { json, startServer, type CannedResponse, type Handler, type RecordedRequest, type TestServer } from '../../../test/support/http-server.js';
import type { RetryPolicy } from '../http/retry.js';
import { createCadenceClient, type CadenceClient, type CadenceClientOptions } from './client.js';

const SECRET = 'sekrit-value';
const DEPT = 'ADM/1 X';
const DEPT_PATH = '/api/v2/contacts/ADM%2F1%20X';

const servers: TestServer[] = [];
const clients: CadenceClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function contact(id: string): CadenceContact {
  return { uniqueCampusId: id, firstName: 'Ana', lastName: 'Lopez', mobileNumber: '4045550134', allowMobileUpdate: true, customFields: { Program: 'Biology' } };
}

interface Setup {
  server: TestServer;
  client: CadenceClient;
  slept: number[];
}

async function setup(handler: Handler, options: CadenceClientOptions & { timeoutSeconds?: number } = {}): Promise<Setup> {
  const server = await startServer(handler);
  servers.push(server);
  const slept: number[] = [];
  const retry: Partial<RetryPolicy> = {
    maxAttempts: 4,
    sleep: async (ms) => {
      slept.push(ms);
    },
    random: () => 0.5,
    ...options.retry,
  };
  const parsed = CadenceConfig.parse({ baseUrl: `${server.origin}/api/`, deptCode: DEPT, apiKey: 'the-key', apiSecret: SECRET });
  const config = { ...parsed, timeoutSeconds: options.timeoutSeconds ?? parsed.timeoutSeconds };
  const client = createCadenceClient(config, { pollInterval: { initialMs: 100, maxMs: 400, giveUpAfterMs: 10_000 }, ...options, retry });
  clients.push(client);
  return { server, client, slept };
}

/**
 * A Cadence that imports: each POST creates a batch that reports the given statuses, one per
 * poll, then `completed` with a result per contact. `results` may rewrite a batch's results.
 */
function importer(
  script: { statuses?: (send: number) => string[]; results?: (send: number, sent: CadenceContact[]) => unknown[]; postAnswers?: CannedResponse[] } = {},
): Handler & { posts: RecordedRequest[] } {
  const batches = new Map<string, { polls: number; statuses: string[]; results: unknown[] }>();
  const posts: RecordedRequest[] = [];
  const handler = (request: RecordedRequest): CannedResponse => {
    if (request.method === 'POST' && request.url === `${DEPT_PATH}/import`) {
      const canned = script.postAnswers?.shift();
      if (canned) return canned;
      posts.push(request);
      const send = posts.length;
      const sent = (JSON.parse(request.body) as { contacts: CadenceContact[] }).contacts;
      const id = `b-${send}`;
      const results = script.results?.(send, sent) ?? sent.map((each, index) => ({ uniqueCampusId: each.uniqueCampusId, outcome: index % 2 ? 'updated' : 'created' }));
      batches.set(id, { polls: 0, statuses: script.statuses?.(send) ?? ['queued', 'processing'], results });
      // Public clients expect 200; an instance may answer 202: any 2xx with a batch id is taken.
      return json(send % 2 === 1 ? 200 : 202, { batchIdentifier: id, status: 'queued', count: sent.length });
    }
    const poll = /^\/api\/v2\/Imports\/([^/]+)$/.exec(request.url);
    if (request.method === 'GET' && poll) {
      const batch = batches.get(decodeURIComponent(poll[1]!));
      if (!batch) return json(404, { error: { code: 'NOT_FOUND', message: 'Unknown batch' } });
      const status = batch.statuses[batch.polls++] ?? 'completed';
      if (status === 'unknown') return json(404, { error: { code: 'NOT_FOUND', message: 'Unknown batch' } });
      return json(200, { batchIdentifier: poll[1], status, ...(status === 'completed' ? { results: batch.results } : {}) });
    }
    return json(599, { error: { code: 'TEST', message: `unexpected ${request.method} ${request.url}` } });
  };
  return Object.assign(handler, { posts });
}

/** Each request takes the next answer; the last repeats. */
function answers(...sequence: CannedResponse[]): Handler {
  let index = 0;
  return () => sequence[Math.min(index++, sequence.length - 1)];
}

const USERS = { users: [{ userId: 'jdoe', firstName: 'Jane', lastName: 'Doe', email: 'jdoe@example.edu', active: true }] };

describe('transport', () => {
  it('sends Basic auth and JSON below a base URL with a path prefix, encoding the team code', async () => {
    const { server, client } = await setup(answers(json(200, USERS)));
    expect(await client.getUsers()).toEqual(USERS.users);
    const [request] = server.requests;
    expect(request!.url).toBe('/api/v2/users/ADM%2F1%20X');
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from(`the-key:${SECRET}`).toString('base64')}`);
    expect(request!.headers.accept).toBe('application/json');
  });

  it('reads the fields', async () => {
    const fields = { fields: [{ name: 'Program', label: 'Program of interest', required: false }] };
    const { server, client } = await setup(answers(json(200, fields)));
    expect(await client.getFields()).toEqual(fields.fields);
    expect(server.requests[0]!.url).toBe('/api/v2/fields/ADM%2F1%20X');
  });

  it('refuses a malformed answer', async () => {
    const { client } = await setup(answers(json(200, { users: [{ userId: 'jdoe' }] })));
    await expect(client.getUsers()).rejects.toThrow(/^Cadence: malformed answer \(users\): users\.0\.firstName/);
  });

  it('retries a body that is not JSON once, then fails', async () => {
    const { server, client } = await setup(answers({ status: 200, body: '{"users": [' }));
    await expect(client.getUsers()).rejects.toThrow(/^Cadence: malformed answers/);
    expect(server.requests).toHaveLength(2);
  });
});

describe('importBatch', () => {
  it('posts the contacts, polls with a growing wait, and returns results in the order sent', async () => {
    const fake = importer({
      statuses: () => ['queued', 'processing', 'processing', 'processing'],
      results: (_send, sent) =>
        [...sent].reverse().map((each) =>
          each.uniqueCampusId === '2'
            ? { uniqueCampusId: '2', outcome: 'rejected', errorCode: 'UNKNOWN_STAFF_ID', message: "No user with User ID 'kim'" }
            : { uniqueCampusId: each.uniqueCampusId, outcome: 'unchanged' },
        ),
    });
    const { server, client, slept } = await setup(fake);
    const results = await client.importBatch([contact('1'), contact('2'), contact('3')]);
    expect(results).toEqual([
      { uniqueCampusId: '1', outcome: 'unchanged' },
      { uniqueCampusId: '2', outcome: 'rejected', errorCode: 'UNKNOWN_STAFF_ID', message: "No user with User ID 'kim'" },
      { uniqueCampusId: '3', outcome: 'unchanged' },
    ]);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ contacts: [contact('1'), contact('2'), contact('3')] });
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
    expect(server.requests.map((request) => request.method)).toEqual(['POST', 'GET', 'GET', 'GET', 'GET', 'GET']);
    expect(server.requests[1]!.url).toBe('/api/v2/Imports/b-1');
    expect(slept).toEqual([100, 200, 400, 400, 400]);
  });

  it('sends a failed batch again', async () => {
    const fake = importer({ statuses: (send) => (send === 1 ? ['processing', 'failed'] : []) });
    const { client } = await setup(fake);
    expect(await client.importBatch([contact('1')])).toEqual([{ uniqueCampusId: '1', outcome: 'created' }]);
    expect(fake.posts).toHaveLength(2);
  });

  it('sends the batch again when Cadence no longer knows it', async () => {
    const fake = importer({ statuses: (send) => (send === 1 ? ['unknown'] : []) });
    const { client } = await setup(fake);
    expect(await client.importBatch([contact('1')])).toHaveLength(1);
    expect(fake.posts).toHaveLength(2);
  });

  it('is a TransientFailure when the batch keeps failing', async () => {
    const fake = importer({ statuses: () => ['failed'] });
    const { client } = await setup(fake, { maxResends: 2 });
    const failure = await client.importBatch([contact('1')]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransientFailure);
    expect((failure as Error).message).toBe('Cadence: import of 1 contacts not applied after 3 sends: batch b-3 failed');
    expect(fake.posts).toHaveLength(3);
  });

  it('sends the batch again when a result is missing, and is a TransientFailure if it stays missing', async () => {
    const once = importer({ results: (send, sent) => sent.slice(send === 1 ? 1 : 0).map((each) => ({ uniqueCampusId: each.uniqueCampusId, outcome: 'created' })) });
    const first = await setup(once);
    expect(await first.client.importBatch([contact('1'), contact('2')])).toHaveLength(2);
    expect(once.posts).toHaveLength(2);

    const always = importer({ results: (_send, sent) => [...sent.slice(1), contact('9')].map((each) => ({ uniqueCampusId: each.uniqueCampusId, outcome: 'created' })) });
    const second = await setup(always, { maxResends: 1 });
    await expect(second.client.importBatch([contact('1'), contact('2')])).rejects.toThrow(
      'Cadence: import of 2 contacts not applied after 2 sends: batch b-2 completed but its results do not match the contacts sent (1 missing, 1 unexpected)',
    );
  });

  it('refuses results that break the contract', async () => {
    const fake = importer({ results: () => [{ uniqueCampusId: '1', outcome: 'merged' }] });
    const { client } = await setup(fake);
    const failure = await client.importBatch([contact('1')]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ExternalServiceError);
    expect((failure as Error).message).toMatch(/^Cadence: malformed answer \(import batch\): results\.0/);
  });

  it('rides out a storm of 429s honouring Retry-After', async () => {
    const storm = Array.from({ length: 5 }, () => json(429, { error: { code: 'RATE_LIMITED', message: 'Slow down' } }, { 'retry-after': '1' }));
    const fake = importer({ postAnswers: storm, statuses: () => [] });
    const { client, slept } = await setup(fake, { retry: { maxAttempts: 6 } });
    expect(await client.importBatch([contact('1')])).toHaveLength(1);
    expect(slept).toEqual([1000, 1000, 1000, 1000, 1000, 100]);
  });

  it('is a TransientFailure when 5xx outlast the retries', async () => {
    const { server, client } = await setup(answers(json(503, { error: { code: 'UNAVAILABLE', message: 'Try later' } })));
    const failure = await client.importBatch([contact('1')]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransientFailure);
    expect((failure as Error).message).toBe(`Cadence: POST ${DEPT_PATH}/import failed after 4 attempts: HTTP 503: UNAVAILABLE: Try later`);
    expect(server.requests).toHaveLength(4);
  });

  it('is a TransientFailure when Cadence does not answer in time', async () => {
    const { client } = await setup(() => undefined, { timeoutSeconds: 0.2, retry: { maxAttempts: 2 } });
    await expect(client.importBatch([contact('1')])).rejects.toBeInstanceOf(TransientFailure);
  });

  it('is a TransientFailure when the batch is still processing after the polling budget', async () => {
    const fake = importer({ statuses: () => Array.from({ length: 100 }, () => 'processing') });
    const { client } = await setup(fake, { pollInterval: { initialMs: 100, maxMs: 1000, giveUpAfterMs: 3000 } });
    await expect(client.importBatch([contact('1')])).rejects.toThrow(/^Cadence: import batch b-1 still processing after \d+ s of waiting$/);
  });

  it('refuses bad credentials at once, without the secret in the error or the logs', async () => {
    const capture = captureLogger();
    const { server, client } = await setup(answers(json(401, { error: { code: 'UNAUTHORIZED', message: `Bad key/secret ${SECRET}` } })), { logger: capture.logger });
    const failure = (await client.importBatch([contact('1')]).catch((error: unknown) => error)) as ExternalServiceError;
    expect(failure).toBeInstanceOf(ExternalServiceError);
    expect(failure.hint).toBe('check cadence.apiKey / cadence.apiSecret');
    expect(failure.message).toBe('Cadence: credentials refused (HTTP 401) (UNAUTHORIZED: Bad key/secret [redacted])');
    expect(server.requests).toHaveLength(1);
    expect(capture.text()).toContain('"status":401');
    expect(capture.text()).not.toContain(SECRET);
    expect(capture.text()).not.toContain(Buffer.from(`the-key:${SECRET}`).toString('base64'));
  });

  it('names the field Cadence does not know', async () => {
    const { client } = await setup(answers(json(400, { error: { code: 'UNKNOWN_FIELD', message: "No field named 'Programme'" } })));
    const failure = (await client.importBatch([contact('1')]).catch((error: unknown) => error)) as ExternalServiceError;
    expect(failure).toBeInstanceOf(ExternalServiceError);
    expect(failure.message).toBe("Cadence: the import names a field Cadence does not have: No field named 'Programme'");
    expect(failure.hint).toMatch(/additionalFields/);
  });

  it('calls a 413 a bug', async () => {
    const { client } = await setup(answers(json(413, { error: { code: 'TOO_MANY', message: 'At most 1000' } })));
    await expect(client.importBatch([contact('1')])).rejects.toThrow(/this is a bug/);
  });

  it('points at the team code on 404', async () => {
    const { client } = await setup(answers(json(404, { error: { code: 'NOT_FOUND', message: 'No such team' } })));
    const failure = (await client.getUsers().catch((error: unknown) => error)) as ExternalServiceError;
    expect(failure.hint).toBe('check cadence.deptCode');
  });

  it('points at the base URL when Cadence is unreachable, even for an import', async () => {
    const { server, client } = await setup(() => undefined);
    await server.close();
    const failure = (await client.importBatch([contact('1')]).catch((error: unknown) => error)) as ExternalServiceError;
    expect(failure).toBeInstanceOf(ExternalServiceError);
    expect(failure.hint).toBe('check cadence.baseUrl');
  });

  it('fails reads (not only imports) when 5xx outlast the retries', async () => {
    const { client } = await setup(answers(json(502, {})));
    await expect(client.getFields()).rejects.toBeInstanceOf(ExternalServiceError);
  });
});

describe('optOutChanges', () => {
  const change = (id: string, changedAt: string, source: OptOutChange['source'] = 'keyword'): OptOutChange => ({
    uniqueCampusId: id,
    mobileNumber: '4045550134',
    optedOut: true,
    changedAt,
    source,
  });

  it('pages with the cursor and ends with the newest changedAt as the position', async () => {
    const pages = [
      { changes: [change('1', '2026-11-24T18:03:11Z'), change('2', '2026-11-24T18:04:00Z', 'staff')], nextCursor: 'c-2' },
      { changes: [change('3', '2026-11-24T18:05:00.250Z', 'import')], nextCursor: null },
    ];
    const { server, client } = await setup(answers(json(200, pages[0]), json(200, pages[1])));
    const seen = [];
    for await (const page of client.optOutChanges({ since: '2026-11-24T18:00:00.000Z' })) seen.push(page);
    expect(seen).toEqual([
      { changes: pages[0]!.changes, position: { since: '2026-11-24T18:00:00.000Z', cursor: 'c-2' } },
      { changes: pages[1]!.changes, position: { since: '2026-11-24T18:05:00.250Z' } },
    ]);
    expect(server.requests.map((request) => request.url)).toEqual([
      `${DEPT_PATH}/optouts?since=2026-11-24T18%3A00%3A00.000Z`,
      `${DEPT_PATH}/optouts?since=2026-11-24T18%3A00%3A00.000Z&cursor=c-2`,
    ]);
  });

  it('resumes from a stored cursor and keeps `since` when nothing changed', async () => {
    const { server, client } = await setup(answers(json(200, { changes: [], nextCursor: null })));
    const seen = [];
    for await (const page of client.optOutChanges({ since: '2026-11-24T18:00:00.000Z', cursor: 'c-9' })) seen.push(page);
    expect(seen).toEqual([{ changes: [], position: { since: '2026-11-24T18:00:00.000Z' } }]);
    expect(server.requests[0]!.url).toBe(`${DEPT_PATH}/optouts?since=2026-11-24T18%3A00%3A00.000Z&cursor=c-9`);
  });

  it('refuses a feed that repeats its cursor', async () => {
    const { client } = await setup(answers(json(200, { changes: [], nextCursor: 'same' })));
    const read = async () => {
      for await (const page of client.optOutChanges({ cursor: 'same' })) void page;
    };
    await expect(read()).rejects.toThrow(/a cursor came back that was given before/);
  });
});
