/**
 * followCadence (run by the write-back): the confirmed payloads take what Cadence's
 * optouts feed says a contact holds now, except where the newest change is an import's
 * echo (connect-sync's own), which is skipped without a lookup. A real SQLite store; the
 * feed and Connect are in-memory stand-ins of the two ports.
 */
import { describe, expect, it } from 'vitest';
import { openStateStore } from '../adapters/sqlite/store.js';
import type { Config } from '../config/schema.js';
import { silentLogger } from '../log.js';
import type { CadenceContact, OptOutChange } from './types.js';
import { runWriteBack } from './write-back.js';

const CONFIG = {
  optOut: { field: 'sms_opt_out', optedInValue: 'No', optedOutValue: 'Yes' },
  criteria: { sourceCode: 'SMS' },
} as unknown as Config;

function payload(id: string, optedOut: boolean): CadenceContact {
  return { uniqueCampusId: id, firstName: 'Ann', lastName: 'Lee', mobileNumber: '5551234567', optedOut, allowMobileUpdate: true, customFields: {} };
}

function change(id: string, source: OptOutChange['source'], optedOut: boolean, second: number): OptOutChange {
  return { uniqueCampusId: id, mobileNumber: '5551234567', optedOut, changedAt: `2026-11-25T10:00:${String(second).padStart(2, '0')}.000Z`, source };
}

describe('write-back: following Cadence into the confirmed payloads', () => {
  it('follows a STOP or a staff change, and skips an import echo without looking it up', async () => {
    const store = openStateStore(':memory:');
    store.recordConfirmed(['1', '2', '3', '4'].map((id) => ({ contactId: id, payload: payload(id, false) })));
    const asked: string[] = [];
    const getConfirmedOptedOut = store.getConfirmedOptedOut.bind(store);
    store.getConfirmedOptedOut = (ids) => {
      asked.push(...ids);
      return getConfirmedOptedOut(ids);
    };
    const written: string[] = [];
    const changes = [
      change('1', 'keyword', true, 1),
      change('2', 'import', true, 2),
      // A STOP, then the echo of an import that came after it: the echo is the newest.
      change('3', 'keyword', true, 3),
      change('3', 'import', false, 4),
      // The other way round: the STOP is the newest.
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
      store,
      logger: silentLogger(),
      runId: 'run-1',
    });
    expect(counts).toEqual({ written: 3, failed: 0, skipped: 3 });
    expect(written).toEqual(['1', '3', '4']);
    expect(asked.sort()).toEqual(['1', '4']);
    expect(store.getConfirmedOptedOut(['1', '2', '3', '4'])).toEqual(
      new Map([
        ['1', true],
        ['2', false],
        ['3', false],
        ['4', true],
      ]),
    );
    store.close();
  });
});
