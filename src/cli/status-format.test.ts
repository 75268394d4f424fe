import { describe, expect, it } from 'vitest';
import type { RunCounts, RunRecord, Watermark } from '../core/ports.js';
import { emptyRunCounts } from '../core/run-life.js';
import { alignColumns, formatDuration, formatStatus, statusJson, type StatusInput } from './status-format.js';

function counts(partial: Partial<RunCounts> = {}): RunCounts {
  return { ...emptyRunCounts(), ...partial };
}

const runs: RunRecord[] = [
  {
    id: '20261101T070000Z-c3d4',
    kind: 'import',
    pid: 4242,
    host: 'sync-01',
    startedAt: '2026-11-01T07:00:00.000Z',
    outcome: 'running',
    counts: counts({ matched: 120 }),
    notes: [],
  },
  {
    id: '20261101T063000Z-b2c3',
    kind: 'import',
    pid: 4100,
    host: 'sync-01',
    startedAt: '2026-11-01T06:30:00.000Z',
    finishedAt: '2026-11-01T06:34:05.000Z',
    outcome: 'contacts_failed',
    counts: counts({
      matched: 12345,
      imported: 12340,
      errors: 5,
      warnings: 2,
      created: 40,
      updated: 300,
      unchanged: 12000,
      perFilter: { '70542': { matched: 12000, imported: 11996, errors: 4, warnings: 2 }, '70611': { matched: 345, imported: 344, errors: 1, warnings: 0 } },
      writeBack: { written: 3, failed: 1, skipped: 0 },
    }),
    reportPath: '/var/lib/connect-sync/reports/20261101T063000Z-b2c3-errors.csv',
    mail: { sent: false, at: '2026-11-01T06:34:06.000Z', error: 'connection refused' },
    notes: ['filter 70611 re-imported in full: mapping changed'],
  },
  {
    id: '20261101T053000Z-a1b2',
    kind: 'optouts',
    pid: 4000,
    host: 'sync-01',
    startedAt: '2026-11-01T05:30:00.000Z',
    finishedAt: '2026-11-01T05:30:09.000Z',
    outcome: 'ok',
    counts: counts({ writeBack: { written: 2, failed: 0, skipped: 1 } }),
    mail: { sent: true, at: '2026-11-01T05:30:10.000Z' },
    notes: [],
  },
  {
    id: '20261031T053000Z-0f0f',
    kind: 'import',
    pid: 3900,
    host: 'sync-01',
    startedAt: '2026-10-31T05:30:00.000Z',
    outcome: 'interrupted',
    counts: counts({ matched: 7, imported: 3 }),
    notes: [],
  },
  {
    id: '20261030T053000Z-1e1e',
    kind: 'import',
    pid: 3800,
    host: 'sync-01',
    startedAt: '2026-10-30T05:30:00.000Z',
    finishedAt: '2026-10-30T05:30:02.000Z',
    outcome: 'failed',
    counts: counts(),
    error: 'Connect: the pass key was refused',
    notes: [],
  },
];

const watermarks: Watermark[] = [
  { filterId: 70611, modifiedAt: '2026-11-01T06:15:00.000Z', contactId: '100999', fingerprint: 'f2', updatedAt: '2026-11-01T06:34:05.000Z' },
  { filterId: 70542, modifiedAt: '2026-11-01T05:15:00.000Z', contactId: '100234', fingerprint: 'f1', updatedAt: '2026-11-01T06:34:05.000Z' },
];

const input: StatusInput = {
  runs,
  watermarks,
  retries: 3,
  stillFailing: 2,
  lockHolder: { pid: 4242, host: 'sync-01', since: '2026-11-01T07:00:00.000Z' },
  timeZone: 'America/New_York',
  now: new Date('2026-11-01T07:12:30.000Z'),
};

/** The lines of the table that starts with the line containing `header`. */
function tableAfter(text: string, header: string, rows: number): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.includes(header));
  expect(start).toBeGreaterThanOrEqual(0);
  return lines.slice(start, start + rows + 1);
}

