/**
 * The state's contract, part two: the opt-out journal, report rows and still-failing rows,
 * and a read-only State, against both backends.
 */
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunIssue } from '../../src/core/ports.js';
import type { State } from '../../src/core/state.js';
import { StateFileError } from '../../src/errors.js';
import { BACKENDS, deadPid, manualClock, type OpenOptions } from './backends.js';

const T = (second: number) => `2026-11-24T10:00:${String(second).padStart(2, '0')}.000Z`;

function issue(contactId: string, code: string, filterIds: number[], extra: Partial<RunIssue> = {}): RunIssue {
  return { contactId, firstName: 'F', lastName: 'L', mobileNumber: '=1+2', filterIds, severity: 'error', code, message: `${code} of ${contactId}`, ...extra };
}

async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

describe.each(BACKENDS)('state contract, journal and report: $name', (backend) => {
  let open: (options?: OpenOptions) => State;
  let cleanup: () => Promise<void>;
  const opened: State[] = [];
  function state(options?: OpenOptions): State {
    const made = open(options);
    opened.push(made);
    return made;
  }
  beforeEach(async () => {
    ({ open, cleanup } = await backend.create());
  });
  afterEach(async () => {
    for (const made of opened.splice(0)) await made.close();
    await cleanup();
  });

  it('judges each change: pending, duplicate, repeat, history, echo; consent from the latest decisive entry', async () => {
    const journal = state().journal;
    expect(await journal.holdsAny()).toBe(false);
    const verdicts = await journal.journal([
      { contactId: '1', optedOut: true, changedAt: T(5), source: 'keyword' },
      { contactId: '1', optedOut: true, changedAt: T(5), source: 'webhook' },
      { contactId: '1', optedOut: true, changedAt: T(6), source: 'csv' },
      { contactId: '1', optedOut: false, changedAt: T(1), source: 'staff' },
      { contactId: '2', optedOut: true, changedAt: T(2), source: 'staff', connectHolds: true },
      { contactId: '3', optedOut: true, changedAt: T(3), source: 'import' },
    ]);
    expect(verdicts).toEqual(['pending', 'duplicate', 'repeat', 'history', 'echo', 'pending']);
    expect(await journal.holdsAny()).toBe(true);
    expect(await journal.getConsent(['1', '2', '3', '4'])).toEqual(
      new Map([
        ['1', { optedOut: true, changedAt: T(5), source: 'keyword' }],
        ['2', { optedOut: true, changedAt: T(2), source: 'staff' }],
      ]),
    );
    // A newer change supersedes the contact's pending entry.
    expect(await journal.journal([{ contactId: '1', optedOut: false, changedAt: T(9), source: 'staff' }])).toEqual(['pending']);
    expect((await journal.listPending()).map((entry) => [entry.contactId, entry.changedAt])).toEqual([
      ['3', T(3)],
      ['1', T(9)],
    ]);
    expect(await journal.counts()).toEqual({ pending: 2, failed: 0 });
  });

  it('claims pending entries under a lease, one claim per contact, and ends claims by owner only', async () => {
    const clock = manualClock();
    const journal = state({ now: clock.now }).journal;
    await journal.journal([
      { contactId: 'a', optedOut: true, changedAt: T(1), source: 'webhook' },
      { contactId: 'b', optedOut: true, changedAt: T(2), source: 'webhook' },
      { contactId: 'c', optedOut: true, changedAt: T(3), source: 'webhook' },
    ]);
    const host = hostname();
    const one = `${host}|${process.pid}|one`;
    const two = `${host}|${process.pid}|two`;
    const claimed = await journal.claim(one, { limit: 2, leaseMs: 60_000, dueOnly: true });
    expect(claimed.map((entry) => entry.contactId)).toEqual(['a', 'b']);
    expect((await journal.claim(two, { limit: 5, leaseMs: 60_000, dueOnly: true })).map((entry) => entry.contactId)).toEqual(['c']);
    const [a, b] = claimed;
    await journal.finish(a!.id, two, { state: 'done' });
    await journal.finish(a!.id, one, { state: 'failed', error: 'Connect refused' });
    await journal.finish(b!.id, one, { state: 'pending', error: 'HTTP 503', retryAt: '2026-11-24T12:00:30.000Z' });
    expect(await journal.counts()).toEqual({ pending: 2, failed: 1 });
    // b waits out its backoff unless dueOnly is off; c's lease still holds.
    expect(await journal.claim(two, { limit: 5, leaseMs: 60_000, dueOnly: true })).toEqual([]);
    expect((await journal.claim(two, { limit: 5, leaseMs: 60_000, dueOnly: false })).map((entry) => [entry.contactId, entry.attempts, entry.error])).toEqual([['b', 1, 'HTTP 503']]);
    clock.advance(60_001);
    expect((await journal.claim(one, { limit: 5, leaseMs: 1000, dueOnly: false })).map((entry) => entry.contactId)).toEqual(['b', 'c']);
    const failures = await journal.takeUnreportedFailures();
    expect(failures.map((entry) => [entry.contactId, entry.state, entry.error])).toEqual([['a', 'failed', 'Connect refused']]);
    expect(await journal.takeUnreportedFailures()).toEqual([]);
  });

  it("lets a dead writer's claims on this host lapse at once", async () => {
    const journal = state().journal;
    await journal.journal([{ contactId: 'a', optedOut: true, changedAt: T(1), source: 'webhook' }]);
    const dead = `${hostname()}|${deadPid()}|x`;
    expect(await journal.claim(dead, { limit: 5, leaseMs: 600_000, dueOnly: true })).toHaveLength(1);
    const again = await journal.claim(`${hostname()}|${process.pid}|y`, { limit: 5, leaseMs: 600_000, dueOnly: true });
    expect(again.map((entry) => entry.contactId)).toEqual(['a']);
  });

  it('keeps the feed position', async () => {
    const journal = state().journal;
    expect(await journal.getPosition()).toEqual({ seen: [] });
    await journal.setPosition({ since: T(1), cursor: 'c2', seen: ['e1'] });
    expect(await journal.getPosition()).toEqual({ since: T(1), cursor: 'c2', seen: ['e1'] });
    await journal.setPosition({ since: T(2), seen: [] });
    expect(await journal.getPosition()).toEqual({ since: T(2), seen: [] });
  });

  it('merges report rows of a contact and code, keeps their order, and pages through many', async () => {
    const s = state();
    const run = await s.runs.start('import');
    await s.report.add(run.id, [issue('9', 'INVALID_MOBILE', [3, 1]), issue('2', 'NAME_MISSING', [1], { severity: 'warning' })]);
    await s.report.add(run.id, [issue('9', 'INVALID_MOBILE', [2, 3], { message: 'later text' })]);
    const many = Array.from({ length: 2100 }, (_, index) => issue(`m${index}`, 'REJECTED', [1]));
    await s.report.add(run.id, many);
    const rows = await all(s.report.rows(run.id));
    expect(rows).toHaveLength(2102);
    expect(rows[0]).toEqual(issue('9', 'INVALID_MOBILE', [1, 2, 3]));
    expect(rows[1]?.severity).toBe('warning');
    expect(rows.at(-1)?.contactId).toBe('m2099');
  });

  it('keeps still-failing rows from data errors, counts and applies changes, and lists earlier runs', async () => {
    const s = state();
    const first = await s.runs.start('import');
    await s.report.add(first.id, [issue('10', 'INVALID_MOBILE', [1]), issue('9', 'INVALID_MOBILE', [2]), issue('8', 'CADENCE_UNAVAILABLE', [1]), issue('7', 'NAME_MISSING', [1], { severity: 'warning' })]);
    const second = await s.runs.start('import');
    await s.report.add(second.id, [issue('9', 'INVALID_MOBILE', [1]), issue('9', 'INVALID_MOBILE', [3])]);
    expect((await s.report.listStillFailing()).sort((x, y) => x.contactId.localeCompare(y.contactId))).toEqual([
      { contactId: '10', code: 'INVALID_MOBILE', runId: first.id, filterIds: [1] },
      { contactId: '9', code: 'INVALID_MOBILE', runId: second.id, filterIds: [1, 3] },
    ]);
    expect(await s.report.countStillFailing()).toBe(2);
    expect(await s.report.countStillFailing(second.id)).toBe(1);
    await s.report.add(second.id, [issue('100', 'INVALID_MOBILE', [1])]);
    const third = await s.runs.start('import');
    expect((await all(s.report.stillFailingRows(third.id))).map((row) => row.contactId)).toEqual(['9', '10', '100']);
    await s.report.applyStillFailing(third.id, { removeContacts: ['10'], removeEarlierOf: [], setFilters: [{ contactId: '9', filterIds: [3] }] });
    expect((await s.report.listStillFailing()).map((row) => [row.contactId, row.filterIds]).sort()).toEqual([
      ['100', [1]],
      ['9', [3]],
    ]);
  });

  it('read-only: reads an empty store, and every write rejects', async () => {
    const reader = state({ readonly: true });
    expect(reader.readonly).toBe(true);
    expect(await reader.runs.recent(5)).toEqual([]);
    expect(await reader.sync.listWatermarks()).toEqual([]);
    expect(await reader.journal.counts()).toEqual({ pending: 0, failed: 0 });
    expect(await reader.report.countStillFailing()).toBe(0);
    expect(await reader.lock.holder()).toBeUndefined();
    await expect(reader.runs.start('import')).rejects.toBeInstanceOf(StateFileError);
    await expect(reader.lock.acquire({ pid: process.pid, host: hostname() })).rejects.toBeInstanceOf(StateFileError);
    await expect(reader.sync.recordConfirmed([])).rejects.toBeInstanceOf(StateFileError);
    await expect(reader.journal.journal([])).rejects.toBeInstanceOf(StateFileError);
    await expect(reader.report.add('r', [])).rejects.toBeInstanceOf(StateFileError);
  });
});
