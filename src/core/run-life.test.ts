import { mkdtempSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteState, type SqliteState } from '../adapters/sqlite/state.js';
import { LockBusyError } from '../errors.js';
import { silentLogger } from '../log.js';
import { emptyRunCounts, withRun } from './run-life.js';

describe('withRun (a recorded run’s life)', () => {
  let dir: string;
  let state: SqliteState;
  let other: SqliteState;

  beforeEach(() => {
    dir = mkdtempSync(join(os.tmpdir(), 'connect-sync-run-life-'));
    state = openSqliteState(join(dir, 'state.db'));
    other = openSqliteState(join(dir, 'state.db'));
  });
  afterEach(async () => {
    await state.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = { logger: silentLogger() };

  it('throws LockBusyError and records no run while a live process holds the lock', async () => {
    await other.lock.acquire({ pid: process.pid, host: hostname() });
    let worked = false;
    await expect(
      withRun(state, 'import', options, async () => {
        worked = true;
      }),
    ).rejects.toBeInstanceOf(LockBusyError);
    expect(worked).toBe(false);
    expect(await state.runs.recent(10)).toEqual([]);
    expect(await other.lock.holder()).toMatchObject({ pid: process.pid });
  });

  it('finishes a run whose work throws as failed, with the reason, and releases the lock', async () => {
    let runId = '';
    await expect(
      withRun(state, 'import', options, async (handle) => {
        runId = handle.run.id;
        await state.runs.updateCounts(runId, { ...emptyRunCounts(), matched: 3 });
        throw new Error('Connect went away');
      }),
    ).rejects.toThrow('Connect went away');
    expect(await state.runs.get(runId)).toMatchObject({ outcome: 'failed', error: 'Connect went away', counts: { matched: 3 } });
    expect(await state.lock.holder()).toBeUndefined();
    // The next run takes the lock at once.
    await expect(withRun(other, 'import', options, async (handle) => handle.run.kind)).resolves.toBe('import');
  });

  it('hands back what the work returns, the run finished as the work said, the lock released', async () => {
    const result = await withRun(state, 'optouts', { ...options, scheduled: true }, async (handle) => {
      expect(await state.lock.holder()).toMatchObject({ pid: process.pid });
      const finished = await handle.finish({ outcome: 'contacts_failed', counts: { ...emptyRunCounts(), errors: 1 }, notes: ['a note'] });
      await expect(handle.finish({ outcome: 'ok', counts: emptyRunCounts() })).rejects.toThrow('finished already');
      return finished;
    });
    expect(result).toMatchObject({ kind: 'optouts', outcome: 'contacts_failed', notes: ['a note'], scheduled: true });
    expect(await state.runs.get(result.id)).toMatchObject({ outcome: 'contacts_failed' });
    expect(await state.lock.holder()).toBeUndefined();
  });
});