describe('formatStatus', () => {
  const text = formatStatus(input);

  it('lists each run with its local start, duration, kind, counts, outcome and mail', () => {
    const table = tableAfter(text, 'RUN', runs.length);
    const failedRow = table.find((line) => line.startsWith('20261101T063000Z-b2c3')) ?? '';
    // 06:30Z on the autumn change is 01:30 EST, the second 01:30 of the night.
    expect(failedRow).toContain('2026-11-01 01:30:00 -05:00');
    expect(failedRow).toContain('4m 05s');
    expect(failedRow).toMatch(/import\s+12,345\s+12,340\s+5\s+2\s+contacts failed\s+3 written, 1 failed\s+failed$/);
    const okRow = table.find((line) => line.startsWith('20261101T053000Z-a1b2')) ?? '';
    expect(okRow).toContain('2026-11-01 01:30:00 -04:00');
    expect(okRow).toMatch(/optouts .* ok\s+2 written\s+sent$/);
    const runningRow = table.find((line) => line.startsWith('20261101T070000Z-c3d4')) ?? '';
    expect(runningRow).toContain('12m 30s so far');
    expect(runningRow).toMatch(/running\s+-\s+none$/);
    expect(table.find((line) => line.startsWith('20261031T053000Z-0f0f'))).toMatch(/interrupted\s+-\s+none$/);
    expect(table.find((line) => line.startsWith('20261030T053000Z-1e1e'))).toMatch(/\s2s\s+import .* failed\s+-\s+none$/);
  });

  it('keeps the columns aligned: left columns start, number columns end, under their header', () => {
    const table = tableAfter(text, 'RUN', runs.length);
    const header = table[0] ?? '';
    expect(table).toHaveLength(runs.length + 1);
    for (const [name, align] of [
      ['STARTED', 'left'],
      ['KIND', 'left'],
      ['MATCHED', 'right'],
      ['ERRORS', 'right'],
      ['WARNINGS', 'right'],
      ['OUTCOME', 'left'],
      ['MAIL', 'left'],
    ] as const) {
      const start = header.indexOf(name);
      const end = start + name.length;
      for (const row of table.slice(1)) {
        if (align === 'left') {
          expect(row[start - 1], `${name} in ${row}`).toBe(' ');
          expect(row[start], `${name} in ${row}`).not.toBe(' ');
        } else {
          expect(row[end - 1], `${name} in ${row}`).toMatch(/\d/);
          expect(row[end], `${name} in ${row}`).toBe(' ');
        }
      }
    }
  });

  it('explains failures, failed mail, reports and notes under the table', () => {
    expect(text).toContain('20261030T053000Z-1e1e: Connect: the pass key was refused');
    expect(text).toContain('20261101T063000Z-b2c3: mail not sent: connection refused');
    expect(text).toContain('20261101T063000Z-b2c3: report /var/lib/connect-sync/reports/20261101T063000Z-b2c3-errors.csv');
    expect(text).toContain('20261101T063000Z-b2c3: filter 70611 re-imported in full: mapping changed');
  });

  it('shows each watermark in the configured zone and in UTC, with its contact id, sorted by filter', () => {
    const table = tableAfter(text, 'FILTER', 2);
    expect(table[0]).toMatch(/FILTER\s+MODIFIED \(America\/New_York\)\s+MODIFIED \(UTC\)\s+CONTACT\s+MOVED/);
    expect(table[1]).toMatch(/^ 70542\s+2026-11-01 01:15:00 -04:00\s+2026-11-01 05:15:00 UTC\s+100234\s+2026-11-01 01:34:05 -05:00$/);
    expect(table[2]).toMatch(/^ 70611\s+2026-11-01 01:15:00 -05:00\s+2026-11-01 06:15:00 UTC\s+100999\s/);
    const utcAt = (table[0] ?? '').indexOf('MODIFIED (UTC)');
    expect(table[1]?.indexOf('2026-11-01 05:15:00 UTC')).toBe(utcAt);
    expect(table[2]?.indexOf('2026-11-01 06:15:00 UTC')).toBe(utcAt);
  });

  it('shows the retries waiting and the lock holder', () => {
    expect(text).toContain('Contacts waiting for retry: 3');
    expect(text).toContain('Lock: held by pid 4242 on sync-01 since 2026-11-01 02:00:00 -05:00 (12m 30s ago)');
  });

  it('says "none yet" and "free" for a new state file', () => {
    const empty = formatStatus({ runs: [], watermarks: [], retries: 0, stillFailing: 0, timeZone: 'Asia/Kolkata', now: input.now });
    expect(empty).toContain('Recent runs: none yet');
    expect(empty).toContain('Watermarks: none yet');
    expect(empty).toContain('Contacts waiting for retry: none');
    expect(empty).toContain('Contacts still failing (data errors not yet fixed in Connect): none');
    expect(empty).toContain('Lock: free');
  });

  it('uses the configured zone for local times', () => {
    const kolkata = formatStatus({ ...input, timeZone: 'Asia/Kolkata' });
    expect(kolkata).toContain('Recent runs (newest first, times in Asia/Kolkata):');
    expect(kolkata).toContain('MODIFIED (Asia/Kolkata)');
    expect(kolkata).toContain('2026-11-01 12:00:00 +05:30');
    expect(kolkata).toContain('2026-11-01 05:15:00 UTC');
  });
});

