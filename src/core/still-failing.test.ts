import { describe, expect, it } from 'vitest';
import { isDataError, planStillFailing, type ContactOutcome, type StillFailingRow } from './still-failing.js';

const RUN = 'run-now';
const row = (contactId: string, runId: string, filterIds: number[] = [1], code = 'INVALID_MOBILE'): StillFailingRow => ({ contactId, code, runId, filterIds });

interface Case {
  name: string;
  rows: StillFailingRow[];
  outcome: ContactOutcome;
  completed?: boolean;
  configured?: number[];
  readInFull?: number[];
  expected: { removeContacts?: string[]; removeEarlierOf?: string[]; setFilters?: { contactId: string; filterIds: number[] }[] };
}

const cases: Case[] = [
  { name: 'an earlier error this run imported goes', rows: [row('7', 'old')], outcome: 'imported', expected: { removeContacts: ['7'] } },
  { name: 'an earlier error not read again stays', rows: [row('7', 'old')], outcome: 'unseen', expected: {} },
  { name: 'an earlier error found again is this run\'s: earlier rows go', rows: [row('7', 'old'), row('7', RUN)], outcome: 'failed', expected: { removeEarlierOf: ['7'] } },
  { name: 'a first error of this run stays as it is', rows: [row('7', RUN)], outcome: 'failed', expected: {} },
  { name: 'an error of this run later imported in a newer version goes', rows: [row('7', RUN)], outcome: 'imported', expected: { removeContacts: ['7'] } },
  { name: 'an error of this run read again and still in flight goes', rows: [row('7', RUN)], outcome: 'pending', expected: { removeContacts: ['7'] } },
  { name: 'read again, failed transiently, completed run: the retry table has it', rows: [row('7', 'old')], outcome: 'failed', expected: { removeContacts: ['7'] } },
  { name: 'read again, failed, run could not complete: kept', rows: [row('7', 'old')], outcome: 'failed', completed: false, expected: {} },
  { name: 'read again, no outcome yet: kept', rows: [row('7', 'old')], outcome: 'pending', expected: {} },
  { name: 'its only filter no longer configured: goes', rows: [row('7', 'old', [1])], outcome: 'unseen', configured: [2], expected: { removeContacts: ['7'] } },
  { name: 'one of its filters no longer configured: that filter goes', rows: [row('7', 'old', [1, 3])], outcome: 'unseen', configured: [1, 2], expected: { setFilters: [{ contactId: '7', filterIds: [1] }] } },
  { name: 'its filter read in full without it: goes', rows: [row('7', 'old', [1])], outcome: 'unseen', readInFull: [1], expected: { removeContacts: ['7'] } },
  { name: 'one of two filters read in full without it: still in the other', rows: [row('7', 'old', [1, 2])], outcome: 'unseen', readInFull: [1], expected: { setFilters: [{ contactId: '7', filterIds: [2] }] } },
  { name: 'two codes of one contact are one contact', rows: [row('7', 'old', [1], 'MISSING_FIRST_NAME'), row('7', 'old', [1], 'INVALID_MOBILE')], outcome: 'imported', expected: { removeContacts: ['7'] } },
  { name: 'the filters of all its codes count', rows: [row('7', 'old', [1], 'A'), row('7', 'old', [2], 'B')], outcome: 'unseen', readInFull: [2], expected: { setFilters: [{ contactId: '7', filterIds: [1] }] } },
];

describe('planStillFailing', () => {
  it.each(cases)('$name', (test) => {
    const changes = planStillFailing(test.rows, {
      runId: RUN,
      completed: test.completed ?? true,
      configured: test.configured ?? [1, 2],
      readInFull: test.readInFull ?? [],
      outcomeOf: () => test.outcome,
    });
    expect(changes).toEqual({ removeContacts: [], removeEarlierOf: [], setFilters: [], ...test.expected });
  });

  it('decides each contact on its own outcome', () => {
    const outcomes: Record<string, ContactOutcome> = { a: 'imported', b: 'unseen', c: 'failed' };
    const changes = planStillFailing([row('a', 'old'), row('b', 'old'), row('c', 'old'), row('c', RUN)], {
      runId: RUN,
      completed: true,
      configured: [1],
      readInFull: [],
      outcomeOf: (id) => outcomes[id]!,
    });
    expect(changes).toEqual({ removeContacts: ['a'], removeEarlierOf: ['c'], setFilters: [] });
  });
});

describe('isDataError', () => {
  it.each([
    ['error', 'INVALID_MOBILE', true],
    ['error', 'MISSING_FIRST_NAME', true],
    ['error', 'DUPLICATE_MOBILE', true],
    ['error', 'CADENCE_UNAVAILABLE', false],
    ['warning', 'UNKNOWN_USER_ID', false],
  ])('%s %s → %s', (severity, code, expected) => {
    expect(isDataError(severity, code)).toBe(expected);
  });
});
