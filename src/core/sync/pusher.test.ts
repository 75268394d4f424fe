import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteState } from '../../adapters/sqlite/state.js';
import { openStateStore, type SqliteStateStore } from '../../adapters/sqlite/store.js';
import { silentLogger } from '../../log.js';
import type { CadenceSink } from '../ports.js';
import type { CadenceContact, ContactResult } from '../types.js';
import { BatchPusher } from './pusher.js';
import { RunTally } from './tally.js';

/** A Cadence that confirms every contact, and holds the answer to a batch while `hold` says so. */
class ScriptedCadence implements Pick<CadenceSink, 'importBatch'> {
  readonly batches: CadenceContact[][] = [];
  hold?: (contacts: readonly CadenceContact[]) => Promise<void> | undefined;

  async importBatch(contacts: readonly CadenceContact[]): Promise<ContactResult[]> {
    this.batches.push([...contacts]);
    await this.hold?.(contacts);
    return contacts.map((contact) => ({ uniqueCampusId: contact.uniqueCampusId, outcome: 'created' as const }));
  }
}

function contact(id: string, firstName = 'Ada'): CadenceContact {
  return { uniqueCampusId: id, firstName, lastName: 'Lovelace', mobileNumber: '5551234567', allowMobileUpdate: true, customFields: {} };
}

const report = { firstName: 'Ada', lastName: 'Lovelace', mobileNumber: '5551234567' };

describe('BatchPusher: recording what Cadence confirmed', () => {
  let dir: string;
  let store: SqliteStateStore;
  let cadence: ScriptedCadence;

  beforeEach(() => {
    dir = mkdtempSync(join(os.tmpdir(), 'connect-sync-pusher-'));
    store = openStateStore(join(dir, 'state.db'));
    cadence = new ScriptedCadence();
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Resolves once `count` batches are settled (recorded) in all. */
  let settled: (count: number) => Promise<void>;

  function pusher(batchSize = 2): BatchPusher {
    const tally = new RunTally([1]);
    let done = 0;
    const waiters: { count: number; resolve: () => void }[] = [];
    settled = (count) => (done >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })));
    return new BatchPusher({
      cadence: cadence as unknown as CadenceSink,
      state: sqliteState(store),
      tally,
      runId: store.startRun('import').id,
      batchSize,
      concurrency: 2,
      logger: silentLogger(),
      onBatch: async () => {
        done += 1;
        for (const waiter of waiters) if (waiter.count <= done) waiter.resolve();
      },
    });
  }

  it('records each batch as Cadence confirms it, before later batches are answered (product.md §4)', async () => {
    const sending = pusher(2);
    let release!: () => void;
    cadence.hold = (contacts) => (contacts[0]?.uniqueCampusId === '3' ? new Promise<void>((resolve) => (release = resolve)) : undefined);
    for (const id of ['1', '2', '3', '4']) await sending.add({ payload: contact(id), report });
    // The first batch is answered, the second is held: a kill now must find the first on record.
    await settled(1);
    expect([...store.getConfirmed(['1', '2', '3', '4']).keys()].sort()).toEqual(['1', '2']);
    release();
    await sending.drain();
    expect(store.getConfirmed(['1', '2', '3', '4']).size).toBe(4);
  });

  it('forgets the confirmed payload of a contact while a newer version of it is on its way', async () => {
    const sending = pusher(1);
    await sending.add({ payload: contact('7', 'Ada'), report });
    await settled(1);
    expect(store.getConfirmed(['7']).get('7')).toEqual(contact('7', 'Ada'));

    let release!: () => void;
    let reached!: () => void;
    const atCadence = new Promise<void>((resolve) => (reached = resolve));
    cadence.hold = () => {
      reached();
      return new Promise<void>((resolve) => (release = resolve));
    };
    await sending.add({ payload: contact('7', 'Augusta'), report, replacesConfirmed: true });
    await atCadence;
    // Cadence may hold either version now (A → B → A would otherwise be skipped for ever).
    expect(store.getConfirmed(['7']).has('7')).toBe(false);
    release();
    await sending.drain();
    expect(store.getConfirmed(['7']).get('7')).toEqual(contact('7', 'Augusta'));
  });

  it('leaves an unchanged optedOut off the wire and records the payload (product.md §5)', async () => {
    const whole = { ...contact('8'), optedOut: true };
    store.recordConfirmed([{ contactId: '8', payload: { ...whole, firstName: 'Old' } }]);
    const sending = pusher(2);
    const { optedOut: _kept, ...wire } = whole;
    await sending.add({ payload: whole, report, replacesConfirmed: true });
    await sending.add({ payload: contact('9'), report });
    await sending.drain();
    expect(cadence.batches).toEqual([[wire, contact('9')]]);
    expect(store.getConfirmedJson(['8', '9'])).toEqual(
      new Map([
        ['8', JSON.stringify(whole)],
        ['9', JSON.stringify(contact('9'))],
      ]),
    );
  });

  it('writes the confirmations it has when the run ends badly', async () => {
    const sending = pusher(1);
    await sending.add({ payload: contact('1'), report });
    await settled(1);
    cadence.hold = () => Promise.reject(new Error('credentials refused'));
    await sending.add({ payload: contact('2'), report });
    await sending.settle();
    expect([...store.getConfirmed(['1', '2']).keys()]).toEqual(['1']);
    await expect(sending.drain()).rejects.toThrow('credentials refused');
  });
});