describe('statusJson', () => {
  const json = JSON.parse(JSON.stringify(statusJson(input))) as Record<string, unknown> & {
    runs: Record<string, unknown>[];
    watermarks: Record<string, unknown>[];
  };

  it('has stable top-level keys', () => {
    expect(Object.keys(json)).toEqual(['generatedAt', 'timeZone', 'lock', 'retriesWaiting', 'optOuts', 'stillFailing', 'runs', 'watermarks']);
    expect(json.generatedAt).toBe('2026-11-01T07:12:30.000Z');
    expect(json.retriesWaiting).toBe(3);
    expect(json.lock).toEqual({ held: true, pid: 4242, host: 'sync-01', since: '2026-11-01T07:00:00.000Z' });
  });

  it('gives every run the same keys, with null for what is missing', () => {
    const keys = Object.keys(json.runs[0] ?? {});
    for (const run of json.runs) expect(Object.keys(run)).toEqual(keys);
    expect(json.runs[0]).toMatchObject({ outcome: 'running', finishedAt: null, durationSeconds: null, mail: { status: 'none', at: null, error: null } });
    expect(json.runs[1]).toMatchObject({
      id: '20261101T063000Z-b2c3',
      startedAt: '2026-11-01T06:30:00.000Z',
      finishedAt: '2026-11-01T06:34:05.000Z',
      durationSeconds: 245,
      matched: 12345,
      imported: 12340,
      errors: 5,
      warnings: 2,
      writeBack: { written: 3, failed: 1, skipped: 0 },
      mail: { status: 'failed', at: '2026-11-01T06:34:06.000Z', error: 'connection refused' },
      reportPath: '/var/lib/connect-sync/reports/20261101T063000Z-b2c3-errors.csv',
    });
    expect(json.runs[2]).toMatchObject({ kind: 'optouts', mail: { status: 'sent' }, error: null });
  });

  it('gives watermarks in UTC and in the configured zone, as ISO 8601', () => {
    expect(json.watermarks).toEqual([
      { filterId: 70542, modifiedAt: '2026-11-01T05:15:00.000Z', modifiedLocal: '2026-11-01T01:15:00-04:00', contactId: '100234', updatedAt: '2026-11-01T06:34:05.000Z' },
      { filterId: 70611, modifiedAt: '2026-11-01T06:15:00.000Z', modifiedLocal: '2026-11-01T01:15:00-05:00', contactId: '100999', updatedAt: '2026-11-01T06:34:05.000Z' },
    ]);
  });

  it('reports a free lock with the same keys', () => {
    const free = statusJson({ ...input, lockHolder: undefined }) as { lock: unknown };
    expect(free.lock).toEqual({ held: false, pid: null, host: null, since: null });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m 00s'],
    [245, '4m 05s'],
    [3599, '59m 59s'],
    [3600, '1h 00m'],
    [7380, '2h 03m'],
  ])('%d s → %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});

describe('alignColumns', () => {
  it('pads left columns on the right and right columns on the left, with no trailing blanks', () => {
    const lines = alignColumns(
      [
        { header: 'NAME', align: 'left' },
        { header: 'N', align: 'right' },
        { header: 'NOTE', align: 'left' },
      ],
      [
        ['a', '1', ''],
        ['longer', '1,000', 'x'],
      ],
    );
    expect(lines).toEqual(['NAME        N  NOTE', 'a           1', 'longer  1,000  x']);
  });
});
