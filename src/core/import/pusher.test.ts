import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

  function pusher(batchSize = 2): BatchPusher {
    const tally = new RunTally([1]);
    return new BatchPusher({
      cadence: cadence as unknown as CadenceSink,
      store,
      tally,
      runId: store.startRun('import').id,
      batchSize,
      concurrency: 2,
      logger: silentLogger(),
    });
  }

  it('records each batch as Cadence confirms it, before later batches are answered (product.md §4)', async () => {
    const sending = pusher(2);
    let release!: () => void;
    cadence.hold = (contacts) => (contacts[0]?.uniqueCampusId === '3' ? new Promise<void>((resolve) => (release = resolve)) : undefined);
    for (const id of ['1', '2', '3', '4']) await sending.add({ payload: contact(id), report });
    // The first batch is answered, the second is held: a kill now must find the first on record.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([...store.getConfirmed(['1', '2', '3', '4']).keys()].sort()).toEqual(['1', '2']);
    release();
    await sending.drain();
    expect(store.getConfirmed(['1', '2', '3', '4']).size).toBe(4);
  });

  it('forgets the confirmed payload of a contact while a newer version of it is on its way', async () => {
    const sending = pusher(1);
    await sending.add({ payload: contact('7', 'Ada'), report });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(store.getConfirmed(['7']).get('7')).toEqual(contact('7', 'Ada'));

    let release!: () => void;
    cadence.hold = () => new Promise<void>((resolve) => (release = resolve));
    await sending.add({ payload: contact('7', 'Augusta'), report, replacesConfirmed: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Cadence may hold either version now (A → B → A would otherwise be skipped for ever).
    expect(store.getConfirmed(['7']).has('7')).toBe(false);
    release();
    await sending.drain();
    expect(store.getConfirmed(['7']).get('7')).toEqual(contact('7', 'Augusta'));
  });

  it('records the payload, not what went on the wire, when the two differ', async () => {
    const sending = pusher(2);
    const whole = { ...contact('8'), optedOut: true };
    const { optedOut: _kept, ...wire } = whole;
    await sending.add({ payload: whole, report, wire, replacesConfirmed: true });
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
    cadence.hold = () => Promise.reject(new Error('credentials refused'));
    await sending.add({ payload: contact('2'), report });
    await sending.settle();
    expect([...store.getConfirmed(['1', '2']).keys()]).toEqual(['1']);
    await expect(sending.drain()).rejects.toThrow('credentials refused');
  });
});
