/**
 * serve's webhook handler on a real HTTP server and a real SQLite state: a change is
 * answered 200 once the journal holds it (and the worker is nudged only for a new one);
 * a state that cannot be written answers 503, so Cadence delivers again, and /healthz says so.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteState } from '../../adapters/sqlite/state.js';
import type { State } from '../../core/state.js';
import { silentLogger } from '../../log.js';
import { webhookHandler } from './serve-http.js';
import { serveMetrics } from './serve-metrics.js';

const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuv';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serving(state: State): Promise<{ url: string; nudges: () => number }> {
  let nudges = 0;
  const handler = webhookHandler({
    token: TOKEN,
    deptCode: 'ADMISSIONS',
    state,
    metrics: serveMetrics(state),
    logger: silentLogger(),
    journalled: () => (nudges += 1),
    now: () => new Date('2026-11-25T10:00:00.000Z'),
  });
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, nudges: () => nudges };
}

function post(url: string, body: object): Promise<Response> {
  return fetch(`${url}/cadence/optouts/${TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('serve: the webhook through the state', () => {
  it('journals a change before answering 200, and nudges the worker for a new one only', async () => {
    const state = openSqliteState(':memory:');
    try {
      const { url, nudges } = await serving(state);
      const first = await post(url, { studentId: '7', departmentCode: 'ADMISSIONS', optedIn: false });
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ ok: true, verdict: 'pending' });
      expect((await state.journal.listPending()).map((entry) => [entry.contactId, entry.optedOut, entry.source, entry.changedAt])).toEqual([
        ['7', true, 'webhook', '2026-11-25T10:00:00.000Z'],
      ]);
      const again = await post(url, { studentId: 7, departmentCode: 'ADMISSIONS', optedIn: 'false' });
      expect(await again.json()).toEqual({ ok: true, verdict: 'duplicate' });
      expect(nudges()).toBe(1);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await state.close();
    }
  });

  it('answers 503 when the state cannot take the change, and /healthz 503', async () => {
    const state = openSqliteState(':memory:');
    const { url, nudges } = await serving(state);
    await state.close();
    const refused = await post(url, { studentId: '7', departmentCode: 'ADMISSIONS', optedIn: false });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: 'the state store is not answering; deliver again later' });
    expect(nudges()).toBe(0);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'state store not answering' });
  });
});
