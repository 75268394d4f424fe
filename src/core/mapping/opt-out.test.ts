import { describe, expect, it } from 'vitest';
import { resolveOptOut, type OptOutValues } from './opt-out.js';

const strict: OptOutValues = { optedInValue: 'Opted In', optedOutValue: 'Opted Out', emptyIsOptedIn: false };
const emptyIn: OptOutValues = { ...strict, emptyIsOptedIn: true };

describe('resolveOptOut', () => {
  it.each([
    ['Opted Out', strict, true],
    ['opted out', strict, true],
    ['OPTED OUT', strict, true],
    ['  Opted Out\t', strict, true],
    ['Opted In', strict, false],
    ['opted in', strict, false],
    [' OPTED in ', emptyIn, false],
    ['Opted Out', emptyIn, true],
    ['', strict, undefined],
    ['   ', strict, undefined],
    [undefined, strict, undefined],
    ['', emptyIn, false],
    ['  ', emptyIn, false],
    [undefined, emptyIn, false],
    ['y', { optedInValue: 'N', optedOutValue: 'Y', emptyIsOptedIn: false }, true],
    ['n', { optedInValue: 'N', optedOutValue: 'Y', emptyIsOptedIn: false }, false],
    ['stop', { optedInValue: ' Start ', optedOutValue: ' STOP ', emptyIsOptedIn: false }, true],
  ])('%j with %o → %s', (raw, config, optedOut) => {
    expect(resolveOptOut(raw, config)).toEqual({ ok: true, optedOut });
  });

  it.each([
    ['Maybe', strict],
    ['OptedOut', strict],
    ['Opted  Out', strict],
    ['Opted-In', emptyIn],
    ['yes', strict],
    ['0', strict],
    ['Opted\u00a0Out', strict], // no guessing: only the configured spelling, in any case
  ])('%j is UNRECOGNIZED_OPT_OUT_VALUE', (raw, config) => {
    const result = resolveOptOut(raw, config);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('UNRECOGNIZED_OPT_OUT_VALUE');
    expect(result.message).toContain(JSON.stringify(raw.trim()));
    expect(result.message).toContain('"Opted Out"');
    expect(result.message).toContain('"Opted In"');
  });
});
