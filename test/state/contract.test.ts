/**
 * The state's contract (core/state.ts), run against both backends: each role's rules must
 * hold the same on the SQLite file and on PostgreSQL.
 */
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyRunCounts } from '../../src/core/run-life.js';
import type { State } from '../../src/core/state.js';
import type { CadenceContact } from '../../src/core/types.js';
import { LockBusyError } from '../../src/errors.js';
import { BACKENDS, deadPid, manualClock, type OpenOptions } from './backends.js';

function payload(id: string, optedOut?: boolean): CadenceContact {
  return {
    uniqueCampusId: id,
    firstName: 'Ada',
    lastName: 'Lovelace',
    mobileNumber: '+15555550100',
    ...(optedOut !== undefined && { optedOut }),
    allowMobileUpdate: true,
    customFields: { zeta: 'z', alpha: 'a' },
  };
}

describe.each(BACKENDS)('state contract: $name', (backend) => {
  let open: (options?: OpenOptions) => State;
  let cleanup: () => Promise<void>;
  const opened: State[] = [];
  const me = { pid: process.pid, host: hostname() };

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

  describe('RunLock', () => {
    it('a second State gets LockBusyError naming the holder; after release it takes the lock', async () => {
      const first = state();
      const second = state();
      expect(await first.lock.acquire(me)).toEqual({});
      expect(await first.lock.acquire(me)).toEqual({});
      const busy = await second.lock.acquire(me).catch((error: unknown) => error);
      expect(busy).toBeInstanceOf(LockBusyError);
      expect((busy as LockBusyError).holder).toMatchObject(me);
      expect(await second.lock.holder()).toMatchObject(me);
      await first.lock.release();
      expect(await second.lock.holder()).toBeUndefined();
      expect(await second.lock.acquire(me)).toEqual({});
      await second.lock.release();
    });

    it('the lock of a holder that is gone is taken over and named', async () => {
      const gone = { pid: deadPid(), host: hostname() };
      const first = state();
      await first.lock.acquire(gone);
      const { since } = (await first.lock.holder())!;
      await first.close();
      const second = state();
      expect(await second.lock.acquire(me)).toEqual({ takenOver: { ...gone, since } });
      expect(await second.lock.holder()).toMatchObject(me);
    });
  });

  describe('RunLog', () => {
    it('records a run from start to finish, with mail and the completed imports', async () => {
      // The SQLite file tells a live holder from a reused pid by the time it took the lock: now.
      const start = new Date(Math.floor(Date.now() / 1000) * 1000);
      const at = (ms: number) => new Date(start.getTime() + ms).toISOString();
      const clock = manualClock(start.toISOString());
      const writer = state({ now: clock.now });
      await writer.lock.acquire(me);
      const run = await writer.runs.start('import', { scheduled: true });
      expect(run).toMatchObject({ kind: 'import', outcome: 'running', pid: me.pid, host: me.host, startedAt: at(0), scheduled: true });
      const reader = state();
      expect((await reader.runs.get(run.id))?.outcome).toBe('running');
      const counts = { ...emptyRunCounts(), matched: 5, imported: 4, errors: 1 };
      await writer.runs.updateCounts(run.id, counts);
      expect((await reader.runs.get(run.id))?.counts).toEqual(counts);
      clock.advance(1000);
      await writer.runs.finish(run.id, { outcome: 'contacts_failed', counts, reportPath: '/r.csv', notes: ['a note'] });
      await writer.runs.recordMail(run.id, { sent: false, error: 'smtp down' });
      await writer.lock.release();
      const done = await reader.runs.get(run.id);
      expect(done).toMatchObject({ outcome: 'contacts_failed', finishedAt: at(1000), reportPath: '/r.csv', notes: ['a note'] });
      expect(done?.mail).toEqual({ sent: false, at: at(1000), error: 'smtp down' });
      expect((await reader.runs.lastCompletedImport())?.id).toBe(run.id);
      expect((await reader.runs.scheduledCompletedSince(start))?.id).toBe(run.id);
      expect(await reader.runs.scheduledCompletedSince(new Date(start.getTime() + 1))).toBeUndefined();
      await expect(writer.runs.finish('no-such-run', { outcome: 'ok', counts })).rejects.toThrow(/no-such-run/);
    });

    it('lists runs newest first; a failed run is not a completed import', async () => {
      const clock = manualClock();
      const writer = state({ now: clock.now });
      const first = await writer.runs.start('import');
      await writer.runs.finish(first.id, { outcome: 'ok', counts: emptyRunCounts() });
      clock.advance(2000);
      const second = await writer.runs.start('optouts');
      await writer.runs.finish(second.id, { outcome: 'failed', counts: emptyRunCounts(), error: 'Connect down' });
      const recent = await writer.runs.recent(10);
      expect(recent.map((run) => [run.id, run.outcome])).toEqual([
        [second.id, 'failed'],
        [first.id, 'ok'],
      ]);
      expect(recent[0]?.error).toBe('Connect down');
      expect(await writer.runs.recent(1)).toHaveLength(1);
      expect((await writer.runs.lastCompletedImport())?.id).toBe(first.id);
    });

    it('a run left running by a holder that is gone reads interrupted', async () => {
      const gone = { pid: deadPid(), host: hostname() };
      const writer = state();
      await writer.lock.acquire(gone);
      const run = await writer.runs.start('import');
      expect((await writer.runs.get(run.id))?.outcome).toBe('running');
      await writer.close();
      const reader = state();
      expect((await reader.runs.get(run.id))?.outcome).toBe('interrupted');
      expect((await reader.runs.recent(5))[0]?.outcome).toBe('interrupted');
    });
  });

  describe('SyncState', () => {
    it('keeps watermarks with their fingerprints', async () => {
      const sync = state({ now: manualClock().now }).sync;
      expect(await sync.getWatermark(70542)).toBeUndefined();
      await sync.setWatermarks([
        { filterId: 70611, modifiedAt: '2026-11-24 10:00:00', contactId: '9', fingerprint: 'f1' },
        { filterId: 70542, modifiedAt: '2026-11-24 11:00:00', contactId: '12', fingerprint: 'f2' },
      ]);
      await sync.setWatermarks([{ filterId: 70611, modifiedAt: '2026-11-24 12:00:00', contactId: '10', fingerprint: 'f3' }]);
      expect(await sync.listWatermarks()).toEqual([
        { filterId: 70542, modifiedAt: '2026-11-24 11:00:00', contactId: '12', fingerprint: 'f2', updatedAt: '2026-11-24T12:00:00.000Z' },
        { filterId: 70611, modifiedAt: '2026-11-24 12:00:00', contactId: '10', fingerprint: 'f3', updatedAt: '2026-11-24T12:00:00.000Z' },
      ]);
      expect((await sync.getWatermark(70611))?.fingerprint).toBe('f3');
    });

    it('records confirmed payloads exactly, drops their retries in the same step, and forgets', async () => {
      const sync = state().sync;
      expect(await sync.holdsAnyConfirmed()).toBe(false);
      await sync.putRetries([{ contactId: '1', payload: payload('1'), filterIds: [2, 1], reason: 'HTTP 503' }]);
      await sync.putRetries([{ contactId: '2', payload: payload('2'), filterIds: [1], reason: 'timeout' }]);
      await sync.recordConfirmed([
        { contactId: '1', payload: payload('1', true) },
        { contactId: '3', payload: payload('3', false) },
        { contactId: '4', payload: payload('4') },
      ]);
      expect(await sync.holdsAnyConfirmed()).toBe(true);
      const confirmed = await sync.getConfirmed(['1', '3', '4', '5']);
      expect([...confirmed.keys()].sort()).toEqual(['1', '3', '4']);
      expect(JSON.stringify(confirmed.get('1'))).toBe(JSON.stringify(payload('1', true)));
      expect(await sync.getConfirmedOptedOut(['1', '3', '4', '5'])).toEqual(new Map([['1', true], ['3', false], ['4', undefined]]));
      expect((await sync.listRetries()).map((entry) => entry.contactId)).toEqual(['2']);
      await sync.forgetConfirmed(['1', '4']);
      expect([...(await sync.getConfirmed(['1', '3', '4'])).keys()]).toEqual(['3']);
    });

    it('counts a retry again with its first failure kept, oldest first', async () => {
      const clock = manualClock();
      const sync = state({ now: clock.now }).sync;
      await sync.putRetries([{ contactId: 'b', payload: payload('b'), filterIds: [7, 3], reason: 'HTTP 429' }]);
      clock.advance(1000);
      await sync.putRetries([{ contactId: 'a', payload: payload('a'), filterIds: [3], reason: 'HTTP 500' }]);
      await sync.putRetries([{ contactId: 'b', payload: payload('b', true), filterIds: [7], reason: 'timeout' }]);
      expect(await sync.listRetries()).toEqual([
        { contactId: 'b', payload: payload('b', true), filterIds: [7], reason: 'timeout', attempts: 2, firstFailedAt: '2026-11-24T12:00:00.000Z' },
        { contactId: 'a', payload: payload('a'), filterIds: [3], reason: 'HTTP 500', attempts: 1, firstFailedAt: '2026-11-24T12:00:01.000Z' },
      ]);
      expect(await sync.countRetries()).toBe(2);
      await sync.removeRetries(['b']);
      expect(await sync.countRetries()).toBe(1);
    });
  });
});
