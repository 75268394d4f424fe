import { describe, expect, it } from 'vitest';
import type { MappingRules } from '../mapping/map-contact.js';
import type { CadenceConsent, RetryEntry } from '../ports.js';
import type { CadenceContact, ConnectContact } from '../types.js';
import { freshIds, planPage, planRetries, type PageInput, type PlannedContact } from './plan-page.js';

const rules: MappingRules = {
  firstName: 'firstname',
  lastName: 'lastname',
  mobileNumber: 'mobile',
  optOut: { attribute: 'sms', optedInValue: 'Yes', optedOutValue: 'No', emptyIsOptedIn: false },
  additionalFields: [],
};
const runStartedAt = new Date('2026-12-01T12:00:00.000Z');
const at = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

function read(id: string, minute: number, attributes: Record<string, string> = {}): ConnectContact {
  return {
    contactId: id,
    modifiedLocal: `local ${minute}`,
    modifiedAt: at(minute),
    attributes: { firstname: 'Ada', lastname: 'Lima', mobile: '404-555-0101', sms: 'Yes', ...attributes },
  };
}

const unreadable: ConnectContact = { contactId: 'x7', modifiedLocal: '', modifiedAt: '', attributes: { firstname: 'Bo' }, unreadable: 'record 2: contactid is "x7"' };

function payload(id: string, changes: Partial<CadenceContact> = {}): CadenceContact {
  return { uniqueCampusId: id, firstName: 'Ada', lastName: 'Lima', mobileNumber: '4045550101', optedOut: false, allowMobileUpdate: true, customFields: {}, ...changes };
}

const stop: CadenceConsent = { optedOut: true, changedAt: '2026-12-01T09:00:00.000Z', source: 'keyword' };

function plan(contacts: ConnectContact[], lookups: Partial<Omit<PageInput, 'contacts'>> = {}) {
  return planPage({ filterId: 7, contacts, rules, runStartedAt, seen: new Map(), confirmed: new Map(), consent: new Map(), waiting: new Set(), ...lookups });
}

/** One line per entry: kind or action, sighting, superseding, issue codes. */
function lines(contacts: ConnectContact[], lookups: Partial<Omit<PageInput, 'contacts'>> = {}): string[] {
  return plan(contacts, lookups).entries.map((entry) => {
    if (entry.kind === 'unreadable') return `${entry.contactId} unreadable ${entry.issue.code}`;
    const codes = entry.mapped.issues.map((issue) => issue.code).join(',');
    return [entry.contactId, entry.item.action, entry.sighting, entry.superseding ? 'superseding' : '', codes].filter(Boolean).join(' ');
  });
}

