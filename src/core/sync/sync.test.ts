/**
 * The loop with each sink, over a real SQLite state in a temp folder: Connect is a list of
 * pages in memory, Cadence a scripted one that confirms what it gets (the adapters have
 * their own tests against the sandbox).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteState, type SqliteState } from '../../adapters/sqlite/state.js';
import { openStateStore } from '../../adapters/sqlite/store.js';
import { Config as ConfigSchema, type Config } from '../../config/schema.js';
import { silentLogger } from '../../log.js';
import { mappingRules } from '../mapping/map-contact.js';
import type { CadenceSink, ConnectSource, FetchOptions, RunRecord } from '../ports.js';
import { offlineNames } from '../resolve-attributes.js';
import type { CadenceContact, ConnectContact, ContactResult } from '../types.js';
import { syncFilters, type SyncResult } from './loop.js';
import { PreviewSink, type DryRunEvent } from './preview-sink.js';
import { PushSink } from './push-sink.js';
import type { RunSetup } from './setup.js';
import { RunTally } from './tally.js';

const config: Config = {
  ...ConfigSchema.parse({
    connect: { endpoint: 'http://127.0.0.1:1/ws', clientName: 'astronomer', passKey: 'secret' },
    cadence: { deptCode: 'ADMISSIONS', apiKey: 'key', apiSecret: 'secret', batchSize: 2 },
    standardFields: { firstName: 'firstname', lastName: 'lastname', mobileNumber: 'mobilephone' },
    optOut: { field: 'sms_status', optedInValue: 'Opted In', optedOutValue: 'Opted Out' },
    criteria: { filterIds: [7, 8], sourceCode: 'CADENCE' },
  }),
  state: { path: '/tmp/unused.sqlite', reportsDir: '/tmp/reports' },
  source: '/tmp/connect-sync.config.yaml',
};
const names = offlineNames(config);
const setup: RunSetup = { names, rules: mappingRules(config, names, new Set()), attributes: [], warnings: [] };
const minute = (m: number) => `2026-12-01T10:${String(m).padStart(2, '0')}:00.000Z`;

function read(id: string, m: number, firstname = 'Ada', mobilephone = '404-555-0101'): ConnectContact {
  return { contactId: id, modifiedLocal: `local ${m}`, modifiedAt: minute(m), attributes: { firstname, lastname: 'Lima', mobilephone, sms_status: 'Opted In' } };
}
const unreadable: ConnectContact = { contactId: 'x', modifiedLocal: '', modifiedAt: '', attributes: { firstname: 'Bo' }, unreadable: 'contactid is "x"' };

function payload(id: string, firstName = 'Ada'): CadenceContact {
  return { uniqueCampusId: id, firstName, lastName: 'Lima', mobileNumber: '4045550101', optedOut: false, allowMobileUpdate: true, customFields: {} };
}

/** Filter id → its pages. */
function connectOf(pages: Record<number, ConnectContact[][]>): Pick<ConnectSource, 'fetchFilterContacts'> & { since: Map<number, Date | undefined> } {
  const since = new Map<number, Date | undefined>();
  return {
    since,
    async *fetchFilterContacts(filterId: number, _attributes: readonly string[], options?: FetchOptions) {
      since.set(filterId, options?.since);
      for (const page of pages[filterId] ?? []) yield page;
    },
  };
}

/** Confirms every contact (as created), after `hold` lets the batch through. */
class ScriptedCadence implements Pick<CadenceSink, 'importBatch'> {
  readonly batches: CadenceContact[][] = [];
  hold?: (contacts: readonly CadenceContact[]) => Promise<void> | undefined;
  async importBatch(contacts: readonly CadenceContact[]): Promise<ContactResult[]> {
    this.batches.push([...contacts]);
    await this.hold?.(contacts);
    return contacts.map((contact) => ({ uniqueCampusId: contact.uniqueCampusId, outcome: 'created' as const }));
  }
}

