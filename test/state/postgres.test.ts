/**
 * What only the PostgreSQL state has: many teams in one database, the lock as a session
 * advisory lock (raced, its session killed), migrations raced on an empty database, a
 * newer schema refused, and clear errors when the database cannot be used.
 */
import { hostname } from 'node:os';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresState, SCHEMA_VERSION, stateUrlProblem, TABLES } from '../../src/adapters/postgres/state.js';
import { emptyRunCounts } from '../../src/core/run-life.js';
import type { State } from '../../src/core/state.js';
import { exitCodeFor, LockBusyError, StateFileError } from '../../src/errors.js';
import { freshDatabase, postgresPassword, withClient } from '../support/postgres.js';
import { TEAM } from './backends.js';

const OTHER = { deptCode: 'ADM', clientName: 'other-college' };
const me = { pid: process.pid, host: hostname() };
const opened: State[] = [];

function open(url: string, team = TEAM, readonly = false): State {
  const state = openPostgresState(url, team, { readonly });
  opened.push(state);
  return state;
}

afterEach(async () => {
  for (const state of opened.splice(0)) await state.close();
});

async function tablesOf(url: string): Promise<string[]> {
  return withClient(url, async (client) =>
    (await client.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((row) => row.name),
  );
}

async function failureOf(promise: Promise<unknown>): Promise<StateFileError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(StateFileError);
  return error as StateFileError;
}