describe('planPage (product.md §3–§5, §8)', () => {
  it.each([
    { case: 'a contact never confirmed is created', contacts: [read('1', 1)], lookups: {}, want: ['1 create new'] },
    { case: 'a contact equal to its confirmed payload is unchanged', contacts: [read('1', 1)], lookups: { confirmed: new Map([['1', payload('1')]]) }, want: ['1 unchanged new'] },
    {
      case: 'a changed contact is an update',
      contacts: [read('1', 1, { firstname: 'Augusta' })],
      lookups: { confirmed: new Map([['1', payload('1')]]) },
      want: ['1 update new'],
    },
    { case: 'a data error is an error', contacts: [read('1', 1, { mobile: '12' })], lookups: {}, want: ['1 error new INVALID_MOBILE'] },
    { case: 'a version the run took up already is the same', contacts: [read('1', 1)], lookups: { seen: new Map([['1', Date.parse(at(1))]]) }, want: ['1 create same'] },
    { case: 'an older version than the one taken up is the same', contacts: [read('1', 1)], lookups: { seen: new Map([['1', Date.parse(at(2))]]) }, want: ['1 create same'] },
    { case: 'a newer version than the one taken up is newer', contacts: [read('1', 3)], lookups: { seen: new Map([['1', Date.parse(at(2))]]) }, want: ['1 create newer'] },
    { case: 'a contact twice in one page: the second is the same', contacts: [read('1', 1), read('1', 1)], lookups: {}, want: ['1 create new', '1 create same'] },
    { case: 'a contact twice in one page, changed between: the second is newer', contacts: [read('1', 1), read('1', 2)], lookups: {}, want: ['1 create new', '1 create newer'] },
    {
      case: 'a waiting contact unchanged since confirmed is sent all the same',
      contacts: [read('1', 1)],
      lookups: { confirmed: new Map([['1', payload('1')]]), waiting: new Set(['1']) },
      want: ['1 update new superseding'],
    },
    { case: 'a waiting contact now in error supersedes its parked payload', contacts: [read('1', 1, { lastname: '' })], lookups: { waiting: new Set(['1']) }, want: ['1 error new superseding MISSING_LAST_NAME'] },
    { case: 'a waiting contact twice in a page supersedes once', contacts: [read('1', 1), read('1', 2)], lookups: { waiting: new Set(['1']) }, want: ['1 create new superseding', '1 create newer'] },
    {
      case: 'an opt-out Cadence reported keeps optedOut: false out, with a warning',
      contacts: [read('1', 1)],
      lookups: { consent: new Map([['1', stop]]) },
      want: ['1 create new OPT_OUT_CONFLICT'],
    },
    { case: 'a date past the run start plus the skew is warned about', contacts: [read('1', 1, {}), { ...read('2', 0), modifiedAt: '2026-12-01T12:06:00.000Z' }], lookups: {}, want: ['1 create new', '2 create new FUTURE_MODIFIED_DATE'] },
    { case: 'a date within the skew is not', contacts: [{ ...read('2', 0), modifiedAt: '2026-12-01T12:05:00.000Z' }], lookups: {}, want: ['2 create new'] },
    { case: 'an unreadable record is planned as one, with the names as read', contacts: [unreadable, read('1', 1)], lookups: {}, want: ['x7 unreadable INVALID_RECORD', '1 create new'] },
  ])('$case', ({ contacts, lookups, want }) => {
    expect(lines(contacts, lookups)).toEqual(want);
  });

  it('carries the payload and the field changes of an update', () => {
    const [entry] = plan([read('1', 1, { firstname: 'Augusta' })], { confirmed: new Map([['1', payload('1')]]) }).entries as PlannedContact[];
    expect(entry!.item).toMatchObject({ action: 'update', payload: payload('1', { firstName: 'Augusta' }), changes: { firstName: { old: 'Ada', new: 'Augusta' } } });
    expect(entry!.mapped.reportFields).toEqual({ firstName: 'Augusta', lastName: 'Lima', mobileNumber: '404-555-0101' });
    expect(entry!.version).toBe(Date.parse(at(1)));
  });

  it('finds the newest (modifiedAt, contactId) among the readable contacts', () => {
    expect(plan([read('5', 2), read('9', 1), unreadable, read('3', 2)]).newest).toEqual({ modifiedAt: at(2), modifiedAtMs: Date.parse(at(2)), contactId: '5' });
    expect(plan([unreadable]).newest).toBeUndefined();
  });

  it('needs the confirmed payload only of versions the run has not taken up', () => {
    const seen = new Map([
      ['1', Date.parse(at(1))],
      ['2', Date.parse(at(1))],
    ]);
    expect(freshIds([read('1', 1), read('2', 2), read('3', 1), unreadable], seen)).toEqual(['2', '3']);
  });
});

describe('planRetries (product.md §4)', () => {
  const entry = (id: string): RetryEntry => ({ contactId: id, payload: payload(id), filterIds: [7], reason: '503', attempts: 1, firstFailedAt: at(0) });

  it.each([
    { case: 'never confirmed: a create', confirmed: new Map<string, CadenceContact>(), want: 'create' },
    { case: 'confirmed otherwise: an update', confirmed: new Map([['1', payload('1', { lastName: 'Old' })]]), want: 'update' },
    { case: 'confirmed the same: sent all the same, as an update', confirmed: new Map([['1', payload('1')]]), want: 'update' },
  ])('$case', ({ confirmed, want }) => {
    const [planned] = planRetries([entry('1')], confirmed);
    expect(planned!.item.action).toBe(want);
    expect(planned!.item.payload).toEqual(payload('1'));
  });
});
