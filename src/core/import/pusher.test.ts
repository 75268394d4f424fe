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

  it('writes every confirmation to the state file by the time it is drained', async () => {
    const sending = pusher();
    const ids = Array.from({ length: 41 }, (_, index) => String(1000 + index));
    for (const id of ids) await sending.add({ payload: contact(id), report });
    await sending.drain();
    const confirmed = store.getConfirmed(ids);
    expect(confirmed.size).toBe(41);
    expect(confirmed.get('1040')).toEqual(contact('1040'));
    expect(sending.confirmedUnrecorded('1040')).toBeUndefined();
  });

  it('plans against a confirmation not written yet, and never writes one that a newer send put in doubt', async () => {
    const sending = pusher(1);
    await sending.add({ payload: contact('7', 'Ada'), report });
    await sending.add({ payload: contact('8'), report });
    // Both answered: contact 7's first version is confirmed, maybe not yet written.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sending.unsettled('7')).toBeUndefined();
    expect(sending.confirmedUnrecorded('7') ?? store.getConfirmed(['7']).get('7')).toEqual(contact('7', 'Ada'));

    // A newer version goes out and its answer is held: the run could be killed now.
    let release!: () => void;
    cadence.hold = (contacts) => (contacts[0]?.firstName === 'Augusta' ? new Promise<void>((resolve) => (release = resolve)) : undefined);
    await sending.add({ payload: contact('7', 'Augusta'), report, replacesConfirmed: true });
    await sending.add({ payload: contact('9'), report });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(cadence.batches.at(-2)).toEqual([contact('7', 'Augusta')]);
    // Neither version may be on record while Cadence may hold either (A → B → A).
    expect(sending.confirmedUnrecorded('7')).toBeUndefined();
    expect(store.getConfirmed(['7']).has('7')).toBe(false);

    release();
    await sending.drain();
    expect(store.getConfirmed(['7', '8', '9'])).toEqual(
      new Map([
        ['7', contact('7', 'Augusta')],
        ['8', contact('8')],
        ['9', contact('9')],
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
