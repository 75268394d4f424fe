import { describe, expect, it } from 'vitest';
import { headerProblem, parseStatus, readHistoryRows } from './optout-history.js';

describe('headerProblem', () => {
  it.each([
    [['ContactId', 'DepartmentCode', 'MobileNumber', 'Status', 'StatusDate (UTC)']],
    [['ContactId', ' DepartmentCode', ' MobileNumber', ' Status', ' StatusDate (UTC)']],
    [['contactid', 'DEPARTMENTCODE', 'mobilenumber', 'status', 'statusdate (utc)']],
  ])('accepts %j', (header) => {
    expect(headerProblem(header)).toBeUndefined();
  });

  it.each([[['ContactId', 'DepartmentCode', 'MobileNumber', 'Status']], [['Id', 'DepartmentCode', 'MobileNumber', 'Status', 'StatusDate (UTC)']], [['ContactId', 'DepartmentCode', 'MobileNumber', 'Status', 'StatusDate']]])(
    'refuses %j, naming line 1',
    (header) => {
      expect(headerProblem(header)).toMatch(/^line 1: expected the header ContactId,DepartmentCode,MobileNumber,Status,StatusDate \(UTC\), found /);
    },
  );
});

describe('parseStatus', () => {
  it.each<[string, boolean | undefined]>([
    ['Opted Out', true],
    ['opted-out', true],
    ['OPTED_OUT', true],
    ['Opted In', false],
    ['optedin', false],
    ['Out', undefined],
    ['', undefined],
  ])('%j → %s', (text, value) => {
    expect(parseStatus(text)).toBe(value);
  });
});

describe('readHistoryRows', () => {
  it('takes this team\'s rows, counts other teams\' rows, and names each unreadable row by its line', () => {
    const reading = readHistoryRows(
      [
        { line: 2, cells: ['100234', 'ADM', '4045550134', 'Opted Out', '2026-11-24 18:03:11'] },
        { line: 3, cells: ['100235', 'OTHER', '4045550135', 'Opted Out', 'garbage'] },
        { line: 4, cells: [' 100236 ', ' ADM', '', ' opted in', ' 2026-11-25T08:00:00Z'] },
        { line: 5, cells: ['abc', 'ADM', '', 'Opted Out', '2026-11-24 18:03:11'] },
        { line: 6, cells: ['100237', 'ADM', '', 'Maybe', '2026-11-24 18:03:11'] },
        { line: 7, cells: ['100238', 'ADM', '', 'Opted Out', 'yesterday'] },
        { line: 9, cells: ['100239', 'ADM'] },
      ],
      'ADM',
    );
    expect(reading.changes).toEqual([
      { contactId: '100234', optedOut: true, changedAt: '2026-11-24T18:03:11.000Z', source: 'csv' },
      { contactId: '100236', optedOut: false, changedAt: '2026-11-25T08:00:00.000Z', source: 'csv' },
    ]);
    expect(reading.otherDepartments).toBe(1);
    expect(reading.problems).toEqual([
      'line 5: ContactId "abc" is not a positive integer',
      'line 6: Status "Maybe" is neither Opted Out nor Opted In',
      'line 7: StatusDate (UTC) "yesterday" is not a date-time',
      'line 9: expected 5 columns, found 2',
    ]);
  });
});