describe('PostgreSQL state', () => {
  it('keeps teams sharing a database apart, each with its own lock', async () => {
    const url = await freshDatabase();
    const [a, b] = [open(url), open(url, OTHER)];
    await a.lock.acquire(me);
    expect(await b.lock.acquire(me)).toEqual({});
    const run = await a.runs.start('import');
    await a.sync.setWatermarks([{ filterId: 1, modifiedAt: 'm', contactId: '1', fingerprint: 'f' }]);
    await a.sync.recordConfirmed([{ contactId: '1', payload: { uniqueCampusId: '1', firstName: 'A', lastName: 'B', mobileNumber: '1', allowMobileUpdate: true, customFields: {} } }]);
    await a.sync.putRetries([{ contactId: '2', payload: { uniqueCampusId: '2', firstName: 'A', lastName: 'B', mobileNumber: '1', allowMobileUpdate: true, customFields: {} }, filterIds: [1], reason: 'r' }]);
    await a.journal.journal([{ contactId: '1', optedOut: true, changedAt: '2026-11-24T10:00:00.000Z', source: 'webhook' }]);
    await a.journal.setPosition({ since: 's', seen: [] });
    await a.report.add(run.id, [{ contactId: '3', firstName: '', lastName: '', mobileNumber: '', filterIds: [1], severity: 'error', code: 'INVALID_MOBILE', message: 'm' }]);
    expect(await b.runs.recent(10)).toEqual([]);
    expect(await b.runs.get(run.id)).toBeUndefined();
    expect(await b.sync.listWatermarks()).toEqual([]);
    expect(await b.sync.holdsAnyConfirmed()).toBe(false);
    expect(await b.sync.countRetries()).toBe(0);
    expect(await b.journal.holdsAny()).toBe(false);
    expect(await b.journal.getPosition()).toEqual({ seen: [] });
    expect(await b.report.countStillFailing()).toBe(0);
    expect((await a.runs.recent(10)).map((r) => r.id)).toEqual([run.id]);
    expect(a.description).toBe(`PostgreSQL 127.0.0.1:${new URL(url).port}${new URL(url).pathname} (team ADM/acme)`);
  });

  it('races two States for the lock: one wins, the other is told who; killing the winner\'s session frees it', async () => {
    const url = await freshDatabase();
    const [first, second] = [open(url), open(url)];
    const results = await Promise.allSettled([first.lock.acquire({ pid: 1001, host: 'node-a' }), second.lock.acquire({ pid: 1002, host: 'node-b' })]);
    const won = results.findIndex((result) => result.status === 'fulfilled');
    const lost = results.find((result) => result.status === 'rejected');
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const winner = won === 0 ? { pid: 1001, host: 'node-a' } : { pid: 1002, host: 'node-b' };
    expect(lost?.reason).toBeInstanceOf(LockBusyError);
    expect((lost?.reason as LockBusyError).holder).toMatchObject(winner);
    expect(exitCodeFor(lost?.reason)).toBe(4);

    const loser = won === 0 ? second : first;
    await withClient(url, async (client) => {
      const killed = await client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(killed.rowCount).toBe(1);
      // The lock goes when the backend has gone.
      for (let wait = 0; wait < 200; wait += 1) {
        const left = await client.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted`);
        if (left.rowCount === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    });
    const taken = await loser.lock.acquire(me);
    expect(taken.takenOver).toMatchObject(winner);
    expect(await loser.lock.holder()).toMatchObject(me);
  });

  it('a holder whose lock session is lost stops writing, and releases quietly', async () => {
    const url = await freshDatabase();
    const state = open(url);
    await state.lock.acquire(me);
    const run = await state.runs.start('import');
    await withClient(url, (client) => client.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted`));
    await expect
      .poll(() => state.runs.updateCounts(run.id, emptyRunCounts()).then(() => 'written', (error: Error) => error.message))
      .toMatch(/^the connection holding the team's lock on PostgreSQL .* was lost: stopped before updateCounts, so that two imports never run at once$/);
    await state.lock.release();
    await state.lock.acquire(me);
    await state.runs.updateCounts(run.id, emptyRunCounts());
  });

  it('migrates an empty database once when two teams start at once, and lists its tables', async () => {
    const url = await freshDatabase();
    await Promise.all([open(url).runs.recent(1), open(url, OTHER).runs.recent(1), open(url, { deptCode: 'X', clientName: 'y' }).sync.countRetries()]);
    expect(await tablesOf(url)).toEqual([...TABLES].sort());
    expect(await withClient(url, async (client) => (await client.query('SELECT version FROM connect_sync_schema')).rows)).toEqual([{ version: SCHEMA_VERSION }]);
  });

  it('a database that was not there at the first call is used once it is (serve may start before it)', async () => {
    const url = new URL(await freshDatabase());
    const name = `later_${url.pathname.slice(1)}`;
    url.pathname = `/${name}`;
    const state = open(url.toString());
    await expect(state.runs.recent(1)).rejects.toThrow(`database ${name} does not exist`);
    await withClient(await freshDatabase(), (client) => client.query(`CREATE DATABASE ${name}`));
    expect(await state.runs.recent(1)).toEqual([]);
  });

  it('read-only on an empty database creates nothing', async () => {
    const url = await freshDatabase();
    const reader = open(url, TEAM, true);
    expect(await reader.runs.recent(5)).toEqual([]);
    expect(await reader.journal.getPosition()).toEqual({ seen: [] });
    await expect(reader.sync.setWatermarks([])).rejects.toThrow('the PostgreSQL state was opened read-only; setWatermarks would change it');
    expect(await tablesOf(url)).toEqual([]);
  });

  it('keeps a report row whose text holds NUL (PostgreSQL text cannot): NUL becomes U+FFFD', async () => {
    const state = open(await freshDatabase());
    const run = await state.runs.start('import');
    await state.report.add(run.id, [{ contactId: '1', firstName: 'A\u0000B', lastName: '', mobileNumber: '\u0000', filterIds: [1], severity: 'error', code: 'INVALID_MOBILE', message: 'm' }]);
    const rows = [];
    for await (const row of state.report.rows(run.id)) rows.push(row);
    expect(rows.map((row) => [row.firstName, row.mobileNumber])).toEqual([['A\uFFFDB', '\uFFFD']]);
  });

  it('refuses a database written by a newer connect-sync', async () => {
    const url = await freshDatabase();
    await open(url).runs.recent(1);
    await withClient(url, (client) => client.query('UPDATE connect_sync_schema SET version = 99'));
    const error = await failureOf(open(url).runs.recent(1));
    const where = `127.0.0.1:${new URL(url).port}${new URL(url).pathname}`;
    expect(error.message).toBe(`PostgreSQL state ${where} was written by a newer connect-sync (schema version 99; this version knows up to ${SCHEMA_VERSION}): upgrade connect-sync`);
  });
});

describe('PostgreSQL that cannot be used: exit 3, host and database named, never the password', () => {
  async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it.each([
    ['nothing listens', async () => `postgres://sync:${postgresPassword()}@127.0.0.1:${await closedPort()}/cs`, (u: URL) => `PostgreSQL at 127.0.0.1:${u.port}/cs cannot be reached (ECONNREFUSED): is it running, and are state.url's host and port right?`],
    ['a wrong password', async () => { const u = new URL(await freshDatabase()); u.password = 'wrong-Pw-SECRET'; return u.toString(); }, (u: URL) => `PostgreSQL at 127.0.0.1:${u.port}${u.pathname} refused user postgres: password authentication failed (check the password in state.url)`],
    ['a database that does not exist', async () => { const u = new URL(await freshDatabase()); u.pathname = '/no_such_db'; return u.toString(); }, (u: URL) => `PostgreSQL at 127.0.0.1:${u.port}/no_such_db: database no_such_db does not exist`],
  ])('%s', async (name, makeUrl, expected) => {
    const url = await makeUrl();
    const state = open(url);
    const error = await failureOf(state.runs.recent(1));
    expect(error.message).toBe(expected(new URL(url)));
    expect(exitCodeFor(error)).toBe(3);
    const password = decodeURIComponent(new URL(url).password);
    expect(JSON.stringify({ message: error.message, cause: String(error.cause), description: state.description })).not.toContain(password);
    // The lock reports the same, not a LockBusyError.
    expect((await failureOf(state.lock.acquire(me))).message).toBe(error.message);
    // validate-config: what the file can fix is a problem at state.url (exit 2); an outage is not.
    expect(stateUrlProblem(error)).toEqual(name === 'nothing listens' ? undefined : { path: 'state.url', message: error.message });
  });
});
