import { describe, expect, it } from 'vitest';
import { checkContact, normaliseMobile, upsertContact, type AcceptedContact } from './contact-rules.js';
import type { HeldContact } from './model.js';

describe('normaliseMobile', () => {
  it.each([
    ['4045550134', '4045550134'],
    ['(404) 555-0134', '4045550134'],
    ['404.555.0134', '4045550134'],
    ['+1 404 555 0134', '4045550134'],
    ['14045550134', '4045550134'],
    ['1-404-555-0134', '4045550134'],
  ])('takes %j as %j', (raw, expected) => {
    expect(normaliseMobile(raw)).toBe(expected);
  });

  it.each([['404555013'], ['24045550134'], ['404555013412'], ['404-555-CALL'], ['4045550134 x12'], ['４０４５５５０１３４']])('refuses %j', (raw) => {
    expect(normaliseMobile(raw)).toBeUndefined();
  });
});

describe('checkContact', () => {
  const users = new Set(['jdoe']);
  const base = { uniqueCampusId: '1', firstName: 'Ana', lastName: 'Lopez', mobileNumber: '(404) 555-0134' };

  it('accepts a complete contact and normalises its mobile', () => {
    expect(checkContact({ ...base, staffId: 'jdoe' }, users)).toEqual({ ok: true, contact: { ...base, staffId: 'jdoe', mobileNumber: '4045550134' } });
  });

  it('compares staff ids exactly', () => {
    expect(checkContact({ ...base, staffId: 'JDOE' }, users)).toEqual({ ok: false, errorCode: 'UNKNOWN_STAFF_ID', message: "No user with User ID 'JDOE'" });
  });
});

describe('upsertContact', () => {
  const held: HeldContact = {
    uniqueCampusId: '1',
    firstName: 'Ana',
    lastName: 'Lopez',
    mobileNumber: '4045550134',
    staffId: 'jdoe',
    optedOut: true,
    customFields: { Program: 'Biology' },
    writes: 1,
  };
  const same: AcceptedContact = { uniqueCampusId: '1', firstName: 'Ana', lastName: 'Lopez', mobileNumber: '4045550134', staffId: 'jdoe', optedOut: true };

  it('leaves what it holds alone when nothing changes', () => {
    const result = upsertContact(held, { ...same, customFields: { Program: 'Biology' } });
    expect(result).toEqual({ outcome: 'unchanged', contact: held, optedOutChanged: false });
  });

  it.each([
    ['a name', { firstName: 'Anna' }, { firstName: 'Anna' }, false],
    ['the opt-out', { optedOut: false }, { optedOut: false }, true],
    ['the staff id, by leaving it out', { staffId: undefined }, { staffId: '' }, false],
    ['a custom field, by clearing it', { customFields: { Program: '' } }, { customFields: {} }, false],
    ['a custom field, by adding one', { customFields: { Term: 'Fall' } }, { customFields: { Program: 'Biology', Term: 'Fall' } }, false],
  ])('updates %s', (_label, change, expected, optedOutChanged) => {
    const result = upsertContact(held, { ...same, ...change });
    expect(result.outcome).toBe('updated');
    expect(result.contact).toEqual({ ...held, ...expected, writes: 2 });
    expect(result.optedOutChanged).toBe(optedOutChanged);
    expect(held.customFields).toEqual({ Program: 'Biology' });
  });

  it('creates a new contact opted in unless told otherwise, without empty custom fields', () => {
    const created = upsertContact(undefined, { ...same, optedOut: undefined, customFields: { Program: '', Term: 'Fall' } });
    expect(created).toEqual({ outcome: 'created', contact: { ...held, optedOut: false, customFields: { Term: 'Fall' }, writes: 1 }, optedOutChanged: false });
    expect(upsertContact(undefined, same).optedOutChanged).toBe(true);
  });
});