describe('the sync loop', () => {
  let dir: string;
  let state: SqliteState;
  let cadence: ScriptedCadence;
  let run: RunRecord;

  beforeEach(() => {
    dir = mkdtempSync(join(os.tmpdir(), 'connect-sync-loop-'));
    state = sqliteState(openStateStore(join(dir, 'state.db')));
    cadence = new ScriptedCadence();
    run = state.store.startRun('import');
  });
  afterEach(async () => {
    await state.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function importWith(pages: Record<number, ConnectContact[][]>, filterIds = [7, 8]) {
    const tally = new RunTally(config.criteria.filterIds);
    const sink = new PushSink({ cadence: cadence as unknown as CadenceSink, state, logger: silentLogger() }, { runId: run.id, tally, batchSize: 2, concurrency: 2 });
    const result: SyncResult = { notes: [], readInFull: [] };
    const connect = connectOf(pages);
    await syncFilters(config, { connect, state }, sink, { setup, filterIds, full: false, runStartedAt: new Date(run.startedAt) }, result);
    return { tally, result, connect };
  }

  async function previewWith(pages: Record<number, ConnectContact[][]>) {
    const events: DryRunEvent[] = [];
    const sink = new PreviewSink(state, (event) => events.push(event), config.criteria.filterIds);
    await syncFilters(config, { connect: connectOf(pages), state }, sink, { setup, filterIds: [7, 8], full: false, runStartedAt: new Date() }, { notes: [], readInFull: [] });
    return { events, summary: sink.summary() };
  }

  const pages = { 7: [[read('1', 1), read('2', 2, 'Bo', '12')], [unreadable, read('3', 3)]], 8: [[read('3', 3), unreadable]] };

  it('counts every contact once, in each filter that returned it, and sends each once', async () => {
    const { tally, result } = await importWith(pages);
    expect(tally.counts()).toMatchObject({
      matched: 4,
      imported: 2,
      created: 2,
      errors: 2,
      notProcessed: 0,
      perFilter: { '7': { matched: 4, imported: 2, errors: 2, notProcessed: 0 }, '8': { matched: 2, imported: 1, errors: 1, notProcessed: 0 } },
    });
    expect(cadence.batches.flat().map((contact) => contact.uniqueCampusId)).toEqual(['1', '3']);
    expect(state.store.listIssues(run.id).map((row) => [row.contactId, row.code, row.filterIds.join(';')])).toEqual([
      ['2', 'INVALID_MOBILE', '7'],
      ['x', 'INVALID_RECORD', '7;8'],
    ]);
    expect(result.notes).toEqual(['filter 7 imported in full: first run for this filter', 'filter 8 imported in full: first run for this filter']);
    expect(result.readInFull).toEqual([7, 8]);
    expect((await state.sync.listWatermarks()).map((mark) => [mark.filterId, mark.contactId, mark.modifiedAt])).toEqual([
      [7, '3', minute(3)],
      [8, '3', minute(3)],
    ]);
  });

  it('prints what the run then does: the dry run is the run’s own plan', async () => {
    state.store.recordConfirmed([{ contactId: '1', payload: payload('1', 'Old') }]);
    const { events, summary } = await previewWith(pages);
    const shown = events.flatMap((event) => (event.type === 'contact' ? [`${event.item.contactId} ${event.item.action}`] : []));
    // Per page: the contacts read, then the unreadable records.
    expect(shown).toEqual(['1 update', '2 error', '3 create', 'x error']);
    expect(summary).toMatchObject({ matched: 4, create: 1, update: 1, unchanged: 0, errors: 2, perFilter: { '8': { matched: 2, create: 1, errors: 1 } } });
    expect(cadence.batches).toEqual([]);
    expect(await state.sync.listWatermarks()).toEqual([]);

    const { tally } = await importWith(pages);
    expect(tally.counts()).toMatchObject({ matched: summary.matched, errors: summary.errors, imported: summary.create + summary.update + summary.unchanged });
  });

  it('re-plans a contact read again against its send still on the way (A → B → A)', async () => {
    state.store.recordConfirmed([{ contactId: '5', payload: payload('5', 'Ada') }]);
    let release!: () => void;
    let reached!: () => void;
    const atCadence = new Promise<void>((resolve) => (reached = resolve));
    cadence.hold = (contacts) => {
      if (contacts[0]?.firstName !== 'Bea') return undefined;
      reached();
      return new Promise<void>((resolve) => (release = resolve));
    };
    // Batches of two: the filler sends B at once; A comes back on the next page.
    const sync = importWith({ 7: [[read('5', 1, 'Bea'), read('6', 1)], [read('5', 2, 'Ada')]] }, [7]);
    await atCadence;
    release();
    await sync;
    expect(cadence.batches.map((batch) => batch.map((contact) => `${contact.uniqueCampusId} ${contact.firstName}`))).toEqual([['5 Bea', '6 Ada'], ['5 Ada']]);
    expect(state.store.getConfirmed(['5']).get('5')).toEqual(payload('5', 'Ada'));
  });

  it('sends the retry table last; a waiting contact read in error leaves it', async () => {
    state.store.putRetries([
      { contactId: '1', payload: payload('1', 'Parked'), filterIds: [7], reason: '503' },
      { contactId: '2', payload: payload('2', 'Parked'), filterIds: [7], reason: '503' },
      { contactId: '9', payload: payload('9', 'Parked'), filterIds: [8], reason: '503' },
    ]);
    const { tally } = await importWith({ 7: [[read('1', 1), read('2', 2, 'Bo', '12')]] });
    expect(cadence.batches.flat().map((contact) => `${contact.uniqueCampusId} ${contact.firstName}`)).toEqual(['1 Ada', '9 Parked']);
    expect(await state.sync.listRetries()).toEqual([]);
    expect(tally.filtersOf('9')).toEqual([8]);
    expect(tally.counts()).toMatchObject({ matched: 3, imported: 2, errors: 1 });
  });

  it('moves no watermark when Cadence fails the run, and records what it confirmed', async () => {
    cadence.hold = (contacts) => (contacts[0]?.uniqueCampusId === '3' ? Promise.reject(new Error('credentials refused')) : undefined);
    await expect(importWith({ 7: [[read('1', 1), read('2', 2)], [read('3', 3), read('4', 4)]] }, [7])).rejects.toThrow('credentials refused');
    expect(await state.sync.listWatermarks()).toEqual([]);
    expect([...state.store.getConfirmed(['1', '2', '3', '4']).keys()].sort()).toEqual(['1', '2']);
  });
});
