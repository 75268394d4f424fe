/**
 * The opt-out journal in a real SQLite file: the ordering rules as the store applies them
 * (a sequence of changes per row, and what getConsent then answers), claims shared by two
 * writers on one file, a dead writer's claims, and the consent table migrated into it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JournalChange } from '../../core/optout-journal.js';
import { MIGRATIONS } from './migrations.js';
import { openStateStore, type SqliteStateStore } from './store.js';

let dir: string;
let file: string;
let clock: Date;
const stores: SqliteStateStore[] = [];
const open = (alive: (pid: number) => boolean = () => true) => {
  const store = openStateStore(file, { now: () => clock, writeBehind: false, isProcessAlive: (pid) => alive(pid) });
  stores.push(store);
  return store;
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'state-journal-'));
  file = path.join(dir, 'state.sqlite');
  clock = new Date('2026-11-25T10:00:00.000Z');
});
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const at = (minute: number) => `2026-11-24T18:${String(minute).padStart(2, '0')}:00.000Z`;
const c = (optedOut: boolean, minute: number, source: JournalChange['source'] = 'webhook'): JournalChange => ({ contactId: '7', optedOut, changedAt: at(minute), source });

describe('ordering by when, through the store', () => {
  it.each<[string, JournalChange[], string[], { optedOut: boolean; minute: number }]>([
    ['a STOP, then an older CSV opt-in: history', [c(true, 10), c(false, 5, 'csv')], ['pending', 'history'], { optedOut: true, minute: 10 }],
    ['the same change twice: one entry', [c(true, 10, 'csv'), c(true, 10, 'csv')], ['pending', 'duplicate'], { optedOut: true, minute: 10 }],
    ['a redelivery later: a repeat', [c(true, 10), c(true, 12)], ['pending', 'repeat'], { optedOut: true, minute: 10 }],
    ['STOP, START, STOP: each one decides', [c(true, 10), c(false, 11), c(true, 12)], ['pending', 'pending', 'pending'], { optedOut: true, minute: 12 }],
    ['an import cannot lift a STOP', [c(true, 10), c(false, 11, 'import')], ['pending', 'history'], { optedOut: true, minute: 10 }],
    ['arrival order does not matter', [c(false, 11, 'csv'), c(true, 10, 'csv')], ['pending', 'history'], { optedOut: false, minute: 11 }],
  ])('%s', (_what, changes, verdicts, latest) => {
    const store = open();
    expect(changes.map((change) => store.journalOptOuts([change])[0])).toEqual(verdicts);
    expect(store.getConsent(['7']).get('7')).toMatchObject({ optedOut: latest.optedOut, changedAt: at(latest.minute) });
  });

  it('takes no consent from an import\'s echo, and records a STOP that follows one', () => {
    const store = open();
    // connect-sync sent optedOut: true (Connect said so); Cadence's feed echoes it.
    expect(store.journalOptOuts([c(true, 10, 'import')])).toEqual(['pending']);
    expect(store.getConsent(['7']).has('7')).toBe(false);
    // Then the student texts STOP: consent Cadence reported, kept even if Connect opts in later.
    expect(store.journalOptOuts([c(true, 12, 'keyword')])).toEqual(['pending']);
    expect(store.getConsent(['7']).get('7')).toMatchObject({ optedOut: true, changedAt: at(12), source: 'keyword' });
    // A later import echo of the same value hides nothing.
    expect(store.journalOptOuts([c(true, 13, 'import')])).toEqual(['repeat']);
    expect(store.getConsent(['7']).get('7')).toMatchObject({ source: 'keyword' });
  });

  it('writes only the latest entry: a newer change supersedes one still pending', () => {
    const store = open();
    store.journalOptOuts([c(true, 10), c(false, 11)]);
    expect(store.listPendingOptOuts().map((entry) => [entry.optedOut, entry.changedAt])).toEqual([[false, at(11)]]);
    expect(store.countOptOuts()).toEqual({ pending: 1, failed: 0 });
  });
});

describe('claims', () => {
  it('gives each entry to one writer at a time, and takes it back when the claim lapses', () => {
    const serve = open();
    const run = open();
    serve.journalOptOuts([{ ...c(true, 10), contactId: '1' }, { ...c(true, 10), contactId: '2' }]);
    const first = serve.claimOptOuts('h|1|a', { limit: 1, leaseMs: 60_000, dueOnly: true });
    const second = run.claimOptOuts('h|2|b', { limit: 10, leaseMs: 60_000, dueOnly: false });
    expect(first.map((entry) => entry.contactId)).toEqual(['1']);
    expect(second.map((entry) => entry.contactId)).toEqual(['2']);
    expect(run.claimOptOuts('h|2|b', { limit: 10, leaseMs: 60_000, dueOnly: false })).toEqual([]);
    clock = new Date(clock.getTime() + 60_001);
    expect(run.claimOptOuts('h|2|b', { limit: 10, leaseMs: 60_000, dueOnly: false }).map((entry) => entry.contactId)).toEqual(['1', '2']);
  });

  it('lapses the claims of a writer that died (same host) at once', () => {
    const host = os.hostname();
    open().journalOptOuts([c(true, 10)]);
    expect(open().claimOptOuts(`${host}|111|a`, { limit: 5, leaseMs: 600_000, dueOnly: false })).toHaveLength(1);
    expect(open((pid) => pid !== 111).claimOptOuts(`${host}|222|b`, { limit: 5, leaseMs: 600_000, dueOnly: false })).toHaveLength(1);
  });

  it('ends an entry done, failed (reported once), or pending after a backoff that serve waits out and a run does not', () => {
    const store = open();
    store.journalOptOuts([{ ...c(true, 10), contactId: '1' }, { ...c(true, 10), contactId: '2' }, { ...c(true, 10), contactId: '3' }]);
    const [one, two, three] = store.claimOptOuts('w|1|x', { limit: 5, leaseMs: 60_000, dueOnly: true });
    store.finishOptOut(one!.id, 'w|1|x', { state: 'done' });
    store.finishOptOut(two!.id, 'w|1|x', { state: 'failed', error: 'Unknown contact 2' });
    store.finishOptOut(three!.id, 'w|1|x', { state: 'pending', error: 'HTTP 503', retryAt: '2026-11-25T10:05:00.000Z' });
    // A claim that is no longer the writer's changes nothing.
    store.finishOptOut(one!.id, 'someone|2|y', { state: 'failed', error: 'late' });
    expect(store.countOptOuts()).toEqual({ pending: 1, failed: 1 });
    expect(store.claimOptOuts('w|1|x', { limit: 5, leaseMs: 60_000, dueOnly: true })).toEqual([]);
    expect(store.claimOptOuts('w|1|x', { limit: 5, leaseMs: 60_000, dueOnly: false })).toEqual([expect.objectContaining({ contactId: '3', attempts: 1, error: 'HTTP 503' })]);
    expect(store.takeUnreportedOptOutFailures()).toEqual([expect.objectContaining({ contactId: '2', state: 'failed', error: 'Unknown contact 2' })]);
    expect(store.takeUnreportedOptOutFailures()).toEqual([]);
  });
});

describe('migration from the consent table', () => {
  it('moves each contact\'s consent into the journal as its latest, already written entry', () => {
    const db = new Database(file);
    db.exec(MIGRATIONS[0]!.sql);
    db.pragma('user_version = 1');
    db.prepare('INSERT INTO consent VALUES (?, ?, ?, ?)').run('5', 1, '2026-11-24T18:03:11Z', 'keyword');
    db.prepare('INSERT INTO consent VALUES (?, ?, ?, ?)').run('6', 0, '2026-11-24 18:00:00', 'staff');
    db.close();
    const store = open();
    expect(store.getConsent(['5', '6'])).toEqual(
      new Map([
        ['5', { optedOut: true, changedAt: '2026-11-24T18:03:11.000Z', source: 'keyword' }],
        ['6', { optedOut: false, changedAt: '2026-11-24T18:00:00.000Z', source: 'staff' }],
      ]),
    );
    expect(store.countOptOuts()).toEqual({ pending: 0, failed: 0 });
    // An older change arriving now is history, as it would have been before.
    expect(store.journalOptOuts([{ contactId: '5', optedOut: false, changedAt: '2026-11-24T18:00:00.000Z', source: 'csv' }])).toEqual(['history']);
  });
});
