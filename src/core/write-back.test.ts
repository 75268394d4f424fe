/**
 * The write-back with `optOut.feed: true`: the feed's changes go into the journal (an
 * import's opt-in never lifts an opt-out; a value Connect holds is an echo, not written),
 * the journal's latest entries are written, and the confirmed payloads follow what Connect
 * confirmed. A real SQLite state; the feed and Connect are in-memory stand-ins of the ports.
 */
import { describe, expect, it } from 'vitest';
import { sqliteState } from '../adapters/sqlite/state.js';
import { openStateStore } from '../adapters/sqlite/store.js';
import type { Config } from '../config/schema.js';
import { silentLogger } from '../log.js';
import type { CadenceContact, OptOutChange } from './types.js';
import { runWriteBack } from './write-back.js';

const CONFIG = {
  optOut: { field: 'sms_opt_out', optedInValue: 'No', optedOutValue: 'Yes', feed: true },
  criteria: { sourceCode: 'SMS' },
} as unknown as Config;

function payload(id: string, optedOut: boolean): CadenceContact {
  return { uniqueCampusId: id, firstName: 'Ann', lastName: 'Lee', mobileNumber: '5551234567', optedOut, allowMobileUpdate: true, customFields: {} };
}

function change(id: string, source: OptOutChange['source'], optedOut: boolean, second: number): OptOutChange {
  return { uniqueCampusId: id, mobileNumber: '5551234567', optedOut, changedAt: `2026-11-25T10:00:${String(second).padStart(2, '0')}.000Z`, source };
}

describe('write-back: following Cadence into the confirmed payloads', () => {
  it('writes the latest entries, not echoes or an import lifting a STOP, and follows what Connect confirmed', async () => {
    const store = openStateStore(':memory:');
    store.recordConfirmed(['1', '2', '3', '4'].map((id) => ({ contactId: id, payload: payload(id, false) })));
    const written: string[] = [];
    const changes = [
      change('1', 'keyword', true, 1),
      // An import's change is what connect-sync read in Connect: an echo, not written.
      change('2', 'import', true, 2),
      // A STOP, then an import's opt-in after it: history, the STOP stays.
      change('3', 'keyword', true, 3),
      change('3', 'import', false, 4),
      // An echo of what Connect holds, then a STOP: the STOP is written.
      change('4', 'import', false, 5),
      change('4', 'staff', true, 6),
    ];
    const counts = await runWriteBack(CONFIG, {
      connect: {
        updateContact: async (contactId) => {
          written.push(contactId);
          return { modifiedAt: '2026-11-25T10:01:00.000Z' };
        },
      },
      cadence: {
        async *optOutChanges() {
          yield { changes, position: {} };
        },
      },
      state: sqliteState(store),
      logger: silentLogger(),
      runId: 'run-1',
    });
    expect(counts).toEqual({ written: 3, failed: 0, skipped: 3 });
    expect(written).toEqual(['1', '3', '4']);
    expect(store.getConfirmedOptedOut(['1', '2', '3', '4'])).toEqual(
      new Map([
        ['1', true],
        ['2', false],
        ['3', true],
        ['4', true],
      ]),
    );
    expect(store.countOptOuts()).toEqual({ pending: 0, failed: 0 });
    store.close();
  });
});
