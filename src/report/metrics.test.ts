import { describe, expect, it } from 'vitest';
import { openSqliteState } from '../adapters/sqlite/state.js';
import type { RunRecord } from '../core/ports.js';
import { emptyRunCounts } from '../core/run-life.js';
import { metricsSnapshot, runMetricsRegistry } from './metrics.js';

const run: RunRecord = {
  id: '20261125T060000Z-ab12',
  kind: 'import',
  pid: 1,
  host: 'h',
  startedAt: '2026-11-25T06:00:00.000Z',
  finishedAt: '2026-11-25T06:02:30.000Z',
  outcome: 'contacts_failed',
  counts: { ...emptyRunCounts(), matched: 12, imported: 10, errors: 2, warnings: 1, created: 3, updated: 5, unchanged: 2, stillFailing: 4 },
  notes: [],
};

describe('run metrics', () => {
  it('describe the last run, the still-failing count, the last completed run and each watermark', async () => {
    const text = await runMetricsRegistry({
      lastRun: run,
      exitCode: 1,
      lastCompletedAt: run.startedAt,
      stillFailing: 4,
      watermarks: [{ filterId: 70542, modifiedAt: '2026-11-25T05:00:00.000Z', contactId: '9', fingerprint: 'f', updatedAt: '2026-11-25T06:02:30.000Z' }],
      now: new Date('2026-11-25T07:02:30.000Z'),
    }).metrics();
    const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples).toEqual([
      'connect_sync_last_run_start_timestamp_seconds 1795586400',
      'connect_sync_last_run_end_timestamp_seconds 1795586550',
      'connect_sync_last_run_outcome{outcome="ok"} 0',
      'connect_sync_last_run_outcome{outcome="contacts_failed"} 1',
      'connect_sync_last_run_outcome{outcome="failed"} 0',
      'connect_sync_last_run_outcome{outcome="interrupted"} 0',
      'connect_sync_last_run_outcome{outcome="running"} 0',
      'connect_sync_last_run_exit_code 1',
      'connect_sync_last_run_contacts{count="matched"} 12',
      'connect_sync_last_run_contacts{count="imported"} 10',
      'connect_sync_last_run_contacts{count="created"} 3',
      'connect_sync_last_run_contacts{count="updated"} 5',
      'connect_sync_last_run_contacts{count="unchanged"} 2',
      'connect_sync_last_run_contacts{count="errors"} 2',
      'connect_sync_last_run_contacts{count="warnings"} 1',
      'connect_sync_still_failing_contacts 4',
      'connect_sync_last_completed_run_timestamp_seconds 1795586400',
      'connect_sync_watermark_age_seconds{filter_id="70542"} 3600',
      'connect_sync_watermark_modified_timestamp_seconds{filter_id="70542"} 1795582800',
    ]);
    expect(text).toContain('# TYPE connect_sync_last_run_exit_code gauge');
  });

  it('says only what it knows before a first run', async () => {
    const text = await runMetricsRegistry({ stillFailing: 0, watermarks: [], now: new Date() }).metrics();
    expect(text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))).toEqual(['connect_sync_still_failing_contacts 0']);
  });
});

describe('metricsSnapshot over the state', () => {
  it('takes the newest import past the opt-out runs after it, its exit code, the last completed import and the watermarks', async () => {
    let clock = new Date('2026-11-25T06:00:00.000Z');
    const state = openSqliteState(':memory:', { now: () => clock });
    try {
      const failed = await state.runs.start('import');
      await state.runs.finish(failed.id, { outcome: 'failed', counts: emptyRunCounts(), error: 'Connect unreachable' });
      clock = new Date('2026-11-25T07:00:00.000Z');
      const last = await state.runs.start('import');
      await state.runs.finish(last.id, { outcome: 'contacts_failed', counts: { ...emptyRunCounts(), errors: 2, stillFailing: 3 } });
      clock = new Date('2026-11-25T08:00:00.000Z');
      const optouts = await state.runs.start('optouts');
      await state.runs.finish(optouts.id, { outcome: 'ok', counts: emptyRunCounts() });
      await state.sync.setWatermarks([{ filterId: 70542, modifiedAt: '2026-11-25T05:00:00.000Z', contactId: '9', fingerprint: 'f' }]);

      const now = new Date('2026-11-25T09:00:00.000Z');
      const snapshot = await metricsSnapshot(state, undefined, now);
      expect(snapshot).toMatchObject({ exitCode: 1, lastCompletedAt: '2026-11-25T07:00:00.000Z', stillFailing: 3, now });
      expect(snapshot.lastRun?.id).toBe(last.id);
      expect(snapshot.watermarks).toEqual([{ filterId: 70542, modifiedAt: '2026-11-25T05:00:00.000Z', contactId: '9', fingerprint: 'f', updatedAt: '2026-11-25T08:00:00.000Z' }]);
      expect((await metricsSnapshot(state, await state.runs.get(failed.id), now)).exitCode).toBe(3);
    } finally {
      await state.close();
    }
  });

  it('knows no run before the first import', async () => {
    const state = openSqliteState(':memory:');
    try {
      const now = new Date();
      expect(await metricsSnapshot(state, undefined, now)).toEqual({ lastRun: undefined, exitCode: undefined, lastCompletedAt: undefined, stillFailing: 0, watermarks: [], now });
    } finally {
      await state.close();
    }
  });
});
