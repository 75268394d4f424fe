import { describe, expect, it } from 'vitest';
import type { MappedContact } from './mapping/map-contact.js';
import { canonicalPayload, diffPayloads, payloadsEqual, plan, planContact, planCounts } from './plan.js';
import type { CadenceContact, ContactIssue } from './types.js';

const base: CadenceContact = {
  uniqueCampusId: '100234',
  firstName: 'Ana',
  lastName: 'Lopez',
  mobileNumber: '4045550134',
  staffId: 'jdoe',
  optedOut: false,
  allowMobileUpdate: true,
  customFields: { Program: 'Biology', Term: 'Fall 2027' },
};

function variant(changes: Partial<CadenceContact>, without: (keyof CadenceContact)[] = []): CadenceContact {
  const payload = { ...base, ...changes };
  for (const key of without) delete payload[key];
  return payload;
}

function mapped(payload: CadenceContact | undefined, issues: ContactIssue[] = []): MappedContact {
  return { contactId: '100234', payload, issues, reportFields: { firstName: 'Ana', lastName: 'Lopez', mobileNumber: '404 555 0134' } };
}

const unknownUser: ContactIssue = { severity: 'warning', code: 'UNKNOWN_USER_ID', message: 'no Cadence user has User ID "x"' };
const conflict: ContactIssue = { severity: 'warning', code: 'OPT_OUT_CONFLICT', message: 'Cadence reported an opt-out' };
const missingName: ContactIssue = { severity: 'error', code: 'MISSING_FIRST_NAME', message: 'first name is empty' };

describe('canonicalPayload and payloadsEqual', () => {
  it('ignores key order, top level and in customFields', () => {
    const shuffled = {
      customFields: { Term: 'Fall 2027', Program: 'Biology' },
      allowMobileUpdate: true,
      optedOut: false,
      staffId: 'jdoe',
      mobileNumber: '4045550134',
      lastName: 'Lopez',
      firstName: 'Ana',
      uniqueCampusId: '100234',
    } as const satisfies CadenceContact;
    expect(canonicalPayload(shuffled)).toBe(canonicalPayload(base));
    expect(payloadsEqual(shuffled, base)).toBe(true);
    expect(canonicalPayload(base)).toBe(
      '{"uniqueCampusId":"100234","firstName":"Ana","lastName":"Lopez","mobileNumber":"4045550134","staffId":"jdoe","optedOut":false,"allowMobileUpdate":true,"customFields":{"Program":"Biology","Term":"Fall 2027"}}',
    );
  });

  it('drops undefined values', () => {
    expect(canonicalPayload({ ...base, staffId: undefined })).toBe(canonicalPayload(variant({}, ['staffId'])));
  });

  it.each([
    ['firstName', variant({ firstName: 'Anna' })],
    ['staffId value', variant({ staffId: '' })],
    ['staffId presence', variant({}, ['staffId'])],
    ['optedOut', variant({ optedOut: true })],
    ['optedOut presence', variant({}, ['optedOut'])],
    ['a custom field', variant({ customFields: { Program: 'Chemistry', Term: 'Fall 2027' } })],
    ['a custom field removed', variant({ customFields: { Program: 'Biology' } })],
  ])('tells a different %s apart', (_what, other) => {
    expect(payloadsEqual(base, other)).toBe(false);
  });
});