describe('BatchPusher: the consent gate decides when the batch is sent (product.md §5)', () => {
  let dir: string;
  let store: SqliteStateStore;
  let cadence: ScriptedCadence;
  let runId: string;
  const stop = { optedOut: true, changedAt: '2026-12-01T10:00:00.000Z', source: 'keyword' as const };

  beforeEach(() => {
    dir = mkdtempSync(join(os.tmpdir(), 'connect-sync-gate-'));
    store = openStateStore(join(dir, 'state.db'));
    cadence = new ScriptedCadence();
    runId = store.startRun('import').id;
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function pusher(batchSize: number): BatchPusher {
    const tally = new RunTally([1]);
    for (const id of ['1', '2', '3', '4', '5']) tally.sight(id, 0, 1);
    return new BatchPusher({ cadence: cadence as unknown as CadenceSink, state: sqliteState(store), tally, runId, batchSize, concurrency: 2, logger: silentLogger() });
  }

  const optedIn = (id: string, firstName = 'Ada'): CadenceContact => ({ ...contact(id, firstName), optedOut: false });
  const conflicts = () => store.listIssues(runId).filter((issue) => issue.code === 'OPT_OUT_CONFLICT').map((issue) => issue.contactId);

  // Each path hands the pusher a payload planned before the STOP arrived: a new contact
  // (create), a changed one (its confirmed payload left optedOut out), and a retry-table
  // payload sent whole. The STOP is recorded after the payload is queued, before the batch leaves.
  it.each([
    { path: 'new', confirmed: undefined, replacesConfirmed: false },
    { path: 'changed', confirmed: contact('1', 'Old'), replacesConfirmed: true },
    { path: 'retry table', confirmed: optedIn('1'), replacesConfirmed: true },
  ])('keeps a STOP recorded after planning off a $path contact', async ({ confirmed, replacesConfirmed }) => {
    if (confirmed) store.recordConfirmed([{ contactId: '1', payload: confirmed }]);
    const sending = pusher(10);
    await sending.add({ payload: optedIn('1'), report, replacesConfirmed });
    await sending.add({ payload: optedIn('2'), report });
    store.recordConsent('1', stop);
    await sending.drain();
    expect(cadence.batches).toEqual([[contact('1'), optedIn('2')]]);
    expect(conflicts()).toEqual(['1']);
    // Recorded as sent: next time, planned without optedOut while the opt-out stands, it is unchanged.
    expect(store.getConfirmed(['1']).get('1')).toEqual(contact('1'));
    expect(store.getConfirmed(['2']).get('2')).toEqual(optedIn('2'));
  });

  it('keeps a STOP recorded while an earlier version of a re-planned contact was on its way', async () => {
    const sending = pusher(1);
    let release!: () => void;
    let reached!: () => void;
    const firstAtCadence = new Promise<void>((resolve) => (reached = resolve));
    cadence.hold = (contacts) => {
      if (contacts[0]?.firstName !== 'Ada') return undefined;
      reached();
      return new Promise<void>((resolve) => (release = resolve));
    };
    await sending.add({ payload: optedIn('3', 'Ada'), report });
    // Re-planned against the version in flight: an update whose optedOut did not change.
    await sending.add({ payload: optedIn('3', 'Augusta'), report, replacesConfirmed: true });
    await firstAtCadence;
    store.recordConsent('3', stop);
    release();
    await sending.drain();
    // The first batch left before the STOP was known; the second is decided after it.
    expect(cadence.batches).toEqual([[optedIn('3', 'Ada')], [contact('3', 'Augusta')]]);
    expect(conflicts()).toEqual(['3']);
  });

  it('sends optedOut: false once Cadence reports an opt-in later than the opt-out', async () => {
    store.recordConsent('4', stop);
    store.recordConsent('4', { optedOut: false, changedAt: '2026-12-01T11:00:00.000Z', source: 'keyword' });
    const sending = pusher(10);
    await sending.add({ payload: optedIn('4'), report });
    await sending.drain();
    expect(cadence.batches).toEqual([[optedIn('4')]]);
    expect(conflicts()).toEqual([]);
  });

  it('reports a contact once however many of its sends the gate held back', async () => {
    const sending = pusher(1);
    store.recordConsent('5', stop);
    await sending.add({ payload: optedIn('5', 'Ada'), report });
    await sending.add({ payload: optedIn('5', 'Augusta'), report, replacesConfirmed: true });
    await sending.drain();
    expect(cadence.batches).toEqual([[contact('5', 'Ada')], [contact('5', 'Augusta')]]);
    expect(conflicts()).toEqual(['5']);
  });
});
