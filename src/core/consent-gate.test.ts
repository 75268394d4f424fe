import { describe, expect, it } from 'vitest';
import { gateConsent } from './consent-gate.js';
import type { CadenceConsent } from './ports.js';
import type { CadenceContact } from './types.js';

const base: CadenceContact = { uniqueCampusId: '7', firstName: 'Ada', lastName: 'Lovelace', mobileNumber: '5551234567', allowMobileUpdate: true, customFields: {} };
const withOptOut = (optedOut: boolean | undefined): CadenceContact => (optedOut === undefined ? base : { ...base, optedOut });
const stop: CadenceConsent = { optedOut: true, changedAt: '2026-12-01T10:00:00.000Z', source: 'keyword' };
const start: CadenceConsent = { optedOut: false, changedAt: '2026-12-01T11:00:00.000Z', source: 'staff' };

describe('gateConsent (product.md §5)', () => {
  it.each([
    // payload optedOut, confirmed (undefined: none; {}: left optedOut out), consent → wire, record, conflict
    { name: 'no optedOut: sent as is', payload: undefined, confirmed: undefined, consent: stop, wire: undefined, record: undefined, conflict: false },
    { name: 'new contact opted in', payload: false, confirmed: undefined, consent: undefined, wire: false, record: false, conflict: false },
    { name: 'new contact opted out', payload: true, confirmed: undefined, consent: undefined, wire: true, record: true, conflict: false },
    { name: 'optedOut unchanged against confirmed: left off, recorded', payload: false, confirmed: { optedOut: false }, consent: undefined, wire: undefined, record: false, conflict: false },
    { name: 'optedOut changed against confirmed', payload: true, confirmed: { optedOut: false }, consent: undefined, wire: true, record: true, conflict: false },
    { name: 'confirmed left optedOut out: carried', payload: false, confirmed: {}, consent: undefined, wire: false, record: false, conflict: false },
    { name: 'opted in over a reported opt-out: conflict', payload: false, confirmed: undefined, consent: stop, wire: undefined, record: undefined, conflict: true },
    { name: 'unchanged opt-in over a reported opt-out: conflict, not recorded as opted in', payload: false, confirmed: { optedOut: false }, consent: stop, wire: undefined, record: undefined, conflict: true },
    { name: 'opt-in reported after the opt-out lifts it', payload: false, confirmed: undefined, consent: start, wire: false, record: false, conflict: false },
    { name: 'opting out agrees with a reported opt-out', payload: true, confirmed: {}, consent: stop, wire: true, record: true, conflict: false },
  ])('$name', ({ payload, confirmed, consent, wire, record, conflict }) => {
    const decision = gateConsent({ payload: withOptOut(payload), confirmed, consent });
    expect(decision.wire).toEqual(withOptOut(wire));
    expect(decision.record).toEqual(withOptOut(record));
    expect(decision.conflict?.code).toBe(conflict ? 'OPT_OUT_CONFLICT' : undefined);
  });

  it('names the opt-out it keeps in the warning', () => {
    const { conflict } = gateConsent({ payload: withOptOut(false), confirmed: undefined, consent: stop });
    expect(conflict).toEqual({ severity: 'warning', code: 'OPT_OUT_CONFLICT', message: expect.stringContaining('2026-12-01T10:00:00.000Z (keyword)') });
  });
});