describe('planContact', () => {
  it('creates a contact Cadence never confirmed', () => {
    expect(planContact(mapped(base, [unknownUser]), undefined)).toEqual({ action: 'create', contactId: '100234', payload: base, warnings: [unknownUser] });
  });

  it('leaves an equal payload unchanged', () => {
    const shuffled: CadenceContact = { ...base, customFields: { Term: 'Fall 2027', Program: 'Biology' } };
    expect(planContact(mapped(shuffled), base)).toEqual({ action: 'unchanged', contactId: '100234', payload: shuffled, warnings: [] });
  });

  it('reports errors with every issue, whatever was confirmed', () => {
    const issues = [missingName, unknownUser];
    expect(planContact(mapped(undefined, issues), base)).toEqual({ action: 'error', contactId: '100234', issues });
    expect(planContact(mapped(undefined, issues), undefined)).toEqual({ action: 'error', contactId: '100234', issues });
  });

  it.each([
    ['a name', variant({ firstName: 'Anna' }), { firstName: { old: 'Ana', new: 'Anna' } }],
    ['the mobile', variant({ mobileNumber: '4045550135' }), { mobileNumber: { old: '4045550134', new: '4045550135' } }],
    ['an opt-out', variant({ optedOut: true }), { optedOut: { old: false, new: true } }],
    ['the staff id', variant({ staffId: '' }), { staffId: { old: 'jdoe', new: '' } }],
    ['staff id no longer mapped', variant({}, ['staffId']), { staffId: { old: 'jdoe', new: undefined } }],
    [
      'two fields',
      variant({ lastName: 'López', customFields: { Program: 'Chemistry', Term: 'Fall 2027' } }),
      { lastName: { old: 'Lopez', new: 'López' }, 'customFields.Program': { old: 'Biology', new: 'Chemistry' } },
    ],
    ['a custom field added', variant({ customFields: { Program: 'Biology', Term: 'Fall 2027', Campus: 'North' } }), { 'customFields.Campus': { old: undefined, new: 'North' } }],
    ['a custom field dropped', variant({ customFields: { Program: 'Biology' } }), { 'customFields.Term': { old: 'Fall 2027', new: undefined } }],
    ['a custom field cleared', variant({ customFields: { Program: '', Term: 'Fall 2027' } }), { 'customFields.Program': { old: 'Biology', new: '' } }],
  ] satisfies [string, CadenceContact, Record<string, unknown>][])('updates %s with a field-level diff', (_what, next, changes) => {
    expect(planContact(mapped(next), base)).toEqual({ action: 'update', contactId: '100234', payload: next, changes, warnings: [] });
  });

  describe('an optedOut left out keeps what Cadence has', () => {
    it.each([
      ['false', variant({ optedOut: false })],
      ['true', variant({ optedOut: true })],
    ])('is unchanged against a confirmed optedOut %s', (_what, confirmed) => {
      const next = variant({}, ['optedOut']);
      const item = planContact(mapped(next, [conflict]), confirmed);
      expect(item).toEqual({ action: 'unchanged', contactId: '100234', payload: next, warnings: [conflict] });
    });

    it('does not list optedOut among the changes of an update, and sends it left out', () => {
      const next = variant({ firstName: 'Anna' }, ['optedOut']);
      const item = planContact(mapped(next), variant({ optedOut: true }));
      expect(item).toEqual({ action: 'update', contactId: '100234', payload: next, changes: { firstName: { old: 'Ana', new: 'Anna' } }, warnings: [] });
      expect(item.action === 'update' && 'optedOut' in item.payload).toBe(false);
    });

    it('is an update when a value appears that the confirmed payload left out', () => {
      const item = planContact(mapped(variant({ optedOut: false })), variant({}, ['optedOut']));
      expect(item).toMatchObject({ action: 'update', changes: { optedOut: { old: undefined, new: false } } });
    });

    it('is unchanged when both leave it out', () => {
      expect(planContact(mapped(variant({}, ['optedOut'])), variant({}, ['optedOut'])).action).toBe('unchanged');
    });

    it('settles: once the sent payload is confirmed, the next run is unchanged', () => {
      const first = planContact(mapped(variant({ optedOut: false })), variant({}, ['optedOut']));
      expect(first.action).toBe('update');
      if (first.action !== 'update') return;
      expect(planContact(mapped(variant({ optedOut: false })), first.payload).action).toBe('unchanged');
    });
  });

  it('diffs nothing exactly when the payloads are equal', () => {
    const variants = [base, variant({ firstName: 'B' }), variant({}, ['optedOut']), variant({ customFields: {} }), variant({ optedOut: true })];
    for (const a of variants) {
      for (const b of variants) {
        const item = planContact(mapped(b), a);
        expect(item.action === 'unchanged').toBe(Object.keys(diffPayloads(a, b)).length === 0);
      }
    }
  });
});

describe('plan', () => {
  it('plans each contact against its own confirmed payload, in order, and counts', () => {
    const other: CadenceContact = { ...base, uniqueCampusId: '100235' };
    const third: CadenceContact = { ...base, uniqueCampusId: '100236' };
    const contacts: MappedContact[] = [
      { ...mapped(base), contactId: '100234' },
      { ...mapped({ ...other, firstName: 'Bea' }, [unknownUser]), contactId: '100235' },
      { ...mapped(third), contactId: '100236' },
      { ...mapped(undefined, [missingName, conflict]), contactId: '100237' },
    ];
    const confirmed = new Map([
      ['100234', base],
      ['100235', other],
    ]);
    const items = plan(contacts, confirmed);
    expect(items.map((item) => [item.contactId, item.action])).toEqual([
      ['100234', 'unchanged'],
      ['100235', 'update'],
      ['100236', 'create'],
      ['100237', 'error'],
    ]);
    expect(planCounts(items)).toEqual({ create: 1, update: 1, unchanged: 1, error: 1, warnings: 2 });
  });
});
